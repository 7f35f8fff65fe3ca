"""Structural validity of released waves: the CFA, omega, alpha and Biz-vs-IT invariance as one dict.

Pure, like `report.build_report`: it reads `gather.WaveData` (one per released wave; several
waves on one instrument version are pooled) and uses only the responses of groups the report
shows (`report.disclosure`): a hidden group's answers change nothing here. The model is
`cfa.fit_cfa` over the reverse-coded answers, listwise complete over the model's items ("not
applicable" and unanswered are missing); the model's items are those of the themes with at least
2 items (a theme with one item gets no factor and is listed in ``themes_without_factor``).
docs/researchers.md, "Structural validity", gives the formulas. `released_psychometrics` is
the entry point for pages and commands: it reads each wave's newest release.
"""

import numpy as np

from . import cfa, stats
from .anonymity import SHOWN
from .gather import gather_wave
from .report import SIDES, disclosure, score_wave

# Factor correlations at or above this say that two themes are hardly distinct.
INDISTINCT_CORRELATION = 0.85
# What went wrong, as a code that pages and commands turn into their own (translated) message.
ERROR_KINDS = {
    cfa.NotIdentifiedError: "not_identified",
    cfa.TooFewCasesError: "too_few_cases",
    cfa.NotPositiveDefiniteError: "not_positive_definite",
    cfa.NotConvergedError: "not_converged",
    cfa.ImproperSolutionError: "improper_solution",
}
NO_MODEL = "no_model"  # no theme has 2 items


def _error(error):
    """The message, kind and the items named (Heywood cases) of a CFAError."""
    return str(error), ERROR_KINDS.get(type(error), "not_estimated"), list(getattr(error, "where", []))


# The usual reading of an invariance step: it holds when CFI drops by no more than this.
DELTA_CFI_HOLDS = -0.01


def _shown_rows(data):
    """The reverse-coded answers of the responses whose group (value stream, side) is shown."""
    reverse_coded, theme_matrix, dimension_matrix = score_wave(data)
    shown = disclosure(data, theme_matrix, dimension_matrix)
    names = np.array(data.value_stream_names, dtype=object)
    response_names = names[data.response_value_stream] if len(names) else np.zeros(0, dtype=object)
    keep = np.zeros(len(data.answers), dtype=bool)
    for side, is_side in zip(SIDES, (data.response_is_biz, ~data.response_is_biz), strict=True):
        shown_names = [name for name, status in shown.by_side[side].by_value_stream.items() if status == SHOWN]
        keep |= is_side & np.isin(response_names, shown_names)
    return reverse_coded[keep], data.response_is_biz[keep]


def _pooled(waves):
    first = waves[0]
    for data in waves[1:]:
        if data.item_codes != first.item_codes or data.theme_codes != first.theme_codes:
            raise ValueError("waves are pooled only on one instrument version (the same items and themes)")
    rows = [_shown_rows(data) for data in waves]
    return first, np.concatenate([r for r, _ in rows]), np.concatenate([b for _, b in rows])


def _figure(value):
    """A figure for the dict and its JSON: None where undefined (NaN, e.g. p with df = 0)."""
    return None if value is None or not np.isfinite(value) else value


def _fit_dict(fit, keys=("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_lower", "rmsea_ci_upper", "srmr")):
    return {key: _figure(getattr(fit, key)) for key in keys}


def psychometrics(waves):
    """The structural validity of one released wave or several pooled (a WaveData or a list).

    Returns a dict with the keys of ``manage.py psychometrics --json``: ``n`` (complete cases
    used), ``fit``, ``loadings`` {item: {"theme", "std"}}, ``omega`` {theme}, ``alpha`` {theme},
    ``factor_correlations`` {"T1|T2": r}, ``invariance`` [per step: "step", "chisq", "df",
    "cfi", "rmsea", "srmr", "delta_chisq", "delta_df", "delta_p", "delta_cfi"], and beside them
    ``themes_without_factor``, ``indistinct_themes`` (pairs with r ≥ .85), ``means_comparable``
    (the metric and scalar steps hold by ΔCFI ≥ −.01; None without invariance figures) and
    ``errors`` {"model", "invariance"}: the message of a model that could not be estimated, in
    which case its figures are None (empty for the dicts), with ``error_kinds`` (the same keys:
    a code of `ERROR_KINDS` or `NO_MODEL`, for translated messages) and ``improper_items`` (what
    a Heywood case names).
    """
    if not isinstance(waves, list | tuple):
        waves = [waves]
    data, answers, is_biz = _pooled(list(waves))
    theme_of_item = np.array([data.theme_codes[t] for t in data.item_theme], dtype=object)
    sizes = {code: int(np.sum(theme_of_item == code)) for code in data.theme_codes}
    without_factor = [code for code in data.theme_codes if sizes[code] < 2]
    in_model = np.array([sizes[code] >= 2 for code in theme_of_item], dtype=bool)
    items = [code for code, used in zip(data.item_codes, in_model, strict=True) if used]
    item_themes = list(theme_of_item[in_model])
    matrix = answers[:, in_model]
    complete = ~np.isnan(matrix).any(axis=1)
    matrix, is_biz = matrix[complete], is_biz[complete]

    result = {
        "n": int(len(matrix)),
        "fit": None,
        "loadings": {},
        "omega": {},
        "alpha": {},
        "factor_correlations": {},
        "invariance": None,
        "themes_without_factor": without_factor,
        "indistinct_themes": [],
        "means_comparable": None,
        "errors": {"model": None, "invariance": None},
        "error_kinds": {"model": None, "invariance": None},
        "improper_items": [],
    }
    if not items:
        result["errors"]["model"] = "No theme has 2 or more items: there is no model to test."
        result["error_kinds"]["model"] = NO_MODEL
        return result
    for code in dict.fromkeys(item_themes):
        _, alpha, _ = stats.cronbach_alpha(matrix[:, np.array(item_themes) == code])
        result["alpha"][code] = float(alpha) if np.isfinite(alpha) else None
    try:
        model = cfa.fit_cfa(matrix, items, item_themes)
    except cfa.CFAError as error:
        result["errors"]["model"], result["error_kinds"]["model"], result["improper_items"] = _error(error)
    else:
        result["fit"] = _fit_dict(model.fit)
        result["loadings"] = {
            item: {"theme": theme, "std": float(std)}
            for item, theme, std in zip(items, item_themes, model.std_loadings, strict=True)
        }
        result["omega"] = dict(model.omega)
        result["factor_correlations"] = dict(model.factor_correlations)
        result["indistinct_themes"] = [
            pair for pair, r in model.factor_correlations.items() if abs(r) >= INDISTINCT_CORRELATION
        ]
    try:
        steps = cfa.invariance(matrix, item_themes, np.where(is_biz, "biz", "it"), SIDES)
    except cfa.CFAError as error:
        result["errors"]["invariance"], result["error_kinds"]["invariance"], _ = _error(error)
    else:
        result["invariance"] = [
            {
                "step": step.step,
                **_fit_dict(step.fit, ("chisq", "df", "cfi", "rmsea", "srmr")),
                "delta_chisq": step.delta_chisq,
                "delta_df": step.delta_df,
                "delta_p": _figure(step.delta_p),
                "delta_cfi": step.delta_cfi,
            }
            for step in steps
        ]
        result["means_comparable"] = all(step.delta_cfi >= DELTA_CFI_HOLDS for step in steps[1:])
    return result


def released_psychometrics(waves):
    """`psychometrics` of the newest release of each wave (surveys.models.Wave), pooled.

    ValueError, saying which, for a wave without a release or waves on different instrument
    versions. The result also lists ``waves`` [{"slug", "release"}]: what was read.
    """
    from surveys.releases import newest_release

    waves = list(waves)
    if not waves:
        raise ValueError("Name at least one wave.")
    if len({wave.instrument_id for wave in waves}) > 1:
        raise ValueError("Waves are pooled only on one instrument version: " + ", ".join(w.slug for w in waves))
    releases = [newest_release(wave) for wave in waves]
    unreleased = [wave.slug for wave, release in zip(waves, releases, strict=True) if release is None]
    if unreleased:
        raise ValueError("No release yet, so nothing to analyse: " + ", ".join(unreleased))
    result = psychometrics([gather_wave(wave, release) for wave, release in zip(waves, releases, strict=True)])
    result["waves"] = [
        {"slug": wave.slug, "release": release.number} for wave, release in zip(waves, releases, strict=True)
    ]
    return result
