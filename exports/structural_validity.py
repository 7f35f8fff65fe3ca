"""The researcher's "Structural validity" page: the CFA, omega, alpha and Biz-vs-IT invariance of a
released wave, or of several released waves on one instrument version, pooled.

Thin: the figures are `assessments.psychometrics.psychometrics` of the newest release of each wave
(shown groups only), cached per release; this module only scopes the waves to the researcher
(`accounts.access.researched_waves`) and turns each refusal of `assessments.cfa` into a translated
message (the engine's own messages are English, for the command line).
"""

from django.core.cache import cache
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext, pgettext

from accounts.access import RESEARCHER, researched_waves
from accounts.decorators import role_required
from assessments.gather import gather_wave
from assessments.psychometrics import DELTA_CFI_HOLDS, psychometrics
from surveys.closing import close_if_due
from surveys.releases import newest_release

CACHE_VERSION = 1  # raise when the cached structure changes
CACHE_SECONDS = 7 * 24 * 3600


def step_label(step):
    return {
        "configural": pgettext("measurement invariance step", "Configural"),
        "metric": pgettext("measurement invariance step", "Metric (loadings equal)"),
        "scalar": pgettext("measurement invariance step", "Scalar (loadings and intercepts equal)"),
    }.get(step, step)


def refusal_message(kind, result):
    """The translated message for an error kind of `psychometrics` (`ERROR_KINDS`, `NO_MODEL`)."""
    if kind == "too_few_cases":
        return gettext(
            "Too few complete cases: the model needs more complete cases than it has items and free "
            "parameters (for the Biz-vs-IT steps: on each side). Complete cases here: %(n)s."
        ) % {"n": result["n"]}
    if kind == "not_identified":
        return gettext(
            "The model is not identified: it has more free parameters than the data have variances, "
            "covariances and means."
        )
    if kind == "not_positive_definite":
        return gettext(
            "The items' covariance matrix is not positive definite: an item is constant, or a linear "
            "combination of others, among the complete cases."
        )
    if kind == "not_converged":
        return gettext(
            "The model did not converge: the likelihood has no clear maximum for these data (too few "
            "cases, or items that do not fit their themes)."
        )
    if kind == "improper_solution":
        where = [
            gettext("theme %(code)s") % {"code": name[len("theme ") :]} if name.startswith("theme ") else name
            for name in result["improper_items"]
        ]
        return gettext(
            "The best fit has a negative variance (a Heywood case) for %(items)s: loadings and omega would "
            "mean nothing. Look at the wording and the theme of that item."
        ) % {"items": ", ".join(where)}
    if kind == "no_model":
        return gettext("No theme has two or more items: there is no model to test.")
    return gettext("The model could not be estimated.")


def verdict(result):
    """(comparable: True, False or None, the sentence) on whether Biz and IT means may be compared."""
    if result["invariance"] is None:
        return None, gettext("Whether Biz and IT means may be compared could not be tested.")
    if result["means_comparable"]:
        return True, gettext(
            "Biz and IT means may be compared: loadings and intercepts hold equal on both sides (CFI drops by "
            "no more than .01 at the metric and at the scalar step)."
        )
    failed = [step_label(step["step"]) for step in result["invariance"][1:] if step["delta_cfi"] < DELTA_CFI_HOLDS]
    return False, gettext(
        "Biz and IT theme means may not be compared: CFI drops by more than .01 at the step %(steps)s, so the "
        "items do not measure the same thing on both sides. Compare items, not theme means."
    ) % {"steps": ", ".join(failed)}


def _cache_key(waves, releases):
    parts = [
        f"{w.pk}.{r.pk}.{w.instrument_id}.{w.instrument.revision}.{w.anonymity_threshold}"
        for w, r in zip(waves, releases, strict=True)
    ]
    return f"psychometrics:v{CACHE_VERSION}:" + "-".join(parts)


def released_figures(waves, releases):
    """`psychometrics` of these releases, cached (a release never changes)."""
    key = _cache_key(waves, releases)
    result = cache.get(key)
    if result is None:
        result = psychometrics([gather_wave(wave, release) for wave, release in zip(waves, releases, strict=True)])
        cache.set(key, result, CACHE_SECONDS)
    return result


def _context(result):
    """The figures as the template lists them."""
    fit = result["fit"]
    themes = list(result["alpha"])
    return {
        "fit": fit,
        "loadings": [{"item": item, **loading} for item, loading in result["loadings"].items()],
        "themes": [
            {"code": theme, "omega": result["omega"].get(theme), "alpha": result["alpha"][theme]} for theme in themes
        ],
        "correlations": [
            {
                "first": pair.split("|")[0],
                "second": pair.split("|")[1],
                "r": r,
                "indistinct": pair in result["indistinct_themes"],
            }
            for pair, r in result["factor_correlations"].items()
        ],
        "steps": [{**step, "label": step_label(step["step"])} for step in result["invariance"] or []],
        "model_refusal": result["error_kinds"]["model"] and refusal_message(result["error_kinds"]["model"], result),
        "invariance_refusal": result["error_kinds"]["invariance"]
        and refusal_message(result["error_kinds"]["invariance"], result),
    }


@role_required(RESEARCHER)
def structural_validity(request, slug):
    """The page of one released wave; ``?with=SLUG`` (repeated) pools other released waves on its instrument version."""
    waves = researched_waves(request.user).select_related("organization", "instrument")
    wave = close_if_due(get_object_or_404(waves, slug=slug))
    release = newest_release(wave)
    context = {"wave": wave, "release": release}
    if release is None:
        context["refusal"] = gettext(
            "Nothing of this wave is released yet: structural validity is computed from a release, like every figure."
        )
        return render(request, "exports/structural_validity.html", context, status=409)
    candidates = []
    for other in waves.filter(instrument=wave.instrument).exclude(pk=wave.pk).order_by("-opens_at"):
        other_release = newest_release(close_if_due(other))
        if other_release is not None:
            candidates.append((other, other_release))
    chosen = request.GET.getlist("with")
    pooled = [(other, other_release) for other, other_release in candidates if other.slug in chosen]
    context["not_poolable"] = sorted(set(chosen) - {other.slug for other, _ in pooled})
    context["candidates"] = [(other, other.slug in chosen) for other, _ in candidates]
    all_waves = [wave, *(other for other, _ in pooled)]
    all_releases = [release, *(other_release for _, other_release in pooled)]
    context["pooled"] = list(zip(all_waves, all_releases, strict=True))
    result = released_figures(all_waves, all_releases)
    context["result"] = result
    context["comparable"], context["verdict"] = verdict(result)
    context.update(_context(result))
    return render(request, "exports/structural_validity.html", context)
