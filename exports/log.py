"""The export log: every export is an entry ("export") of the audit log, written before its first byte.

Who, when, which wave, format and layout, the generalization (its name, whether the researcher
chose it, and how it writes value stream, side, role and tenure), how many responses were written
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
        # The researcher's choice, or the ladder's; and what it keeps, as the codebook says it.
        generalization_chosen=plan.chosen,
        export_value_stream=anonymization.generalization.value_stream,
        export_side=anonymization.generalization.side,
        export_role=anonymization.generalization.role,
        export_tenure=anonymization.generalization.tenure,
        records_written=anonymization.records_written,
        records_suppressed=anonymization.records_suppressed,
        channel=channel,
    )
