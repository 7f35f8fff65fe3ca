"""The export log: every export is an entry ("export") of the audit log, written before its first byte.

Who, when, which wave, format and layout, the generalization, how many responses were written
and suppressed, and whether from the page or the command line.
"""

from surveys import audit

PAGE, COMMAND = "page", "command"


def log_export(plan, fmt, layout, channel, user=None):
    """Record the export of `plan` in the audit log; from the command line (no `user`) under the
    operating-system account."""
    anonymization = plan.anonymization
    return audit.record(
        "export",
        organization=plan.wave.organization,
        wave=plan.wave,
        user=user,
        format=fmt,
        layout=layout,
        generalization=anonymization.generalization.name,
        records_written=anonymization.records_written,
        records_suppressed=anonymization.records_suppressed,
        channel=channel,
    )
