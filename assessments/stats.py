"""Scoring and statistics of an assessment: pure functions over numpy arrays.

Nothing here knows about Django, waves or anonymity. The functions take float arrays in which
NaN means "no value" (not answered, not applicable, or no score) and return plain floats, numpy
arrays or small dataclasses.

Conventions shared by every function:

- A figure that is undefined for the data at hand (an SD of one value, a test with an empty
  side, a correlation with a constant) is returned as ``float('nan')``. Nothing raises or
  warns because a group is small; callers decide how to show a missing figure.
- NaN inputs are dropped (or, for item matrices, handled as described per function) before
  anything is computed.
- Confidence intervals are 95 % and two-sided.
"""

import math
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import special
from scipy import stats as sps

NAN = float("nan")
CONFIDENCE = 0.95

# Cohen (1988) cut-offs for standardized mean differences, as (lower bound of |g|, label).
# |g| below the first bound is "negligible". Kept as data so that pages can print the legend.
COHEN_THRESHOLDS = (
    (0.2, "small"),
    (0.5, "medium"),
    (0.8, "large"),
)
NEGLIGIBLE = "negligible"


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


def reverse_code(values, scale_min, scale_max):
    """Reverse-code answers of a reverse-worded item.

    .. math:: x' = \\min + \\max - x

    Parameters
    ----------
    values : array_like
        Answers on the scale ``scale_min`` … ``scale_max``; any shape. NaN = no answer.
    scale_min, scale_max : int
        The lowest and highest scale point.

    Returns
    -------
    ndarray of float
        Same shape as ``values``; NaN stays NaN.

    Examples
    --------
    >>> reverse_code([1, 2, 5, float("nan")], 1, 5)
    array([ 5.,  4.,  1., nan])
    """
    return scale_min + scale_max - np.asarray(values, dtype=float)


def _grouped_mean(matrix, group_index, n_groups):
    """Row-wise mean over each group of columns, if at least ceil(size/2) columns have a value.

    The shared rule of `theme_scores` and `dimension_scores`.
    """
    matrix = np.asarray(matrix, dtype=float)
    group_index = np.asarray(group_index, dtype=int)
    if matrix.ndim != 2 or matrix.shape[1] != len(group_index):
        raise ValueError("matrix must be 2-D with one column per entry of the group index")
    present = ~np.isnan(matrix)
    # Sums and counts of every respondent at once, added up column by column into one row per
    # group: a loop over the few columns, never over respondents. (A matrix product with a
    # one-hot membership matrix does the same, but OpenBLAS's threads make it slower, and very
    # erratic on a busy machine.) Transposed, each column is one contiguous row.
    values_by_column = np.where(present, matrix, 0.0).T.copy()
    present_by_column = present.T.copy()
    sums = np.zeros((n_groups, len(matrix)))
    counts = np.zeros((n_groups, len(matrix)))
    for column, group in enumerate(group_index):
        sums[group] += values_by_column[column]
        counts[group] += present_by_column[column]
    required = np.ceil(np.bincount(group_index, minlength=n_groups) / 2)[:, None]
    # counts > 0 also covers a group without any columns (required = 0).
    scored = (counts >= required) & (counts > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scored, sums / counts, np.nan).T


def theme_scores(item_matrix, item_theme_index, n_themes):
    """Theme score of each respondent: the mean of the theme's answered items.

    .. math:: s_{rt} = \\frac{1}{|A_{rt}|} \\sum_{i \\in A_{rt}} x_{ri}
              \\quad \\text{if } |A_{rt}| \\ge \\lceil k_t / 2 \\rceil

    where :math:`A_{rt}` are the items of theme *t* that respondent *r* answered and
    :math:`k_t` is the number of items of the theme.

    Parameters
    ----------
    item_matrix : array_like, shape (respondents, items)
        Answers, already reverse-coded; NaN = not answered or not applicable.
    item_theme_index : array_like of int, shape (items,)
        The theme (column of the result) of each item.
    n_themes : int
        Number of themes (columns of the result).

    Returns
    -------
    ndarray of float, shape (respondents, n_themes)
        NaN where the respondent answered fewer than half (rounded up) of the theme's items:
        1 of 3 items gives no score, 2 of 3 and 2 of 4 do. A theme without items is NaN.

    Notes
    -----
    The half-rounded-up rule keeps a score from resting on a single answer in a long theme
    while tolerating the odd "not applicable".

    Examples
    --------
    Three respondents, a theme of three items and a theme of one: the first theme needs two
    answers, so only the first respondent has a score for it.

    >>> nan = float("nan")
    >>> answers = [[4, 5, nan, 2], [3, nan, nan, 4], [nan, nan, nan, 5]]
    >>> theme_scores(answers, [0, 0, 0, 1], n_themes=2)
    array([[4.5, 2. ],
           [nan, 4. ],
           [nan, 5. ]])
    """
    return _grouped_mean(item_matrix, item_theme_index, n_themes)


def dimension_scores(theme_matrix, theme_dimension_index, n_dimensions):
    """Dimension score of each respondent: the mean of the dimension's theme scores.

    .. math:: d_{rj} = \\frac{1}{|S_{rj}|} \\sum_{t \\in S_{rj}} s_{rt}
              \\quad \\text{if } |S_{rj}| \\ge \\lceil m_j / 2 \\rceil

    where :math:`S_{rj}` are the themes of dimension *j* for which respondent *r* has a score
    and :math:`m_j` is the number of themes of the dimension.

    Parameters
    ----------
    theme_matrix : array_like, shape (respondents, themes)
        Theme scores from `theme_scores`; NaN = no score.
    theme_dimension_index : array_like of int, shape (themes,)
        The dimension (column of the result) of each theme.
    n_dimensions : int
        Number of dimensions.

    Returns
    -------
    ndarray of float, shape (respondents, n_dimensions)
        NaN where fewer than half (rounded up) of the dimension's themes have a score.

    Examples
    --------
    A dimension of two themes (one score is enough) and one of a single theme:

    >>> nan = float("nan")
    >>> dimension_scores([[4.5, 2.0, nan], [3.0, nan, nan]], [0, 0, 1], n_dimensions=2)
    array([[3.25,  nan],
           [3.  ,  nan]])

    Equal means are not always equal floats: (−1/6 + 0 + 2)/3 and (−1/6 + 1 + 1)/3 are both
    11/18. Whatever ranks or counts scores goes through `value_counts`, which compares them as
    `settle` rounds them, where they are equal:

    >>> scores = dimension_scores([[-1 / 6, 0, 2], [-1 / 6, 1, 1]], [0, 0, 0], n_dimensions=1)
    >>> bool(scores[0, 0] == scores[1, 0]), bool(settle(scores[0, 0]) == settle(scores[1, 0]))
    (False, True)
    """
    return _grouped_mean(theme_matrix, theme_dimension_index, n_dimensions)


# --------------------------------------------------------------------------------------------
# Counting values
# --------------------------------------------------------------------------------------------

SCORE_DECIMALS = 9


def settle(scores):
    """Scores as they are ranked and counted: rounded to `SCORE_DECIMALS` (9) decimals.

    A score is a mean of answers or of theme scores, so its exact value is a fraction, but its
    floating-point value depends on the order of the additions: (−1/6 + 0 + 2)/3 and
    (−1/6 + 1 + 1)/3 are both 11/18 and differ in the last bit. Ranked as they are, Mann–Whitney
    would put one above the other. Rounded to 9 decimals, equal fractions become the same float
    and different ones stay apart, in the same order:

    - the floating-point error of a score is below 1e-14 (a few additions and one division of
      numbers below 1000, each off by at most half a unit in the 16th significant digit);
    - the exact value p/q of a score has a small denominator q (the number of themes scored
      times the numbers of items answered, below 10⁴ for any questionnaire of sane size), so
      it lies at least 1/(2·10⁹·q) > 5e-14 away from any rounding boundary (it lies on one only
      if 2¹⁰ or 5¹⁰ divides q), further than the error: both floats round to the same number;
    - two different scores p/q ≠ p'/q' differ by at least 1/(q·q') > 1e-8, more than the 1e-9
      step, and rounding never reverses an order.

    The scores themselves are not rounded (a mean of rounded theme scores could land on the other
    side of a boundary). `value_counts`, through which every figure of a group passes, counts the
    floats that settle to the same number as one value (the smallest of them, within 1e-14 of
    the exact score), so means and SDs stay as precise as before.

    Examples
    --------
    >>> a, b = (-1 / 6 + 0 + 2) / 3, (-1 / 6 + 1 + 1) / 3
    >>> bool(a == b), bool(settle(a) == settle(b))
    (False, True)
    """
    return np.round(np.asarray(scores, dtype=float), SCORE_DECIMALS)


def value_counts(values, groups, n_groups):
    """How often each value occurs in each group (and, for a matrix, in each column).

    Every figure of `describe`, `rwg_j` and `compare_sides` depends only on how often each value
    occurs, and scores and answers take few distinct values (a 5-point scale, the means of a few
    answers). So a wave is counted once per measure, and the figures of every group come from
    its small table of counts instead of from its thousands of values. Counts are additive: the
    counts of a union of groups (a pooled cell) are the sum of theirs.

    Parameters
    ----------
    values : array_like, shape (rows,) or (rows, columns)
        NaN = no value; it is not counted.
    groups : array_like of int, shape (rows,)
        The group (0 … n_groups − 1) of each row; a row of group −1 is not counted.
    n_groups : int

    Returns
    -------
    levels : ndarray of float
        Sorted: every value counted and, when they are all whole numbers, the whole numbers
        in between (counted 0 times). Values that are not all whole numbers are one level when
        `settle` rounds them to the same number (9 decimals), so that equal scores computed in
        a different order are one level, the smallest of their floats: every rank, tie and
        count below rests on that.
    counts : ndarray of int, shape (n_groups, levels) or (n_groups, columns, levels)
        ``counts[g, l]`` (or ``counts[g, c, l]``): rows of group g with value ``levels[l]``
        (in column c).

    Examples
    --------
    Two groups; the last row belongs to none (−1) and NaN is not counted:

    >>> levels, counts = value_counts([1, 2, 2, 5, float("nan"), 4], [0, 0, 1, 1, 1, -1], n_groups=2)
    >>> levels
    array([1., 2., 3., 4., 5.])
    >>> counts
    array([[1, 1, 0, 0, 0],
           [0, 1, 0, 0, 1]])
    """
    values = np.asarray(values, dtype=float)
    if values.ndim not in (1, 2):
        raise ValueError("values must be 1-D or 2-D")
    matrix = values if values.ndim == 2 else values[:, None]
    n_columns = matrix.shape[1]
    groups = np.asarray(groups, dtype=np.intp)
    counted = ~np.isnan(matrix) & (groups >= 0)[:, None]
    found = matrix[counted]
    lowest, highest = (found.min(), found.max()) if len(found) else (0.0, -1.0)
    if len(found) and highest - lowest <= 1000 and np.array_equal(found, np.round(found)):
        # Whole numbers, such as answers: a value's position is its distance from the lowest, which
        # spares sorting millions of answers to find the levels, and searching for each.
        levels = np.arange(lowest, highest + 1)
        positions = (found - lowest).astype(np.intp)
    else:
        # Means of means: floats that `settle` makes equal are one level (the smallest of them,
        # within 1e-14 of the exact score), not two levels a bit apart. Rounding keeps the order,
        # so the settled keys of the sorted distinct floats are sorted too.
        distinct, positions = np.unique(found, return_inverse=True)
        keys = settle(distinct)
        first = np.ones(len(distinct), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        levels = distinct[first]
        positions = (np.cumsum(first) - 1)[positions.reshape(-1)]
    # One bincount counts every (group, column, level); boolean indexing walks the matrix in the
    # same (row-major) order for the keys as for the values.
    cells = groups[:, None] * n_columns + np.arange(n_columns)
    counts = np.bincount(cells[counted] * len(levels) + positions, minlength=n_groups * n_columns * len(levels))
    counts = counts.reshape(n_groups, n_columns, len(levels))
    return levels, counts if values.ndim == 2 else counts[:, 0]


def _counted(values):
    """`value_counts` of one group: (levels, counts) with counts of shape (levels,) or (columns, levels)."""
    values = np.asarray(values, dtype=float)
    levels, counts = value_counts(values, np.zeros(len(values), dtype=np.intp), 1)
    return levels, counts[0]


class _Moments(NamedTuple):
    """Count, mean and sum of squared deviations of one group, from its counts."""

    n: int
    mean: float
    squares: float  # sum of (x − mean)²
    constant: bool  # all values equal: one level (see `_is_constant` for why not the variance)


def _moments(levels, counts):
    n = int(counts.sum())
    if n == 0:
        return _Moments(0, NAN, NAN, True)
    mean = float(counts @ levels / n)
    squares = float(counts @ (levels - mean) ** 2)
    return _Moments(n, mean, squares, np.count_nonzero(counts) == 1)


# --------------------------------------------------------------------------------------------
# One group
# --------------------------------------------------------------------------------------------


def _is_constant(values):
    """True when all values are equal. Checked on the values, not on a computed variance:
    the mean of n copies of 11/3 is not exactly 11/3, so the variance would be ~1e-31."""
    return len(values) == 0 or bool(values.min() == values.max())


@dataclass(frozen=True)
class CellSummary:
    """Descriptive figures of one group of scores (see `describe`)."""

    n: int
    mean: float
    sd: float
    median: float
    ci: tuple  # (low, high)


def describe(scores):
    """Count, mean, SD, median and the 95 % confidence interval of the mean.

    .. math:: \\bar x \\pm t_{0.975,\\,n-1} \\, \\frac{s}{\\sqrt n}, \\qquad
              s^2 = \\frac{1}{n-1} \\sum (x_i - \\bar x)^2

    Parameters
    ----------
    scores : array_like
        Scores of one group; NaN entries are dropped.

    Returns
    -------
    CellSummary
        ``n`` (number of non-NaN scores), ``mean``, ``sd`` (ddof = 1), ``median`` and ``ci``
        (a tuple ``(low, high)``).

    Notes
    -----
    Undefined figures are NaN: with n = 0 everything but ``n``; with n = 1 ``sd`` and ``ci``.
    With n ≥ 2 and SD = 0 the interval collapses to ``(mean, mean)``.

    References
    ----------
    Student (1908). The probable error of a mean. *Biometrika*, 6(1), 1–25.

    Examples
    --------
    >>> summary = describe([3, 4, 4, 5, float("nan")])
    >>> summary.n, summary.mean, summary.median
    (4, 4.0, 4.0)
    >>> round(summary.sd, 3), [round(bound, 3) for bound in summary.ci]
    (0.816, [2.701, 5.299])
    """
    return describe_counts(*_counted(np.ravel(scores)))


def describe_counts(levels, counts):
    """`describe` of the group whose values occur ``counts`` times each (see `value_counts`).

    Examples
    --------
    The scores 3, 4, 4, 5 as counts: the same figures as ``describe([3, 4, 4, 5])``.

    >>> summary = describe_counts(np.array([3.0, 4.0, 5.0]), np.array([1, 2, 1]))
    >>> summary.n, summary.mean, round(summary.sd, 3), [round(bound, 3) for bound in summary.ci]
    (4, 4.0, 0.816, [2.701, 5.299])
    """
    moments = _moments(levels, counts)
    n, mean = moments.n, moments.mean
    if n == 0:
        return CellSummary(0, NAN, NAN, NAN, (NAN, NAN))
    # The median as numpy takes it: the middle value of the sorted values, or the mean of the
    # two middle ones; position i of the sorted values holds the first level counted past i.
    cumulative = np.cumsum(counts)
    low, high = levels[np.searchsorted(cumulative, [(n - 1) // 2, n // 2], side="right")]
    median = float((low + high) / 2)
    if n < 2:
        return CellSummary(1, mean, NAN, median, (NAN, NAN))
    sd = 0.0 if moments.constant else math.sqrt(moments.squares / (n - 1))
    # special.stdtrit is what scipy's t.ppf computes, without its per-call overhead.
    half_width = special.stdtrit(n - 1, 0.5 + CONFIDENCE / 2) * sd / math.sqrt(n)
    return CellSummary(n, mean, sd, median, (float(mean - half_width), float(mean + half_width)))


def rwg_j(item_matrix, scale_points):
    """Within-group agreement rwg(j) for a multi-item measure (James, Demaree & Wolf 1984).

    .. math::

        r_{wg(J)} = \\frac{J\\,(1 - \\bar s^2 / \\sigma^2_{EU})}
                         {J\\,(1 - \\bar s^2 / \\sigma^2_{EU}) + \\bar s^2 / \\sigma^2_{EU}},
        \\qquad \\sigma^2_{EU} = \\frac{A^2 - 1}{12}

    where *J* is the number of items of the measure, :math:`\\bar s^2` the mean of the items'
    observed variances and *A* the number of scale points (uniform "no agreement" null).

    Parameters
    ----------
    item_matrix : array_like, shape (raters, items)
        The group's answers to all items of the measure (reverse-coded); NaN = no answer.
    scale_points : int
        Number of points of the response scale (A), e.g. 5 for 1–5.

    Returns
    -------
    float
        rwg(j) in [0, 1]; 1 = full agreement. NaN when undefined.

    Notes
    -----
    - Each item's variance (ddof = 1) uses the raters who answered that item. An item with
      fewer than two answers has no variance and is left out of :math:`\\bar s^2`; J still
      counts every column passed (all items of the measure).
    - When :math:`\\bar s^2 \\ge \\sigma^2_{EU}` the formula leaves [0, 1]; the common
      convention, followed here, is to report 0 (no agreement).
    - NaN when no item has a variance, when there are no columns, or when A < 2.

    References
    ----------
    James, L. R., Demaree, R. G., & Wolf, G. (1984). Estimating within-group interrater
    reliability with and without response bias. *Journal of Applied Psychology*, 69(1), 85–98.

    Examples
    --------
    Three raters who nearly agree on three items of a 5-point scale:

    >>> round(rwg_j([[4, 4, 5], [4, 5, 5], [5, 4, 4]], scale_points=5), 4)
    0.9375
    """
    matrix = np.asarray(item_matrix, dtype=float)
    if matrix.ndim != 2:
        raise ValueError("item_matrix must be 2-D (raters × items)")
    return rwg_j_counts(*_counted(matrix), scale_points)


def rwg_j_counts(levels, counts, scale_points):
    """`rwg_j` of the group whose answers to each item occur ``counts[item]`` times each (see `value_counts`).

    Examples
    --------
    The answers of the `rwg_j` example as counts of 4 and 5 per item:

    >>> round(rwg_j_counts(np.array([4.0, 5.0]), np.array([[2, 1], [2, 1], [1, 2]]), scale_points=5), 4)
    0.9375
    """
    n_items = counts.shape[0]
    expected_variance = (scale_points**2 - 1) / 12
    if n_items == 0 or expected_variance <= 0:
        return NAN
    answered = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (counts @ levels) / answered
        squares = (counts * (levels - means[:, None]) ** 2).sum(axis=1)
    has_variance = answered >= 2
    if not has_variance.any():
        return NAN
    variances = squares[has_variance] / (answered[has_variance] - 1)
    ratio = float(variances.mean()) / expected_variance
    if ratio >= 1:
        return 0.0
    agreement = n_items * (1 - ratio)
    return agreement / (agreement + ratio)


# --------------------------------------------------------------------------------------------
# Biz against IT
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """Biz against IT for one measure (see `compare_sides`). NaN = undefined."""

    n_biz: int
    n_it: int
    gap: float
    mwu_u: float
    mwu_p: float
    rank_biserial: float
    welch_t: float
    welch_p: float
    hedges_g: float
    hedges_g_ci: tuple  # (low, high)


_Z_CONFIDENCE = float(sps.norm.ppf(0.5 + CONFIDENCE / 2))


def _hedges_g(x, y):
    """Hedges' g of x against y (two `_Moments`) and its large-sample 95 % CI; NaN where undefined."""
    n1, n2 = x.n, y.n
    df = n1 + n2 - 2
    if df < 1:
        return NAN, (NAN, NAN)
    if x.constant and y.constant:
        return NAN, (NAN, NAN)  # pooled SD = 0
    # (n−1)s² is the sum of squared deviations; written this way a side with n = 1 adds 0
    # instead of an undefined variance.
    pooled_sd = math.sqrt((x.squares + y.squares) / df)
    d = (x.mean - y.mean) / pooled_sd
    g = float(d * (1 - 3 / (4 * (n1 + n2) - 9)))
    se = math.sqrt((n1 + n2) / (n1 * n2) + g**2 / (2 * (n1 + n2)))
    return g, (g - _Z_CONFIDENCE * se, g + _Z_CONFIDENCE * se)


def _welch(x, y):
    """Welch's t and two-sided p of two `_Moments`, as `scipy.stats.ttest_ind(equal_var=False)`."""
    n1, n2 = x.n, y.n
    if n1 < 2 or n2 < 2:
        return NAN, NAN
    vn1 = x.squares / (n1 - 1) / n1
    vn2 = y.squares / (n2 - 1) / n2
    if vn1 + vn2 == 0:
        return NAN, NAN
    df = (vn1 + vn2) ** 2 / (vn1**2 / (n1 - 1) + vn2**2 / (n2 - 1))
    t = (x.mean - y.mean) / math.sqrt(vn1 + vn2)
    return t, float(2 * special.stdtr(df, -abs(t)))


def _mann_whitney(levels, biz_counts, it_counts):
    """U of Biz and the p-value of `scipy.stats.mannwhitneyu` (defaults), from the counts.

    The normal approximation is scipy's formula, step by step, on mid-ranks computed from the
    counts: the sum of ranks and the tie term are exact integers (or halves) either way, so U
    and p come out the same. The exact test (scipy's choice when a side has at most 8 values
    and nothing is tied) is left to scipy.
    """
    n1, n2 = int(biz_counts.sum()), int(it_counts.sum())
    ties = biz_counts + it_counts
    if (n1 <= 8 or n2 <= 8) and not (ties > 1).any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = sps.mannwhitneyu(np.repeat(levels, biz_counts), np.repeat(levels, it_counts))
        return float(result.statistic), float(result.pvalue)
    ranks = np.cumsum(ties) - (ties - 1) / 2  # mid-rank of each level
    u1 = float(biz_counts @ ranks) - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    tie_term = float((ties.astype(float) ** 3 - ties).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
        z = (u - n1 * n2 / 2 - 0.5) / s
    return u1, float(np.clip(2 * special.ndtr(-z), 0.0, 1.0))


def compare_sides(biz, it):
    """Compare the Biz and IT scores of one measure.

    Figures (x = Biz, y = IT, NaNs dropped first):

    - ``gap`` = :math:`\\bar x - \\bar y` (positive = Biz higher).
    - ``mwu_u``, ``mwu_p``: `scipy.stats.mannwhitneyu` (x, y) with its defaults — two-sided,
      ``use_continuity=True``, ``method="auto"`` (exact p when a side has ≤ 8 values and there
      are no ties, normal approximation with tie correction otherwise). U is the statistic of x.
    - ``rank_biserial`` = :math:`2U / (n_x n_y) - 1` (positive = Biz higher; Kerby 2014).
    - ``welch_t``, ``welch_p``: `scipy.stats.ttest_ind` (x, y, ``equal_var=False``).
    - ``hedges_g`` = :math:`d \\, (1 - 3 / (4(n_x + n_y) - 9))` with
      :math:`d = (\\bar x - \\bar y) / s_p`,
      :math:`s_p = \\sqrt{((n_x-1)s_x^2 + (n_y-1)s_y^2) / (n_x + n_y - 2)}` (Hedges 1981).
    - ``hedges_g_ci``: :math:`g \\pm z_{0.975} \\, SE`,
      :math:`SE = \\sqrt{(n_x+n_y)/(n_x n_y) + g^2 / (2(n_x+n_y))}` — the usual large-sample
      normal approximation (Hedges & Olkin 1985, eq. 5.14); it is rough for small groups.

    Parameters
    ----------
    biz, it : array_like
        Scores of the two sides; NaN entries are dropped.

    Returns
    -------
    Comparison

    Notes
    -----
    Undefined figures are NaN, never an exception or a warning: everything (but the counts)
    when a side is empty; Welch's t when a side has n < 2 or both sides have zero variance
    (scipy would give ±inf there); Hedges' g when :math:`n_x + n_y < 3` or :math:`s_p = 0`.
    Mann–Whitney's U and p are scipy's (e.g. p = 1 for identical constant sides).

    The figures are computed from how often each score occurs on each side (`value_counts`,
    `compare_counts`): U and p come out exactly as scipy's, Welch's t and p as scipy's up to
    rounding. Scores are ranked as `settle` rounds them (9 decimals), so two equal means that
    differ in the last bit are a tie: U and p are scipy's on the exact values.

    References
    ----------
    Mann, H. B., & Whitney, D. R. (1947). *Ann. Math. Statist.*, 18(1), 50–60.
    Welch, B. L. (1947). *Biometrika*, 34(1/2), 28–35.
    Hedges, L. V. (1981). *Journal of Educational Statistics*, 6(2), 107–128.
    Hedges, L. V., & Olkin, I. (1985). *Statistical Methods for Meta-Analysis*. Academic Press.
    Kerby, D. S. (2014). The simple difference formula. *Comprehensive Psychology*, 3, 11.IT.3.1.

    Examples
    --------
    >>> result = compare_sides([4, 5, 4, 3, 5], [2, 3, 3, 2, 4])
    >>> round(result.gap, 2), result.mwu_u, round(result.mwu_p, 4), round(result.rank_biserial, 2)
    (1.4, 22.0, 0.0524, 0.76)
    >>> round(result.welch_t, 3), round(result.welch_p, 4), round(result.hedges_g, 3), result.n_biz
    (2.646, 0.0294, 1.511, 5)
    """
    biz, it = np.ravel(biz), np.ravel(it)
    levels, counts = value_counts(np.concatenate([biz, it]), np.repeat([0, 1], [len(biz), len(it)]), 2)
    return compare_counts(levels, counts[0], counts[1])


def compare_counts(levels, biz_counts, it_counts):
    """`compare_sides` of the two groups whose scores occur ``biz_counts`` and ``it_counts`` times each.

    Both count the same ``levels`` (see `value_counts`).

    Examples
    --------
    The sides of the `compare_sides` example as counts of 2, 3, 4 and 5:

    >>> levels = np.array([2.0, 3.0, 4.0, 5.0])
    >>> result = compare_counts(levels, np.array([0, 1, 2, 2]), np.array([2, 2, 1, 0]))
    >>> round(result.gap, 2), result.mwu_u, round(result.hedges_g, 3)
    (1.4, 22.0, 1.511)
    """
    x, y = _moments(levels, biz_counts), _moments(levels, it_counts)
    n1, n2 = x.n, y.n
    if n1 == 0 or n2 == 0:
        return Comparison(n1, n2, NAN, NAN, NAN, NAN, NAN, NAN, NAN, (NAN, NAN))
    u, mwu_p = _mann_whitney(levels, biz_counts, it_counts)
    welch_t, welch_p = _welch(x, y)
    g, g_ci = _hedges_g(x, y)
    if (x.constant and y.constant) or not math.isfinite(welch_t):
        # Zero variance on both sides: the standard error is 0 and t is ±inf, 0/0 or, after
        # rounding, an absurdly large number.
        welch_t, welch_p = NAN, NAN
    return Comparison(
        n_biz=n1,
        n_it=n2,
        gap=float(x.mean - y.mean),
        mwu_u=u,
        mwu_p=mwu_p,
        rank_biserial=2 * u / (n1 * n2) - 1,
        welch_t=welch_t,
        welch_p=welch_p,
        hedges_g=g,
        hedges_g_ci=g_ci,
    )


def magnitude(hedges_g):
    """Plain-language size of a standardized mean difference (Cohen 1988).

    ============  ====================
    label         :math:`|g|`
    ============  ====================
    negligible    < 0.2
    small         0.2 ≤ |g| < 0.5
    medium        0.5 ≤ |g| < 0.8
    large         ≥ 0.8
    ============  ====================

    The cut-offs are `COHEN_THRESHOLDS`.

    Parameters
    ----------
    hedges_g : float or None

    Returns
    -------
    str or None
        None when ``hedges_g`` is None or NaN.

    References
    ----------
    Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences* (2nd ed.).
    Lawrence Erlbaum.

    Examples
    --------
    >>> magnitude(0.35), magnitude(-1.2), magnitude(0.1), magnitude(float("nan"))
    ('small', 'large', 'negligible', None)
    """
    if hedges_g is None or math.isnan(hedges_g):
        return None
    label = NEGLIGIBLE
    for bound, name in COHEN_THRESHOLDS:
        if abs(hedges_g) >= bound:
            label = name
    return label


# --------------------------------------------------------------------------------------------
# Multiple comparisons
# --------------------------------------------------------------------------------------------


def _family(pvalues):
    p = np.asarray(pvalues, dtype=float)
    if p.ndim != 1:
        raise ValueError("pvalues must be 1-D")
    members = np.flatnonzero(~np.isnan(p))
    # A stable sort keeps tied p-values in input order; the adjusted values of ties are equal
    # anyway.
    order = members[np.argsort(p[members], kind="stable")]
    return p, order


def holm(pvalues):
    """Holm–Bonferroni step-down adjusted p-values.

    .. math:: \\tilde p_{(i)} = \\min\\Bigl(1, \\max_{j \\le i} (m - j + 1)\\, p_{(j)}\\Bigr)

    with :math:`p_{(1)} \\le \\dots \\le p_{(m)}` the sorted p-values of the family.

    Parameters
    ----------
    pvalues : array_like, 1-D
        Raw p-values; NaN entries are not part of the family.

    Returns
    -------
    ndarray of float
        Adjusted p-values in input order: monotone in the raw p-values, at most 1. NaN stays
        NaN; the family size *m* is the number of non-NaN entries.

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scandinavian
    Journal of Statistics*, 6(2), 65–70.

    Examples
    --------
    Sorted, the family (NaN is not part of it) is 0.01, 0.03, 0.04: adjusted 3 × 0.01, then
    max(0.03, 2 × 0.03), then max(0.06, 1 × 0.04), given back in input order.

    >>> holm([0.01, 0.04, 0.03, float("nan")])
    array([0.03, 0.06, 0.06,  nan])
    """
    p, order = _family(pvalues)
    m = len(order)
    adjusted = np.full(p.shape, np.nan)
    if m:
        steps = (m - np.arange(m)) * p[order]
        adjusted[order] = np.minimum(np.maximum.accumulate(steps), 1.0)
    return adjusted


def benjamini_hochberg(pvalues):
    """Benjamini–Hochberg step-up adjusted p-values (q-values, false discovery rate).

    .. math:: q_{(i)} = \\min\\Bigl(1, \\min_{j \\ge i} \\frac{m}{j}\\, p_{(j)}\\Bigr)

    Parameters
    ----------
    pvalues : array_like, 1-D
        Raw p-values; NaN entries are not part of the family.

    Returns
    -------
    ndarray of float
        q-values in input order: monotone in the raw p-values, at most 1. NaN stays NaN; the
        family size *m* is the number of non-NaN entries.

    References
    ----------
    Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate. *Journal of
    the Royal Statistical Society B*, 57(1), 289–300.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, float("nan")])
    array([0.03, 0.04, 0.04,  nan])
    """
    p, order = _family(pvalues)
    m = len(order)
    adjusted = np.full(p.shape, np.nan)
    if m:
        steps = m / np.arange(1, m + 1) * p[order]
        adjusted[order] = np.minimum(np.minimum.accumulate(steps[::-1])[::-1], 1.0)
    return adjusted


# --------------------------------------------------------------------------------------------
# Reliability
# --------------------------------------------------------------------------------------------


class Reliability(NamedTuple):
    """Cronbach's alpha of one scale (see `cronbach_alpha`); unpacks as (n, alpha, ci)."""

    n: int
    alpha: float
    ci: tuple  # (low, high)


def _complete_cases(item_matrix):
    matrix = np.asarray(item_matrix, dtype=float)
    if matrix.ndim != 2:
        raise ValueError("item_matrix must be 2-D (respondents × items)")
    return matrix[~np.isnan(matrix).any(axis=1)]


def cronbach_alpha(item_matrix):
    """Cronbach's alpha with Feldt's 95 % confidence interval, on complete cases.

    .. math::

        \\alpha = \\frac{k}{k-1} \\Bigl(1 - \\frac{\\sum_i s_i^2}{s_X^2}\\Bigr)

        c_L = 1 - (1 - \\alpha)\\, F^{-1}_{0.975}(n-1,\\,(n-1)(k-1)), \\qquad
        c_U = 1 - (1 - \\alpha)\\, F^{-1}_{0.025}(n-1,\\,(n-1)(k-1))

    with *k* items, item variances :math:`s_i^2`, the variance :math:`s_X^2` of the total
    score (all ddof = 1) and *n* respondents.

    Parameters
    ----------
    item_matrix : array_like, shape (respondents, items)
        Reverse-coded answers; NaN = no answer.

    Returns
    -------
    Reliability
        ``(n, alpha, (ci_low, ci_high))``; *n* is the number of complete cases used.

    Notes
    -----
    Only respondents who answered every item enter (listwise deletion, as R's
    ``psych::alpha(use="complete.obs")``). The interval matches `pingouin.cronbach_alpha`,
    except that pingouin takes *n* before its listwise deletion; here *n* is the number of
    complete cases actually used. Alpha and CI are NaN when k < 2, n < 2 or the total score
    has no variance.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297–334.
    Feldt, L. S. (1965). The approximate sampling distribution of Kuder–Richardson reliability
    coefficient twenty. *Psychometrika*, 30(3), 357–370.

    Examples
    --------
    Six respondents, three items; the last one skipped an item and does not enter:

    >>> nan = float("nan")
    >>> n, alpha, (low, high) = cronbach_alpha([[4, 5, 4], [2, 3, 3], [5, 5, 4], [3, 3, 2], [4, 4, 5], [nan, 2, 2]])
    >>> n, round(alpha, 3), round(low, 3), round(high, 3)
    (5, 0.879, 0.39, 0.987)
    """
    complete = _complete_cases(item_matrix)
    n, k = complete.shape
    if k < 2 or n < 2:
        return Reliability(n, NAN, (NAN, NAN))
    # One contiguous row per item: numpy's sums and variances are several times faster along
    # rows than down the columns of a long, narrow matrix.
    items = complete.T.copy()
    totals = items.sum(axis=0)
    if _is_constant(totals):
        return Reliability(n, NAN, (NAN, NAN))
    total_variance = totals.var(ddof=1)
    alpha = k / (k - 1) * (1 - items.var(axis=1, ddof=1).sum() / total_variance)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    tail = (1 - CONFIDENCE) / 2
    low = 1 - (1 - alpha) * sps.f.ppf(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * sps.f.ppf(tail, df1, df2)
    return Reliability(n, float(alpha), (float(low), float(high)))
