"""Change since the previous wave (assessments/change.py) against scipy and the obvious computations."""

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from assessments import stats
from assessments.change import (
    EMPTY,
    GAP,
    HIDDEN_BOTH,
    HIDDEN_CURRENT,
    HIDDEN_PREVIOUS,
    compare_waves,
    hedges_g,
    welch_contrast,
)
from assessments.gather import WaveData
from assessments.report import THEME, build_report, score_wave

THEMES = ["A", "B", "C"]
ITEM_THEME = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2])


def wave(seed, sizes, shift=0.0, threshold=3, streams=("S0", "S1", "S2")):
    """A wave whose (value stream, side) groups have the given sizes: {(stream, "biz"/"it"): n}.

    Answers 1–5 with some NaN; `shift` moves every answer up (rounded, clipped) to make a change.
    """
    rng = np.random.default_rng(seed)
    stream_index = {name: s for s, name in enumerate(streams)}
    cells = [(stream_index[stream], side == "biz") for (stream, side), n in sizes.items() for _ in range(n)]
    n_responses = len(cells)
    answers = np.clip(np.round(rng.normal(3 + shift, 1.1, (n_responses, len(ITEM_THEME)))), 1, 5)
    missing = rng.random(answers.shape) < 0.1
    answers[missing] = np.nan
    return WaveData(
        slug=f"wave-{seed}",
        title=f"Wave {seed}",
        anonymity_threshold=threshold,
        scale_min=1,
        scale_max=5,
        item_codes=[f"I{i}" for i in range(len(ITEM_THEME))],
        item_theme=ITEM_THEME,
        item_reverse=np.arange(len(ITEM_THEME)) % 4 == 1,
        theme_codes=THEMES,
        theme_names=[f"Theme {code}" for code in THEMES],
        theme_dimension=np.array([0, 0, 1]),
        dimension_codes=["X", "Y"],
        dimension_names=["X", "Y"],
        value_stream_names=list(streams),
        response_value_stream=np.array([cell[0] for cell in cells], dtype=np.int64),
        response_is_biz=np.array([cell[1] for cell in cells], dtype=bool),
        answers=answers,
        not_applicable=np.zeros(answers.shape, dtype=bool),
    )


def sizes(n=12, **overrides):
    """Every group of S0–S2 with n respondents, but those given as S1_it=2 and the like."""
    result = {(stream, side): n for stream in ("S0", "S1", "S2") for side in ("biz", "it")}
    for key, value in overrides.items():
        stream, side = key.split("_")
        result[(stream, side)] = value
    return result


def scores(data, stream, side, theme):
    """The theme scores of one group, cut out the obvious way (stream None: the side over all streams)."""
    _, theme_matrix, _ = score_wave(data)
    chosen = data.response_is_biz == (side == "biz")
    if stream is not None:
        chosen &= data.response_value_stream == data.value_stream_names.index(stream)
    column = theme_matrix[chosen, THEMES.index(theme)]
    return column[~np.isnan(column)]


def row_of(rows, stream, kind, code):
    return next(r for r in rows if r.value_stream == stream and r.kind == kind and r.code == code)


@pytest.fixture
def two_waves():
    return wave(1, sizes(14)), wave(2, sizes(16, S0_biz=25), shift=0.6)


# --- the two tests against references ----------------------------------------------------------


def test_a_side_row_is_scipys_welch_test_of_the_two_waves_groups(two_waves):
    previous, current = two_waves
    rows = compare_waves(previous, current)
    checked = 0
    for stream in ["S0", "S1", "S2", None]:
        for side in ("biz", "it"):
            for code in THEMES:
                row = row_of(rows, stream, side, code)
                before, now = scores(previous, stream, side, code), scores(current, stream, side, code)
                expected = sps.ttest_ind(now, before, equal_var=False)
                assert row.shown
                assert row.previous == pytest.approx(before.mean(), rel=1e-12)
                assert row.current == pytest.approx(now.mean(), rel=1e-12)
                assert row.difference == pytest.approx(now.mean() - before.mean(), rel=1e-9, abs=1e-12)
                assert row.t == pytest.approx(expected.statistic, rel=1e-9)
                assert row.p == pytest.approx(expected.pvalue, rel=1e-9)
                assert row.df == pytest.approx(expected.df, rel=1e-9)
                assert row.hedges_g == pytest.approx(stats.compare_sides(now, before).hedges_g, rel=1e-9)
                assert row.magnitude == stats.magnitude(row.hedges_g)
                checked += 1
    assert checked == 4 * 2 * 3
    # The shift of 0.6 is found: some side rows are significant after Holm, and positive.
    assert any(row.significant and row.difference > 0 for row in rows if row.kind != GAP)


def test_a_gap_row_is_the_four_means_contrast_computed_directly_with_scipys_t(two_waves):
    previous, current = two_waves
    rows = compare_waves(previous, current)
    for stream in ["S0", "S1", "S2", None]:
        for code in THEMES:
            row = row_of(rows, stream, GAP, code)
            groups = [scores(current, stream, "biz", code), scores(current, stream, "it", code)]
            groups += [scores(previous, stream, "biz", code), scores(previous, stream, "it", code)]
            means = [g.mean() for g in groups]
            squared_se = [g.var(ddof=1) / len(g) for g in groups]
            delta = (means[0] - means[1]) - (means[2] - means[3])
            t = delta / math.sqrt(sum(squared_se))
            df = sum(squared_se) ** 2 / sum(v**2 / (len(g) - 1) for v, g in zip(squared_se, groups, strict=True))
            assert row.shown
            assert row.previous == pytest.approx(means[2] - means[3], rel=1e-9, abs=1e-12)
            assert row.current == pytest.approx(means[0] - means[1], rel=1e-9, abs=1e-12)
            assert row.difference == pytest.approx(delta, rel=1e-9, abs=1e-12)
            assert row.t == pytest.approx(t, rel=1e-9)
            assert row.df == pytest.approx(df, rel=1e-9)
            assert row.p == pytest.approx(2 * sps.t.sf(abs(t), df), rel=1e-9)
            assert row.hedges_g is None and row.magnitude is None


@pytest.mark.parametrize("seed", range(5))
def test_the_contrast_of_two_groups_is_scipys_welch_test(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(3, rng.uniform(0.3, 2), rng.integers(2, 40))
    y = rng.normal(3.4, rng.uniform(0.3, 2), rng.integers(2, 40))
    estimate, t, df, p = welch_contrast([1, -1], [x.mean(), y.mean()], [x.var(ddof=1), y.var(ddof=1)], [len(x), len(y)])
    expected = sps.ttest_ind(x, y, equal_var=False)
    assert estimate == pytest.approx(x.mean() - y.mean())
    assert (t, df, p) == pytest.approx((expected.statistic, expected.df, expected.pvalue), rel=1e-9)


def test_the_gap_change_test_holds_its_level_with_unequal_sizes_and_variances():
    """Under no change at all, p < .05 in about 5 % of 4,000 simulated pairs of waves."""
    rng = np.random.default_rng(15)
    ns = np.array([6, 25, 9, 40])
    sds = np.array([0.4, 1.5, 1.0, 0.6])
    rejected = 0
    runs = 4000
    for _ in range(runs):
        groups = [rng.normal(3.0, sd, n) for sd, n in zip(sds, ns, strict=True)]
        _, _, _, p = welch_contrast(
            [1, -1, -1, 1], [g.mean() for g in groups], [g.var(ddof=1) for g in groups], [len(g) for g in groups]
        )
        rejected += p < 0.05
    # A binomial(4000, .05) lies in 0.05 ± 0.011 with probability > 99.9 %; a test on the wrong df
    # (e.g. the pooled n − 4 = 76) rejects about 8 % here.
    assert 0.039 < rejected / runs < 0.061


def test_the_contrast_is_undefined_for_a_group_of_one_or_no_spread():
    assert all(math.isnan(v) for v in welch_contrast([1, -1], [3.0, 2.0], [0.5, math.nan], [5, 1])[1:])
    assert all(math.isnan(v) for v in welch_contrast([1, -1], [3.0, 2.0], [0.0, 0.0], [5, 5])[1:])


def test_hedges_g_is_the_reports():
    rng = np.random.default_rng(3)
    x, y = rng.normal(3, 1, 11), rng.normal(3.5, 0.7, 8)
    assert hedges_g(len(x), x.mean(), x.var(ddof=1), len(y), y.mean(), y.var(ddof=1)) == pytest.approx(
        stats.compare_sides(x, y).hedges_g, rel=1e-12
    )


# --- Holm ----------------------------------------------------------------------------------------


def test_holm_runs_within_each_value_stream_over_both_sides_and_the_gap(two_waves):
    rows = compare_waves(*two_waves)
    for stream in ["S0", "S1", "S2", None]:
        family = [row for row in rows if row.value_stream == stream]
        assert len(family) == 3 * 3  # three themes: Biz, IT and gap
        expected = multipletests([row.p for row in family], method="holm")[1]
        assert [row.p_holm for row in family] == pytest.approx(list(expected), rel=1e-12)


def test_a_row_without_a_p_is_not_part_of_its_holm_family():
    previous = wave(1, sizes(12))
    current = wave(2, sizes(12, S1_it=2))  # S1 IT hidden in the current wave
    rows = [row for row in compare_waves(previous, current) if row.value_stream == "S1"]
    tested = [row for row in rows if row.p is not None]
    assert len(tested) == 3  # the Biz rows only
    assert [row.p_holm for row in tested] == pytest.approx(list(stats.holm([row.p for row in tested])))


# --- anonymity -----------------------------------------------------------------------------------


def hidden_everywhere(row):
    figures = (row.previous, row.current, row.difference, row.t, row.df, row.p, row.p_holm, row.hedges_g)
    return not row.shown and all(value is None for value in figures) and row.magnitude is None


@pytest.mark.parametrize(
    ("previous_sizes", "current_sizes", "reason"),
    [
        (sizes(12, S1_it=2), sizes(12), HIDDEN_PREVIOUS),
        (sizes(12), sizes(12, S1_it=2), HIDDEN_CURRENT),
        (sizes(12, S1_it=2), sizes(12, S1_it=1), HIDDEN_BOTH),
    ],
)
def test_a_group_hidden_in_either_release_hides_every_row_that_needs_it(previous_sizes, current_sizes, reason):
    previous, current = wave(1, previous_sizes), wave(2, current_sizes)
    rows = compare_waves(previous, current)
    for code in THEMES:
        assert hidden_everywhere(row_of(rows, "S1", "it", code))
        assert row_of(rows, "S1", "it", code).reason == reason
        assert hidden_everywhere(row_of(rows, "S1", GAP, code))
        assert row_of(rows, "S1", "biz", code).shown  # S1's Biz side is shown in both waves


def test_every_group_a_shown_row_uses_is_shown_in_its_own_release_with_at_least_k():
    previous = wave(4, sizes(10, S1_it=2, S2_biz=0), threshold=5)
    current = wave(5, sizes(10, S0_biz=3), threshold=4)
    rows = compare_waves(previous, current)
    reports = {"previous": build_report(previous), "current": build_report(current)}

    def shown(which, stream, side, code):
        report = reports[which]
        cell = getattr(next(r for r in report.rows(THEME, stream) if r.code == code), side)
        k = report.anonymity_threshold
        return cell is not None and cell.n >= k

    for row in rows:
        sides = ("biz", "it") if row.kind == GAP else (row.kind,)
        needed = all(shown(which, row.value_stream, side, row.code) for which in reports for side in sides)
        assert row.shown == needed, row
        if not row.shown:
            assert hidden_everywhere(row)
    assert not row_of(rows, "S0", "biz", "A").shown  # hidden in the current wave only
    assert row_of(rows, "S2", "biz", "A").reason == EMPTY  # nobody of S2 Biz answered before


def test_the_means_are_the_ones_each_waves_report_shows(two_waves):
    previous, current = two_waves
    rows = compare_waves(previous, current)
    for which, data in (("previous", previous), ("current", current)):
        report = build_report(data)
        for comparison in report.comparisons:
            if comparison.level != THEME:
                continue
            for side in ("biz", "it"):
                row = row_of(rows, comparison.value_stream, side, comparison.code)
                assert getattr(row, which) == getattr(comparison, side).mean


def test_only_value_streams_of_both_waves_are_compared():
    previous = wave(1, {("S0", "biz"): 8, ("S0", "it"): 8, ("Old", "biz"): 8, ("Old", "it"): 8}, streams=("Old", "S0"))
    current = wave(2, {("S0", "biz"): 8, ("S0", "it"): 8, ("New", "biz"): 8, ("New", "it"): 8}, streams=("New", "S0"))
    rows = compare_waves(previous, current)
    assert {row.value_stream for row in rows} == {"S0", None}
    assert [(row.kind, row.code) for row in rows if row.value_stream == "S0"] == [
        (kind, code) for code in THEMES for kind in ("biz", "it", GAP)
    ]


def test_waves_on_different_instruments_are_refused():
    previous, current = wave(1, sizes(8)), wave(2, sizes(8))
    current.theme_codes = ["A", "B", "D"]
    with pytest.raises(ValueError, match="instrument version"):
        compare_waves(previous, current)
