import json

from django.core.management.base import BaseCommand, CommandError

from assessments.psychometrics import INDISTINCT_CORRELATION, released_psychometrics
from surveys.closing import close_if_due
from surveys.models import Wave


def _number(value, digits=3):
    return "—" if value is None else f"{value:.{digits}f}"


def _p_value(value):
    if value is None:
        return "—"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _signed(value, digits=3):
    return "—" if value is None else f"{value:+.{digits}f}"


def verdict(result):
    """Whether Biz and IT theme means may be compared, in plain words."""
    if result["invariance"] is None:
        return "Biz and IT means: not tested (" + result["errors"]["invariance"] + ")"
    if result["means_comparable"]:
        return (
            "Biz and IT means may be compared: the loadings and intercepts hold equal on both sides "
            "(CFI drops by no more than .01 at the metric and scalar steps)."
        )
    failed = [step["step"] for step in result["invariance"][1:] if step["delta_cfi"] < -0.01]
    return (
        "Biz and IT means may NOT be compared: the " + " and ".join(failed) + " step lowers CFI by more than .01, "
        "so the items do not measure the same thing on both sides. Compare items, not theme means."
    )


def readable(result):
    """The structural validity as plain-text tables, for a researcher reading a terminal."""
    waves = ", ".join(f"{w['slug']} (release {w['release']})" for w in result.get("waves", []))
    lines = [f"Structural validity of {waves}", f"Complete cases (shown groups only): {result['n']}"]
    if result["themes_without_factor"]:
        lines.append("Themes with fewer than 2 items get no factor: " + ", ".join(result["themes_without_factor"]))
    lines.append("")
    fit = result["fit"]
    lines.append("Model fit (one factor per theme, factors correlated; maximum likelihood as lavaan's cfa())")
    if fit is None:
        lines.append("  Not estimated: " + result["errors"]["model"])
    else:
        lines.append(
            f"  chi2 = {_number(fit['chisq'], 2)}, df = {fit['df']}, p = {_p_value(fit['pvalue'])}; "
            f"CFI = {_number(fit['cfi'])}, TLI = {_number(fit['tli'])}; "
            f"RMSEA = {_number(fit['rmsea'])} [90% CI {_number(fit['rmsea_ci_lower'])}, "
            f"{_number(fit['rmsea_ci_upper'])}]; SRMR = {_number(fit['srmr'])}"
        )
    lines.append("")
    lines.append("Themes: standardized loadings (std.all), omega beside alpha")
    themes = list(result["alpha"])
    for theme in themes:
        lines.append(
            f"  {theme:<8} omega {_number(result['omega'].get(theme))}  alpha {_number(result['alpha'][theme])}"
        )
        for item, loading in result["loadings"].items():
            if loading["theme"] == theme:
                lines.append(f"    {item:<10} {_number(loading['std'])}")
    if result["factor_correlations"]:
        lines.append("")
        lines.append(f"Factor correlations (* at or above {INDISTINCT_CORRELATION:.2f}: themes hardly distinct)")
        for pair, r in result["factor_correlations"].items():
            flag = " *" if pair in result["indistinct_themes"] else ""
            lines.append(f"  {pair.replace('|', ' – '):<20} {_number(r)}{flag}")
    lines.append("")
    lines.append("Measurement invariance, Biz vs IT")
    if result["invariance"] is None:
        lines.append("  Not estimated: " + result["errors"]["invariance"])
    else:
        lines.append(
            f"  {'step':<11} {'chi2':>9} {'df':>4} {'CFI':>6} {'RMSEA':>6} {'SRMR':>6} "
            f"{'Δchi2':>8} {'Δdf':>4} {'p':>7} {'ΔCFI':>7}"
        )
        for step in result["invariance"]:
            lines.append(
                f"  {step['step']:<11} {_number(step['chisq'], 2):>9} {step['df']:>4} {_number(step['cfi']):>6} "
                f"{_number(step['rmsea']):>6} {_number(step['srmr']):>6} {_number(step['delta_chisq'], 2):>8} "
                f"{'—' if step['delta_df'] is None else step['delta_df']:>4} {_p_value(step['delta_p']):>7} "
                f"{_signed(step['delta_cfi']):>7}"
            )
    lines.append("")
    lines.append(verdict(result))
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = (
        "Print the structural validity of released waves (pooled if several, on one instrument version): "
        "CFA fit, loadings, omega and alpha, factor correlations and Biz-vs-IT invariance, as text or JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="+", metavar="WAVE", help="The slug of a wave; several are pooled.")
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON (unrounded).")

    def handle(self, slugs, **options):
        waves = {wave.slug: wave for wave in Wave.objects.select_related("instrument").filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in waves]
        if unknown:
            known = ", ".join(Wave.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"No survey wave {', '.join(map(repr, unknown))}. Known waves: {known}.")
        try:
            result = released_psychometrics([close_if_due(waves[slug]) for slug in dict.fromkeys(slugs)])
        except ValueError as error:  # no release yet, or waves on different instrument versions
            raise CommandError(str(error)) from error
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False, allow_nan=False))
        else:
            self.stdout.write(readable(result), ending="")
