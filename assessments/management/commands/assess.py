import json

from django.core.management.base import BaseCommand, CommandError

from assessments.anonymity import SUPPRESSED
from assessments.report import DIMENSION, THEME, wave_report
from surveys.closing import close_if_due
from surveys.models import Wave
from surveys.releases import newest_release


def _number(value, digits=2):
    return "—" if value is None else f"{value:.{digits}f}"


def _p_value(value):
    if value is None:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _side(cell, status, threshold):
    if status == SUPPRESSED:
        return f"hidden (<{threshold})"
    if cell is None or cell.n == 0:
        return "n=0"
    return f"{_number(cell.mean)} (n={cell.n})"


def readable_report(report):
    """The report as plain-text tables, one block per value stream and the pooled rows."""
    k = report.anonymity_threshold
    release = report.release
    lines = [
        f"{report.title} ({report.survey}) — anonymity threshold {k}",
        f"Release {release['number']} ({release['kind']}, {release['created_on']}): {release['responses']} responses",
        "",
    ]
    header = f"{'':<6} {'Biz':>16} {'IT':>16} {'gap':>6} {'p (Holm)':>9} {'g':>6}  magnitude"
    for stream in [*report.value_streams, None]:
        lines.append(stream or "All value streams (pooled)")
        lines.append(header)
        for level in (THEME, DIMENSION):
            for row in report.rows(level, stream):
                lines.append(
                    f"{row.code:<6} {_side(row.biz, row.biz_status, k):>16} {_side(row.it, row.it_status, k):>16} "
                    f"{_number(row.gap):>6} {_p_value(row.mwu_p_holm):>9} {_number(row.hedges_g):>6}  "
                    f"{row.magnitude or ''}"
                )
        lines.append("")
    lines.append("Reliability (Cronbach's alpha, 95% Feldt CI)")
    for row in report.reliability:
        if row.suppressed:
            lines.append(f"{row.theme:<6} hidden (<{k})")
        else:
            ci = row.alpha_ci or [None, None]
            lines.append(f"{row.theme:<6} alpha {_number(row.alpha)} [{_number(ci[0])}, {_number(ci[1])}] n={row.n}")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = (
        "Print the Biz-versus-IT assessment of a survey wave's newest release: a readable table, or the full "
        "report as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The wave's slug.")
        parser.add_argument("--json", action="store_true", help="Print the full report as JSON (unrounded).")

    def handle(self, slug, **options):
        wave = Wave.objects.select_related("instrument").filter(slug=slug).first()
        if wave is None:
            known = ", ".join(Wave.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No survey wave {slug!r}. Known waves: {known}.")
        release = newest_release(close_if_due(wave))
        if release is None:
            raise CommandError(
                f"Nothing of the wave {slug!r} is released yet: its results are released when it closes"
                + (", and interim results daily while it is open." if wave.interim_results else ".")
            )
        report = wave_report(wave, release)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False, allow_nan=False))
        else:
            self.stdout.write(readable_report(report), ending="")
