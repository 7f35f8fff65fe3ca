"""Change since the previous wave: each side's theme means and each theme's gap, compared across two waves.

Pure: two `gather.WaveData` of waves on the same instrument version in, a list of `ChangeRow`
out; no database. The theme scores are the report's (`report.score_wave`), and which groups may
be used is each release's own decision (`report.disclosure`), so a change never shows a group
that either wave's pages hide.

Method (docs/researchers.md, "Change since the previous wave"):

- A *group* is one side of one value stream (or one side over all value streams: pooled) in one
  wave. The waves are anonymous, so the previous and current groups are two independent samples:
  nobody is paired with their earlier answers.
- Side rows ("biz", "it"): the mean theme score of the current group minus that of the previous
  one, with Welch's t-test (as `scipy.stats.ttest_ind(current, previous, equal_var=False)`) and
  Hedges' g (positive: the current wave scores higher).
- Gap rows ("gap"): the gap Biz − IT of the current wave minus that of the previous wave,
  Δ = (x̄_Bc − x̄_Ic) − (x̄_Bp − x̄_Ip), a contrast of four independent means, tested with
  t = Δ / √(Σ s²ᵢ/nᵢ) on the Welch–Satterthwaite df (Σ s²ᵢ/nᵢ)² / Σ (s²ᵢ/nᵢ)²/(nᵢ − 1).
- Holm within the value stream: the family is every row of one value stream (both sides and the
  gap, all themes) that has a p-value; the pooled rows are a family of their own.
- Anonymity: a row uses a group only if that group is shown in its own release's disclosure and
  has at least k (its wave's threshold) scores for the theme. A row that needs a group that is
  not is `shown=False` and carries no number at all.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from . import stats
from .anonymity import SHOWN, SUPPRESSED
from .report import SIDES, disclosure, score_wave

BIZ, IT, GAP = "biz", "it", "gap"
KINDS = (BIZ, IT, GAP)

# Why a row is not shown (ChangeRow.reason).
HIDDEN_PREVIOUS = "hidden_previous"  # a group it needs is hidden in the previous wave's release
HIDDEN_CURRENT = "hidden_current"  # … in the current wave's release
HIDDEN_BOTH = "hidden_both"  # … in both
EMPTY = "empty"  # a group it needs has no score for the theme in one of the waves (nobody to compare)


@dataclass
class ChangeRow:
    value_stream: str | None  # None: all value streams pooled
    kind: str  # "biz", "it" (a side's mean) or "gap" (Biz − IT)
    code: str  # theme code
    name: str  # theme name
    previous: float | None  # previous wave's mean (kind biz/it) or gap (kind gap)
    current: float | None
    difference: float | None  # current − previous
    t: float | None
    df: float | None
    p: float | None  # two-sided
    p_holm: float | None  # Holm within the value stream (see docs/researchers.md)
    hedges_g: float | None  # for biz/it rows; None for gap rows
    shown: bool  # False: a group needed is hidden in either release, no figures
    reason: str | None = None  # why not shown: HIDDEN_PREVIOUS, HIDDEN_CURRENT, HIDDEN_BOTH or EMPTY
    magnitude: str | None = None  # of hedges_g (stats.magnitude)

    @property
    def significant(self):
        """Holm-adjusted p below .05."""
        return self.p_holm is not None and self.p_holm < 0.05


def welch_contrast(weights, means, variances, ns):
    """A linear contrast of independent means, tested with the Welch–Satterthwaite df.

    .. math:: \\hat\\Delta = \\sum_i w_i \\bar x_i, \\qquad
              t = \\frac{\\hat\\Delta}{\\sqrt{\\sum_i w_i^2 s_i^2 / n_i}}, \\qquad
              \\nu = \\frac{\\bigl(\\sum_i w_i^2 s_i^2/n_i\\bigr)^2}{\\sum_i (w_i^2 s_i^2/n_i)^2 / (n_i - 1)}

    and the two-sided p of t on ν degrees of freedom. With two groups and weights (1, −1) this
    is Welch's t-test, as `scipy.stats.ttest_ind(equal_var=False)`.

    Parameters
    ----------
    weights, means, variances, ns : array_like, one entry per group
        The contrast's weights, and each group's mean, variance (n − 1 denominator) and size.

    Returns
    -------
    (estimate, t, df, p) : tuple of float
        t, df and p are NaN when a group has n < 2 or the standard error is 0 (all groups
        constant); the estimate is NaN when a group is empty.

    References
    ----------
    Welch, B. L. (1947). *Biometrika*, 34(1/2), 28–35.
    Satterthwaite, F. E. (1946). *Biometrics Bulletin*, 2(6), 110–114.

    Examples
    --------
    The change of a gap: (Biz now − IT now) − (Biz before − IT before).

    >>> estimate, t, df, p = welch_contrast([1, -1, -1, 1], [4.0, 3.0, 3.5, 3.4], [0.5, 0.6, 0.4, 0.5], [10, 12, 9, 11])
    >>> round(estimate, 2), round(t, 3), round(df, 1), round(p, 3)
    (0.9, 2.065, 37.6, 0.046)
    """
    weights, means, variances, ns = (np.asarray(v, dtype=float) for v in (weights, means, variances, ns))
    if (ns < 1).any():
        return math.nan, math.nan, math.nan, math.nan
    estimate = float(weights @ means)
    if (ns < 2).any():
        return estimate, math.nan, math.nan, math.nan
    parts = weights**2 * variances / ns
    se2 = float(parts.sum())
    if not se2 > 0:
        return estimate, math.nan, math.nan, math.nan
    df = se2**2 / float((parts**2 / (ns - 1)).sum())
    t = estimate / math.sqrt(se2)
    return estimate, t, df, float(2 * special.stdtr(df, -abs(t)))


def hedges_g(n1, mean1, var1, n2, mean2, var2):
    """Hedges' g of group 1 against group 2, as `stats.compare_sides` computes it; NaN where undefined.

    .. math:: g = \\frac{\\bar x_1 - \\bar x_2}{s_p} \\Bigl(1 - \\frac{3}{4(n_1 + n_2) - 9}\\Bigr), \\qquad
              s_p = \\sqrt{\\frac{(n_1-1)s_1^2 + (n_2-1)s_2^2}{n_1 + n_2 - 2}}

    Examples
    --------
    >>> round(hedges_g(5, 4.2, 0.7, 5, 2.8, 0.7), 3)
    1.511
    """
    df = n1 + n2 - 2
    if n1 < 1 or n2 < 1 or df < 1:
        return math.nan
    pooled = ((n1 - 1) * (var1 if n1 > 1 else 0.0) + (n2 - 1) * (var2 if n2 > 1 else 0.0)) / df
    if not pooled > 0:
        return math.nan
    return float((mean1 - mean2) / math.sqrt(pooled) * (1 - 3 / (4 * (n1 + n2) - 9)))


@dataclass(frozen=True)
class _Group:
    usable: bool  # shown in its release's disclosure, with at least k scores
    hidden: bool  # hidden by its release's disclosure (else, if not usable: empty)
    n: int = 0
    mean: float = math.nan
    variance: float = math.nan


def _groups(data):
    """Every group of a wave per (value stream name or None, side, theme index): a `_Group`."""
    _, theme_matrix, dimension_matrix = score_wave(data)
    decision = disclosure(data, theme_matrix, dimension_matrix)
    names = list(data.value_stream_names)
    n_streams, n_themes = len(names), len(data.theme_codes)
    cells = 2 * np.asarray(data.response_value_stream, dtype=np.int64) + np.where(data.response_is_biz, 0, 1)
    groups = {}
    for t in range(n_themes):
        # Counted theme by theme, as the report counts each measure: the same levels, so the same means.
        levels, counts = stats.value_counts(theme_matrix[:, t], cells, 2 * n_streams)
        counts = counts.reshape(n_streams, 2, len(levels))
        for stream, stream_counts in [*zip(names, counts, strict=True), (None, counts.sum(axis=0))]:
            for s, side in enumerate(SIDES):
                status = decision.status(side, stream)
                summary = stats.describe_counts(levels, stream_counts[s])
                if status == SUPPRESSED or (status == SHOWN and 0 < summary.n < data.anonymity_threshold):
                    groups[(stream, side, t)] = _Group(usable=False, hidden=True)
                elif status != SHOWN or summary.n == 0:
                    groups[(stream, side, t)] = _Group(usable=False, hidden=False)
                else:
                    variance = summary.sd**2 if summary.n > 1 else math.nan
                    groups[(stream, side, t)] = _Group(True, False, summary.n, summary.mean, variance)
    return groups


def _float(value):
    return float(value) if value is not None and math.isfinite(value) else None


def _reason(previous_groups, current_groups):
    hidden_previous = any(group.hidden for group in previous_groups)
    hidden_current = any(group.hidden for group in current_groups)
    if hidden_previous and hidden_current:
        return HIDDEN_BOTH
    if hidden_previous:
        return HIDDEN_PREVIOUS
    if hidden_current:
        return HIDDEN_CURRENT
    return EMPTY


def _hidden_row(stream, kind, code, name, reason):
    return ChangeRow(stream, kind, code, name, None, None, None, None, None, None, None, None, False, reason)


def _side_row(stream, side, code, name, before, now):
    if not (before.usable and now.usable):
        return _hidden_row(stream, side, code, name, _reason([before], [now]))
    difference, t, df, p = welch_contrast(
        [1, -1], [now.mean, before.mean], [now.variance, before.variance], [now.n, before.n]
    )
    g = hedges_g(now.n, now.mean, now.variance, before.n, before.mean, before.variance)
    return ChangeRow(
        value_stream=stream,
        kind=side,
        code=code,
        name=name,
        previous=_float(before.mean),
        current=_float(now.mean),
        difference=_float(difference),
        t=_float(t),
        df=_float(df),
        p=_float(p),
        p_holm=None,
        hedges_g=_float(g),
        shown=True,
        magnitude=stats.magnitude(g),
    )


def _gap_row(stream, code, name, before, now):
    """`before`, `now`: the (Biz, IT) groups of each wave."""
    if not all(group.usable for group in (*before, *now)):
        return _hidden_row(stream, GAP, code, name, _reason(before, now))
    groups = (*now, *before)
    difference, t, df, p = welch_contrast(
        [1, -1, -1, 1],
        [group.mean for group in groups],
        [group.variance for group in groups],
        [group.n for group in groups],
    )
    return ChangeRow(
        value_stream=stream,
        kind=GAP,
        code=code,
        name=name,
        previous=_float(before[0].mean - before[1].mean),
        current=_float(now[0].mean - now[1].mean),
        difference=_float(difference),
        t=_float(t),
        df=_float(df),
        p=_float(p),
        p_holm=None,
        hedges_g=None,
        shown=True,
    )


def compare_waves(previous, current):
    """The change from `previous` to `current` (two `gather.WaveData`) per value stream, side and theme.

    Value streams are matched by name; those of both waves come in the current wave's order,
    then the pooled rows (value_stream None). Per value stream and theme: the Biz row, the IT row
    and the gap row. See the module docstring for the method.

    Raises
    ------
    ValueError
        When the waves do not have the same themes (they are not on the same instrument version).
    """
    if list(previous.theme_codes) != list(current.theme_codes) or list(previous.item_codes) != list(current.item_codes):
        raise ValueError("the waves are not on the same instrument version: their scores are not the same measure")
    before, now = _groups(previous), _groups(current)
    in_previous = set(previous.value_stream_names)
    streams = [name for name in current.value_stream_names if name in in_previous]
    rows = []
    for stream in [*streams, None]:
        family = []
        for t, code in enumerate(current.theme_codes):
            name = current.theme_names[t]
            for side in SIDES:
                family.append(_side_row(stream, side, code, name, before[(stream, side, t)], now[(stream, side, t)]))
            family.append(
                _gap_row(
                    stream,
                    code,
                    name,
                    (before[(stream, BIZ, t)], before[(stream, IT, t)]),
                    (now[(stream, BIZ, t)], now[(stream, IT, t)]),
                )
            )
        p_values = np.array([math.nan if row.p is None else row.p for row in family])
        for row, adjusted in zip(family, stats.holm(p_values), strict=True):
            row.p_holm = _float(adjusted)
        rows += family
    return rows
