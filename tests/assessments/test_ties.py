"""Equal scores are equal: means of means that are the same fraction are one value when ranked.

The issue's example: dimension scores (−1/6 + 0 + 2)/3 and (−1/6 + 1 + 1)/3 are both 11/18,
but as floats they differ in the last bit, so Mann–Whitney would rank them apart. U, p and the
rank-biserial must be scipy's on the exact values (computed here with fractions.Fraction).
"""

from fractions import Fraction

import numpy as np
import pytest
from scipy import stats as sps

from assessments import stats
from assessments.gather import WaveData
from assessments.report import DIMENSION, build_report, score_wave

# A 7-point scale −3 … 3; one dimension of three themes: A has six items (the first reverse-worded),
# B and C two each. Answers are raw; reverse-coded, the first item's 1 becomes −1.
ITEM_THEME = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 2])
REVERSE = np.array([True] + [False] * 9)
# Reverse-coded theme scores (−1/6, 0, 2) and (−1/6, 1, 1): the same 11/18, different floats.
FIRST = [1, 0, 0, 0, 0, 0, 0, 0, 2, 2]
SECOND = [1, 0, 0, 0, 0, 0, 1, 1, 1, 1]
# Others above and below, so that the two patterns' order against each other matters.
HIGHER = [-1, 1, 1, 1, 1, 1, 1, 1, 1, 1]  # (1 + 1 + 1)/3 = 1
LOWER = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]  # (0 + 0 + 1)/3 = 1/3


def tie_wave():
    """200 respondents in one value stream: Biz mostly FIRST, IT mostly SECOND."""
    rows, biz = [], []
    for pattern, n_biz, n_it in ((FIRST, 60, 20), (SECOND, 15, 55), (HIGHER, 15, 10), (LOWER, 10, 15)):
        rows += [pattern] * (n_biz + n_it)
        biz += [True] * n_biz + [False] * n_it
    answers = np.array(rows, dtype=float)
    return WaveData(
        slug="ties",
        title="Ties",
        anonymity_threshold=3,
        scale_min=-3,
        scale_max=3,
        item_codes=[f"I{i}" for i in range(len(ITEM_THEME))],
        item_theme=ITEM_THEME,
        item_reverse=REVERSE,
        theme_codes=["A", "B", "C"],
        theme_names=["A", "B", "C"],
        theme_dimension=np.array([0, 0, 0]),
        dimension_codes=["X"],
        dimension_names=["X"],
        value_stream_names=["Stream"],
        response_value_stream=np.zeros(len(rows), dtype=int),
        response_is_biz=np.array(biz),
        answers=answers,
        not_applicable=np.zeros(answers.shape, dtype=bool),
    )


def exact_dimension_scores(data):
    """The dimension score of each respondent as a Fraction: reverse-code, mean per theme, mean of themes."""
    scores = []
    low_plus_high = data.scale_min + data.scale_max
    for row in data.answers.astype(int).tolist():
        coded = [low_plus_high - x if reverse else x for x, reverse in zip(row, data.item_reverse, strict=True)]
        themes = []
        for theme in range(len(data.theme_codes)):
            answers = [x for x, t in zip(coded, data.item_theme, strict=True) if t == theme]
            themes.append(Fraction(sum(answers), len(answers)))
        scores.append(sum(themes) / len(themes))
    return scores


def scipy_on_exact(data):
    exact = exact_dimension_scores(data)
    # float() of a Fraction is the correctly rounded value: equal fractions give equal floats.
    values = np.array([float(score) for score in exact])
    return sps.mannwhitneyu(values[data.response_is_biz], values[~data.response_is_biz]), exact


def test_the_example_gives_different_floats():
    """The premise: without care, the two patterns' scores differ (else the tests below could not fail)."""
    _, _, dimensions = score_wave(tie_wave())
    first, second = dimensions[0, 0], dimensions[80, 0]
    assert first != second
    assert Fraction(11, 18) == exact_dimension_scores(tie_wave())[0] == exact_dimension_scores(tie_wave())[80]
    # Ranked as raw floats, scipy's U differs from the exact one: what the report must not do.
    data = tie_wave()
    raw = sps.mannwhitneyu(dimensions[data.response_is_biz, 0], dimensions[~data.response_is_biz, 0])
    exact, _ = scipy_on_exact(data)
    assert raw.statistic != exact.statistic


def test_value_counts_count_equal_scores_as_one_level():
    data = tie_wave()
    _, _, dimensions = score_wave(data)
    levels, counts = stats.value_counts(dimensions[:, 0], data.response_is_biz.astype(int), 2)
    assert len(levels) == 3  # 1/3, 11/18 and 1
    assert levels[1] == pytest.approx(11 / 18, abs=1e-14)
    assert counts.tolist() == [[15, 55 + 20, 10], [10, 60 + 15, 15]]  # IT (group 0), Biz (group 1)


def test_compare_sides_is_scipy_on_the_exact_scores():
    data = tie_wave()
    _, _, dimensions = score_wave(data)
    result = stats.compare_sides(dimensions[data.response_is_biz, 0], dimensions[~data.response_is_biz, 0])
    exact, _ = scipy_on_exact(data)
    assert result.mwu_u == exact.statistic
    assert result.mwu_p == exact.pvalue
    n_biz, n_it = int(data.response_is_biz.sum()), int((~data.response_is_biz).sum())
    assert result.rank_biserial == pytest.approx(2 * exact.statistic / (n_biz * n_it) - 1, rel=1e-12)


def test_the_report_ranks_equal_scores_as_ties():
    data = tie_wave()
    report = build_report(data)
    exact, scores = scipy_on_exact(data)
    row = next(row for row in report.comparisons if row.level == DIMENSION and row.value_stream == "Stream")
    assert row.mwu_u == exact.statistic
    assert row.mwu_p == exact.pvalue
    n_biz, n_it = row.biz.n, row.it.n
    assert (n_biz, n_it) == (100, 100)
    assert row.rank_biserial == pytest.approx(2 * exact.statistic / (n_biz * n_it) - 1, rel=1e-12)
    # Biz's middle respondents score 11/18; the figures stay as precise as the floats.
    assert row.biz.median == pytest.approx(11 / 18, abs=1e-14)
    exact_mean = sum(s for s, b in zip(scores, data.response_is_biz, strict=True) if b) / 100
    assert row.biz.mean == pytest.approx(float(exact_mean), abs=1e-14)
