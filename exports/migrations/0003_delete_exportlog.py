"""The export log lives on in the audit log (surveys.AuditEntry, action "export")."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("exports", "0002_export_logs_into_the_audit_log"),
    ]

    operations = [
        migrations.DeleteModel(
            name="ExportLog",
        ),
    ]
