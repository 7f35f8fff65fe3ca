"""The export log: who exported which wave, when, in which format, and what was left out."""

from django.conf import settings
from django.db import models


class ExportLog(models.Model):
    """One export, written before its first byte is sent. Kept when the user or the wave is deleted."""

    class Channel(models.TextChoices):
        PAGE = "page", "Export page"
        COMMAND = "command", "Command line"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSON = "json", "JSON"
        SAV = "sav", "SPSS (.sav)"

    class Layout(models.TextChoices):
        WIDE = "wide", "Wide: one row per response"
        LONG = "long", "Long: one row per answer"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="export_logs"
    )
    # Copies that outlive a deleted user or wave: an audit trail must not lose its subject.
    requested_by = models.CharField(
        max_length=150, help_text="The user name, or the operating-system account for the command line."
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    wave = models.ForeignKey(
        "surveys.Wave", null=True, blank=True, on_delete=models.SET_NULL, related_name="export_logs"
    )
    wave_slug = models.SlugField(max_length=80)
    format = models.CharField(max_length=4, choices=Format.choices)
    layout = models.CharField(max_length=4, choices=Layout.choices)
    generalization = models.CharField(max_length=40, help_text="The generalization level of the quasi-identifiers.")
    records_written = models.PositiveIntegerField()
    records_suppressed = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.wave_slug} as {self.format} ({self.layout}) by {self.requested_by}"

    @classmethod
    def record(cls, plan, fmt, layout, channel, user=None, requested_by=""):
        anonymization = plan.anonymization
        return cls.objects.create(
            user=user if user is not None and user.is_authenticated else None,
            requested_by=requested_by or (user.get_username() if user is not None else ""),
            channel=channel,
            wave=plan.wave,
            wave_slug=plan.wave.slug,
            format=fmt,
            layout=layout,
            generalization=anonymization.generalization.name,
            records_written=anonymization.records_written,
            records_suppressed=anonymization.records_suppressed,
        )
