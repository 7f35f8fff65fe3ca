"""Every figure of the report against the plain statistics of the cell's own respondents.

`build_report` computes all cells of a measure at once from counts of values; here each cell is
cut out of the arrays the obvious way and given to `stats.describe`, `stats.rwg_j` and
`stats.compare_sides`.
"""

import numpy as np
import pytest

from assessments import stats
from assessments.report import SHOWN, THEME, build_report, score_wave
from tests.assessments.random_waves import random_wave


def same(value, expected):
    if expected is None or not np.isfinite(expected):
        return value is None
    return value == pytest.approx(float(expected), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("seed", "n_responses", "n_streams"), [(1, 60, 4), (4, 30, 6), (2, 400, 5), (3, 3000, 3)])
def test_every_figure_is_the_cell_by_cell_computation(seed, n_responses, n_streams):
    data = random_wave(seed, n_responses, n_streams)
    report = build_report(data)
    reverse_coded, theme_matrix, dimension_matrix = score_wave(data)
    dimension_of_item = data.theme_dimension[data.item_theme]
    compared = 0
    for row in report.comparisons:
        index = (data.theme_codes if row.level == THEME else data.dimension_codes).index(row.code)
        scores = (theme_matrix if row.level == THEME else dimension_matrix)[:, index]
        items = np.flatnonzero((data.item_theme if row.level == THEME else dimension_of_item) == index)
        in_stream = (
            np.ones(len(scores), dtype=bool)
            if row.value_stream is None
            else data.response_value_stream == data.value_stream_names.index(row.value_stream)
        )
        members = {
            "biz": in_stream & data.response_is_biz & ~np.isnan(scores),
            "it": in_stream & ~data.response_is_biz & ~np.isnan(scores),
        }
        for side, status in (("biz", row.biz_status), ("it", row.it_status)):
            cell = getattr(row, side)
            if status != SHOWN:
                continue
            summary = stats.describe(scores[members[side]])
            assert cell.n == summary.n
            for name in ("mean", "sd", "median"):
                assert same(getattr(cell, name), getattr(summary, name)), (row, side, name)
            assert same(cell.ci[0], summary.ci[0]) and same(cell.ci[1], summary.ci[1])
            rwg = stats.rwg_j(reverse_coded[np.ix_(members[side], items)], data.scale_points)
            assert same(cell.rwg, rwg), (row, side)
        if row.has_figures:
            compared += 1
            result = stats.compare_sides(scores[members["biz"]], scores[members["it"]])
            assert (row.mwu_u, row.mwu_p) == (result.mwu_u, result.mwu_p)
            for name in ("gap", "rank_biserial", "welch_t", "welch_p", "hedges_g"):
                assert same(getattr(row, name), getattr(result, name)), (row, name)
    assert compared >= 5
