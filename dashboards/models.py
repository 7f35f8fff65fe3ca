from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.secret_links import hash_token, new_token
from surveys.models import ACTION_TEXT_MAX_LENGTH, ValueStream, Wave


class RadiatorLinkQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def find(self, token):
        """The active link of a token, or None. Unknown and revoked tokens look the same."""
        return self.active().select_related("value_stream__organization").filter(token_hash=hash_token(token)).first()


class RadiatorLink(models.Model):
    """A secret link that opens one value stream's information radiator without a login.

    Only the token's hash is stored (`accounts.secret_links`, as for personal invitations); the
    link itself is shown once, when it is created. It shows
    the value stream's newest wave that is open or closed, so a wall screen keeps working from one
    wave to the next.
    """

    value_stream = models.ForeignKey(ValueStream, on_delete=models.CASCADE, related_name="radiator_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    label = models.CharField(max_length=100, blank=True, help_text="Where the screen hangs, e.g. '3rd floor kitchen'.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = RadiatorLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.value_stream} radiator ({self.label or f'{self.created_at:%Y-%m-%d}'})"

    @classmethod
    def create(cls, value_stream, user, label=""):
        """Create a link; return it with its token, which exists nowhere else afterwards."""
        token = new_token()
        link = cls.objects.create(value_stream=value_stream, token_hash=hash_token(token), label=label, created_by=user)
        return link, token

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class FocusTheme(models.Model):
    """A theme that a change manager marked to work on in a value stream before the next wave.

    Tied to the wave whose figures led to it; the next wave's page of the value stream shows the
    change in the theme's gap since then. The theme is named by its code, which stays the same
    on every wave of the instrument version. Staff data only: nothing about respondents.
    """

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="focus_themes")
    value_stream = models.ForeignKey(ValueStream, on_delete=models.CASCADE, related_name="focus_themes")
    theme_code = models.CharField(max_length=30)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, editable=False)
    marked_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["wave", "value_stream", "theme_code"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "value_stream", "theme_code"], name="unique_focus_theme"),
        ]

    def __str__(self):
        return f"{self.wave} · {self.value_stream} · {self.theme_code}"


class Action(models.Model):
    """One thing to do on a value stream's action plan, optionally for a theme of the wave's instrument."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    OPEN = (Status.PLANNED, Status.IN_PROGRESS)

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="actions")
    value_stream = models.ForeignKey(ValueStream, on_delete=models.CASCADE, related_name="actions")
    theme_code = models.CharField(max_length=30, blank=True)
    what = models.CharField(max_length=ACTION_TEXT_MAX_LENGTH)
    # Free text: an owner need not have an account (a team, a role, a person's name).
    owner = models.CharField(max_length=100, blank=True)
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["wave", "value_stream", models.F("due_on").asc(nulls_last=True), "created_at", "pk"]

    def __str__(self):
        return self.what

    @property
    def is_open(self):
        return self.status in self.OPEN
