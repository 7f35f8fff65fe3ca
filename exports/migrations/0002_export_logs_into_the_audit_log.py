"""Copy every export log entry into the audit log, as an "export" entry; the next migration deletes the export log."""

from django.db import migrations


def copy_into_the_audit_log(apps, schema_editor):
    ExportLog = apps.get_model("exports", "ExportLog")
    AuditEntry = apps.get_model("surveys", "AuditEntry")
    entries = [
        AuditEntry(
            created_at=log.created_at,
            # An export of a wave deleted since has no organization left: only the admin shows it.
            organization_id=log.wave.organization_id if log.wave_id else None,
            wave_id=log.wave_id,
            wave_slug=log.wave_slug,
            user_id=log.user_id,
            actor=log.requested_by,
            action="export",
            details={
                "format": log.format,
                "layout": log.layout,
                "generalization": log.generalization,
                "records_written": log.records_written,
                "records_suppressed": log.records_suppressed,
                "channel": log.channel,
            },
        )
        for log in ExportLog.objects.select_related("wave").order_by("created_at", "pk").iterator()
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=1000)


def copy_back(apps, schema_editor):
    ExportLog = apps.get_model("exports", "ExportLog")
    AuditEntry = apps.get_model("surveys", "AuditEntry")
    for entry in AuditEntry.objects.filter(action="export").order_by("created_at", "pk").iterator():
        details = entry.details
        ExportLog.objects.create(
            user_id=entry.user_id,
            requested_by=entry.actor,
            channel=details.get("channel", ""),
            wave_id=entry.wave_id,
            wave_slug=entry.wave_slug,
            format=details.get("format", ""),
            layout=details.get("layout", ""),
            generalization=details.get("generalization", ""),
            records_written=details.get("records_written", 0),
            records_suppressed=details.get("records_suppressed", 0),
        )
    # The copies stay in the audit log: it is append-only, and going back must not erase a trail.


class Migration(migrations.Migration):

    dependencies = [
        ("exports", "0001_initial"),
        ("surveys", "0008_audit_and_link_counts"),
    ]

    operations = [
        migrations.RunPython(copy_into_the_audit_log, copy_back),
    ]
