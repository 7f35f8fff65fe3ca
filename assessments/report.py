"""The assessment report of a wave: one structure that the command line, pages and exports read.

`build_report` is pure: it takes the arrays of `gather.WaveData` and applies the scoring rules
(`stats`), the anonymity rules (`anonymity`) and the statistics, in that order. Nothing that a
rule suppresses ever enters the report, so no face of it can leak a suppressed number.

Conventions (see docs/researchers.md, "The statistics"):
- answers are reverse-coded first (x' = min + max − x for reverse-worded items);
- theme and dimension scores follow the half-rounded-up rule of `stats.theme_scores` and
  `stats.dimension_scores`; a cell's n counts the respondents with a score for the measure;
- rwg(j) of a cell uses all items of the measure and the cell's scored respondents;
- Holm families: the shown comparisons of one value stream at one level (themes, or
  dimensions); the pooled rows form their own two families. Benjamini–Hochberg q uses the same
  families;
- Cronbach's alpha per theme over all the release's respondents who answered every item of the
  theme; like any group, it is withheld (no n, no alpha) when fewer than k respondents qualify;
- which groups are hidden is decided once per side for every measure (`disclosure`, with the
  rules of `anonymity`), and the item counts (`items`) and exports use the same decision.
"""

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from . import stats
from .anonymity import EMPTY, SHOWN, SUPPRESSED, cell_status, suppress_groups
from .gather import gather_wave

THEME, DIMENSION = "theme", "dimension"
SIDES = ("biz", "it")
COMPARISON_FIGURES = ("gap", "mwu_u", "mwu_p", "rank_biserial", "welch_t", "welch_p", "hedges_g")


@dataclass
class SideCell:
    """The figures of one side in one cell. Absent (None) in a comparison when suppressed."""

    n: int
    mean: float | None = None
    sd: float | None = None
    median: float | None = None
    ci: list | None = None
    rwg: float | None = None


@dataclass
class ComparisonRow:
    value_stream: str | None  # None: pooled over all value streams
    level: str
    code: str
    name: str
    suppressed: bool  # a side is suppressed: no figures at all for that side, no comparison
    biz_status: str
    it_status: str
    biz: SideCell | None
    it: SideCell | None
    gap: float | None = None
    mwu_u: float | None = None
    mwu_p: float | None = None
    mwu_p_holm: float | None = None
    mwu_q_bh: float | None = None
    rank_biserial: float | None = None
    welch_t: float | None = None
    welch_p: float | None = None
    hedges_g: float | None = None
    hedges_g_ci: list | None = None
    magnitude: str | None = None

    @property
    def has_figures(self):
        return self.gap is not None


@dataclass
class ReliabilityRow:
    theme: str
    name: str
    suppressed: bool
    n: int | None
    alpha: float | None
    alpha_ci: list | None


@dataclass
class Report:
    survey: str
    title: str
    anonymity_threshold: int
    scale_min: int
    scale_max: int
    value_streams: list
    themes: list  # [{"code", "name", "dimension"}]
    dimensions: list  # [{"code", "name"}]
    release: dict | None = None  # {"number", "kind", "responses", "created_on"} of the release read
    reliability: list = field(default_factory=list)
    comparisons: list = field(default_factory=list)

    def rows(self, level, value_stream=None):
        """The comparisons of one level for one value stream (None: the pooled rows)."""
        return [row for row in self.comparisons if row.level == level and row.value_stream == value_stream]

    def as_dict(self):
        """The report as plain data for JSON: undefined or suppressed figures are None."""
        return _finite(asdict(self))


def _finite(value):
    """Replace NaN and infinities by None, recursively: JSON has no NaN, and neither should users."""
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _float(value):
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass
class _Measure:
    level: str
    code: str
    name: str
    scores: np.ndarray  # one per response, NaN = no score
    item_columns: np.ndarray


def score_wave(data):
    """Reverse-coded answers, theme scores and dimension scores of every response."""
    reverse_coded = np.array(data.answers, dtype=float)  # a copy
    reverse_coded[:, data.item_reverse] = stats.reverse_code(
        reverse_coded[:, data.item_reverse], data.scale_min, data.scale_max
    )
    themes = stats.theme_scores(reverse_coded, data.item_theme, len(data.theme_codes))
    dimensions = stats.dimension_scores(themes, data.theme_dimension, len(data.dimension_codes))
    return reverse_coded, themes, dimensions


def _measures(data, theme_matrix, dimension_matrix):
    measures = []
    for t, code in enumerate(data.theme_codes):
        measures.append(
            _Measure(THEME, code, data.theme_names[t], theme_matrix[:, t], np.flatnonzero(data.item_theme == t))
        )
    for d, code in enumerate(data.dimension_codes):
        item_columns = np.flatnonzero(data.theme_dimension[data.item_theme] == d)
        measures.append(_Measure(DIMENSION, code, data.dimension_names[d], dimension_matrix[:, d], item_columns))
    return measures


def measure_presence(data, theme_matrix, dimension_matrix):
    """Which measures count each response: a (responses, measures) bool matrix.

    Columns: the respondent (always), each item (answered on the scale or "not applicable", as
    the item charts count), each theme and each dimension (a score, as the report counts) — the
    measures the anonymity rules look at, in this order.
    """
    answered = ~np.isnan(data.answers) | data.not_applicable
    return np.column_stack(
        [np.ones(len(data.answers), dtype=bool), answered, ~np.isnan(theme_matrix), ~np.isnan(dimension_matrix)]
    )


def group_counts(value_stream, is_biz, presence, n_streams):
    """Respondents counted per (value stream, side, measure): an int array (streams, 2, measures); side 0 is Biz."""
    cells = 2 * np.asarray(value_stream, dtype=np.int64) + np.where(is_biz, 0, 1)
    counts = np.stack(
        [np.bincount(cells, weights=column, minlength=2 * n_streams) for column in presence.T.astype(np.float64)],
        axis=-1,
    )
    return counts.reshape(n_streams, 2, presence.shape[1]).astype(np.int64)


@dataclass(frozen=True)
class Disclosure:
    """Which groups of a release are shown, per side: one decision for every table and file."""

    by_side: dict  # "biz" / "it" -> anonymity.GroupVisibility

    def status(self, side, value_stream=None):
        """The status of a group (None: the pooled cells of the side)."""
        visibility = self.by_side[side]
        return visibility.pooled if value_stream is None else visibility.by_value_stream[value_stream]


def disclose(value_stream_names, counts, k):
    """The Disclosure of a release from its `group_counts` (value streams in the order of the names)."""
    return Disclosure(
        by_side={side: suppress_groups(counts[:, s, :], list(value_stream_names), k) for s, side in enumerate(SIDES)}
    )


def disclosure(data, theme_matrix=None, dimension_matrix=None):
    """The Disclosure of a release read into `data` (scores computed here unless given)."""
    if theme_matrix is None:
        _, theme_matrix, dimension_matrix = score_wave(data)
    presence = measure_presence(data, theme_matrix, dimension_matrix)
    counts = group_counts(data.response_value_stream, data.response_is_biz, presence, len(data.value_stream_names))
    return disclose(data.value_stream_names, counts, data.anonymity_threshold)


def build_report(data):
    """The full report of a release from its arrays (no database)."""
    k = data.anonymity_threshold
    reverse_coded, theme_matrix, dimension_matrix = score_wave(data)
    report = Report(
        survey=data.slug,
        title=data.title,
        anonymity_threshold=k,
        scale_min=data.scale_min,
        scale_max=data.scale_max,
        value_streams=list(data.value_stream_names),
        themes=[
            {"code": code, "name": data.theme_names[t], "dimension": data.dimension_codes[data.theme_dimension[t]]}
            for t, code in enumerate(data.theme_codes)
        ],
        dimensions=[{"code": code, "name": data.dimension_names[d]} for d, code in enumerate(data.dimension_codes)],
        release=data.release,
    )
    groups = disclosure(data, theme_matrix, dimension_matrix)
    n_streams = len(data.value_stream_names)
    # Cell of each response: (value stream, side) numbered 2 · stream + side, side 0 = Biz, 1 = IT.
    response_cell = 2 * data.response_value_stream + np.where(data.response_is_biz, 0, 1)
    for measure in _measures(data, theme_matrix, dimension_matrix):
        # Every figure of a cell comes from how often each score (and each answer of the
        # measure's items) occurs in it, counted for all cells at once. Only the respondents
        # with a score for the measure count, for its items too.
        levels, counts = stats.value_counts(measure.scores, response_cell, 2 * n_streams)
        scored_cells = np.where(np.isnan(measure.scores), -1, response_cell)  # −1: not counted
        item_levels, item_counts = stats.value_counts(
            reverse_coded[:, measure.item_columns], scored_cells, 2 * n_streams
        )
        counts, item_counts = _with_pooled(counts, n_streams), _with_pooled(item_counts, n_streams)
        n = counts.sum(axis=-1)  # [stream, side]; the last stream is the pooled one
        for stream_index, stream_name in [*enumerate(data.value_stream_names), (n_streams, None)]:
            cells, statuses = {}, {}
            for side, side_name in enumerate(SIDES):
                statuses[side_name] = cell_status(groups.status(side_name, stream_name), n[stream_index, side])
                cells[side_name] = _side_cell(
                    statuses[side_name],
                    levels,
                    counts[stream_index, side],
                    item_levels,
                    item_counts[stream_index, side],
                    data.scale_points,
                )
            row = ComparisonRow(
                value_stream=stream_name,
                level=measure.level,
                code=measure.code,
                name=measure.name,
                suppressed=SUPPRESSED in statuses.values(),
                biz_status=statuses["biz"],
                it_status=statuses["it"],
                biz=cells["biz"],
                it=cells["it"],
            )
            if statuses["biz"] == SHOWN and statuses["it"] == SHOWN:
                _compare(row, levels, counts[stream_index, 0], counts[stream_index, 1])
            report.comparisons.append(row)
    _adjust_p_values(report)
    report.reliability = _reliability(data, reverse_coded, k)
    return report


def _with_pooled(counts, n_streams):
    """Counts per cell [2 · stream + side, …] as [stream, side, …], with the pooled cells as a last stream.

    Counts add up, so a pooled cell (one side over all value streams) is the sum of its cells.
    """
    by_stream = counts.reshape(n_streams, 2, *counts.shape[1:])
    return np.concatenate([by_stream, by_stream.sum(axis=0, keepdims=True)])


def _side_cell(status, levels, counts, item_levels, item_counts, scale_points):
    if status == SUPPRESSED:
        return None
    if status == EMPTY or counts.sum() == 0:
        return SideCell(n=0)
    summary = stats.describe_counts(levels, counts)
    return SideCell(
        n=int(summary.n),
        mean=_float(summary.mean),
        sd=_float(summary.sd),
        median=_float(summary.median),
        ci=[_float(summary.ci[0]), _float(summary.ci[1])],
        rwg=_float(stats.rwg_j_counts(item_levels, item_counts, scale_points)),
    )


def _compare(row, levels, biz_counts, it_counts):
    result = stats.compare_counts(levels, biz_counts, it_counts)
    for name in COMPARISON_FIGURES:
        setattr(row, name, _float(getattr(result, name)))
    ci = getattr(result, "hedges_g_ci", None)
    if ci is not None:
        row.hedges_g_ci = [_float(ci[0]), _float(ci[1])]
    row.magnitude = stats.magnitude(result.hedges_g)


def _adjust_p_values(report):
    families = {}
    for row in report.comparisons:
        if row.mwu_p is not None:
            families.setdefault((row.value_stream, row.level), []).append(row)
    for rows in families.values():
        p_values = np.array([row.mwu_p for row in rows])
        for row, holm, q in zip(rows, stats.holm(p_values), stats.benjamini_hochberg(p_values), strict=True):
            row.mwu_p_holm = _float(holm)
            row.mwu_q_bh = _float(q)


def _reliability(data, reverse_coded, k):
    rows = []
    for t, code in enumerate(data.theme_codes):
        n, alpha, ci = stats.cronbach_alpha(reverse_coded[:, data.item_theme == t])
        n = int(n)
        if 0 < n < k:
            rows.append(ReliabilityRow(code, data.theme_names[t], True, None, None, None))
        else:
            rows.append(
                ReliabilityRow(code, data.theme_names[t], False, n, _float(alpha), [_float(ci[0]), _float(ci[1])])
            )
    return rows


def wave_report(wave, release):
    """Gather and build the report of a release of `wave`: the one entry point for pages and commands."""
    return build_report(gather_wave(wave, release))
