"""Scoring and statistics (assessments.stats) against hand-worked numbers, scipy and pingouin.

Pingouin and statsmodels are test-only references; the module under test uses numpy and scipy.
"""

import math
import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats as sps

from assessments import stats

nan = np.nan


def same(a, b):
    """Equal, treating NaN as equal to NaN."""
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)


@pytest.fixture(autouse=True)
def no_runtime_warnings():
    """Undefined figures must come back as NaN quietly, never as a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


class TestReverseCode:
    def test_mirrors_the_scale_and_keeps_nan(self):
        assert same(stats.reverse_code([1, 2, 3, 4, 5, nan], 1, 5), [5, 4, 3, 2, 1, nan])

    def test_other_scale(self):
        assert same(stats.reverse_code(np.array([[0, 10], [3, nan]]), 0, 10), [[10, 0], [7, nan]])

    def test_twice_is_identity(self):
        x = np.array([1.0, 4.0, 7.0])
        assert same(stats.reverse_code(stats.reverse_code(x, 1, 7), 1, 7), x)


class TestThemeScores:
    # Items 0–2 form theme 0 (3 items), items 3–6 theme 1 (4 items).
    index = np.array([0, 0, 0, 1, 1, 1, 1])

    def score(self, row):
        return stats.theme_scores(np.array([row], dtype=float), self.index, 2)[0]

    def test_all_answered_is_the_mean(self):
        assert same(self.score([1, 2, 4, 5, 5, 4, 2]), [7 / 3, 4.0])

    def test_three_items_need_two_answers(self):
        assert math.isnan(self.score([3, nan, nan, 1, 1, 1, 1])[0])  # 1 of 3: no score
        assert self.score([3, 4, nan, 1, 1, 1, 1])[0] == 3.5  # 2 of 3: mean of the two

    def test_four_items_need_two_answers(self):
        assert math.isnan(self.score([1, 1, 1, 5, nan, nan, nan])[1])  # 1 of 4
        assert self.score([1, 1, 1, 5, nan, 2, nan])[1] == 3.5  # exactly half (2 of 4) counts
        assert self.score([1, 1, 1, 5, nan, 2, 2])[1] == 3.0

    def test_nothing_answered(self):
        assert same(self.score([nan] * 7), [nan, nan])

    def test_rows_are_independent_and_shape(self):
        matrix = np.array([[1, 2, 3, nan, nan, nan, 4], [nan, nan, 5, 1, 2, 3, 4], [2, 2, nan, 3, 3, nan, nan]])
        result = stats.theme_scores(matrix, self.index, 2)
        assert result.shape == (3, 2)
        assert same(result, [[2.0, nan], [nan, 2.5], [2.0, 3.0]])

    def test_items_need_not_be_grouped_in_order(self):
        matrix = np.array([[1.0, 5.0, 3.0, 5.0]])
        assert same(stats.theme_scores(matrix, np.array([1, 0, 1, 0]), 2), [[5.0, 2.0]])

    def test_theme_without_items_is_nan(self):
        assert same(stats.theme_scores(np.array([[1.0, 2.0]]), np.array([0, 0]), 2), [[1.5, nan]])

    def test_no_respondents(self):
        assert stats.theme_scores(np.empty((0, 7)), self.index, 2).shape == (0, 2)

    def test_with_reverse_coding(self):
        # Item 2 is reverse-worded: an answer of 1 counts as 5.
        raw = np.array([[4.0, 5.0, 1.0]])
        reverse = np.array([False, False, True])
        coded = np.where(reverse, stats.reverse_code(raw, 1, 5), raw)
        assert same(stats.theme_scores(coded, np.array([0, 0, 0]), 1), [[14 / 3]])

    @settings(max_examples=60, database=None, deadline=None)
    @given(arrays(float, (6, 7), elements=st.one_of(st.just(nan), st.integers(1, 5).map(float))))
    def test_matches_a_plain_loop(self, matrix):
        result = stats.theme_scores(matrix, self.index, 2)
        for r in range(matrix.shape[0]):
            for t in range(2):
                values = matrix[r, self.index == t]
                answered = values[~np.isnan(values)]
                enough = len(answered) >= math.ceil(len(values) / 2) and len(answered) > 0
                expected = answered.mean() if enough else nan
                assert same(result[r, t], expected) or math.isclose(result[r, t], expected)


class TestDimensionScores:
    def test_half_rounded_up_of_themes(self):
        # Dimension 0 has 3 themes, dimension 1 has 2 themes.
        index = np.array([0, 0, 0, 1, 1])
        themes = np.array(
            [
                [2.0, 4.0, nan, 3.0, nan],  # 2 of 3 -> 3.0; 1 of 2 (exactly half) -> 3.0
                [2.0, nan, nan, nan, nan],  # 1 of 3 -> NaN; 0 of 2 -> NaN
                [1.0, 2.0, 3.0, 4.0, 5.0],
            ]
        )
        assert same(stats.dimension_scores(themes, index, 2), [[3.0, 3.0], [nan, nan], [2.0, 4.5]])


# --------------------------------------------------------------------------------------------
# One group
# --------------------------------------------------------------------------------------------


class TestDescribe:
    def test_figures_and_ci_against_scipy(self):
        x = np.array([3.0, 4.5, 2.0, 5.0, 4.0, nan, 3.5])
        s = stats.describe(x)
        clean = x[~np.isnan(x)]
        assert s.n == 6
        assert s.mean == pytest.approx(clean.mean())
        assert s.sd == pytest.approx(clean.std(ddof=1))
        assert s.median == pytest.approx(3.75)
        expected = sps.t.interval(0.95, 5, loc=clean.mean(), scale=sps.sem(clean))
        assert s.ci == pytest.approx(expected)

    def test_n0(self):
        s = stats.describe([nan, nan])
        assert s.n == 0
        assert all(math.isnan(v) for v in (s.mean, s.sd, s.median, *s.ci))

    def test_empty_input(self):
        assert stats.describe([]).n == 0

    def test_n1(self):
        s = stats.describe([4.0, nan])
        assert (s.n, s.mean, s.median) == (1, 4.0, 4.0)
        assert math.isnan(s.sd) and all(math.isnan(v) for v in s.ci)

    def test_constant_scores_have_zero_sd(self):
        # 11/3 is not exact in binary; the mean of its copies is off by an ulp.
        s = stats.describe(np.full(7, 11 / 3))
        assert s.sd == 0.0
        assert s.ci == (s.mean, s.mean)


class TestRwgJ:
    def test_full_agreement_is_one(self):
        assert stats.rwg_j(np.array([[4, 2, 5], [4, 2, 5], [4, 2, 5]], dtype=float), 5) == 1.0

    def test_hand_worked_intermediate_value(self):
        # 5 points: sigma2_EU = (25 - 1) / 12 = 2. Item variances 1 and 0 -> mean 0.5, ratio 0.25.
        # J = 2: 2 * 0.75 / (2 * 0.75 + 0.25) = 6 / 7.
        m = np.array([[3, 4], [4, 4], [5, 4]], dtype=float)
        assert stats.rwg_j(m, 5) == pytest.approx(6 / 7)

    def test_j_counts_every_item_even_one_without_variance(self):
        # A third item answered once has no variance: s2 stays 0.5, but J = 3:
        # 3 * 0.75 / (3 * 0.75 + 0.25) = 0.9.
        m = np.array([[3, 4, 2], [4, 4, nan], [5, 4, nan]], dtype=float)
        assert stats.rwg_j(m, 5) == pytest.approx(0.9)

    def test_item_variance_uses_the_raters_who_answered(self):
        # Item 0: [3, 5] -> var 2; item 1: [4, 4, 4] -> var 0. s2 = 1, ratio 0.5, J = 2 -> 2/3.
        m = np.array([[3, 4], [nan, 4], [5, 4]], dtype=float)
        assert stats.rwg_j(m, 5) == pytest.approx(2 / 3)

    def test_uniform_like_variance_is_zero(self):
        # [2, 4] has variance 2 = sigma2_EU: no agreement.
        assert stats.rwg_j(np.array([[2.0], [4.0]]), 5) == 0.0

    def test_floor_at_zero(self):
        # [1, 5] has variance 8 > 2: the formula would go negative.
        assert stats.rwg_j(np.array([[1.0, 1.0], [5.0, 5.0]]), 5) == 0.0

    def test_other_scale(self):
        # 7 points: sigma2_EU = 4. One item with variance 1: 1 * 0.75 / (0.75 + 0.25) = 0.75.
        assert stats.rwg_j(np.array([[3.0], [4.0], [5.0]]), 7) == pytest.approx(0.75)

    @pytest.mark.parametrize(
        "matrix",
        [np.empty((0, 3)), np.array([[3.0, 4.0]]), np.array([[3.0, nan], [nan, 4.0]]), np.empty((4, 0))],
    )
    def test_undefined_is_nan(self, matrix):
        assert math.isnan(stats.rwg_j(matrix, 5))


# --------------------------------------------------------------------------------------------
# Biz against IT
# --------------------------------------------------------------------------------------------

# scipy.stats.mannwhitneyu documentation example (males / females).
MWU_BIZ = [19, 22, 16, 29, 24]
MWU_IT = [20, 11, 17, 12]

# R's `sleep` data set: extra hours of sleep for the two drugs.
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


class TestCompareSides:
    def test_mann_whitney_documented_example(self):
        result = stats.compare_sides(MWU_BIZ, MWU_IT)
        assert result.mwu_u == 17.0
        # Without ties and with a side of at most 8, scipy's default ("auto") is the exact test:
        # p = 0.1111 (the docs' 0.11134688653314041 is method="asymptotic", not the default).
        assert result.mwu_p == pytest.approx(1 / 9)
        assert result.mwu_p == sps.mannwhitneyu(MWU_BIZ, MWU_IT).pvalue
        assert sps.mannwhitneyu(MWU_BIZ, MWU_IT, method="asymptotic").pvalue == pytest.approx(0.11134688653314041)
        assert result.rank_biserial == pytest.approx(2 * 17 / 20 - 1)  # 0.7, Biz higher
        assert result.gap == pytest.approx(np.mean(MWU_BIZ) - np.mean(MWU_IT))

    def test_mann_whitney_with_ties_uses_scipys_default(self):
        biz, it = [19, 22, 16, 29, 24], [20, 11, 17, 19]  # a tie: "auto" goes asymptotic
        result = stats.compare_sides(biz, it)
        reference = sps.mannwhitneyu(biz, it)
        assert (result.mwu_u, result.mwu_p) == (reference.statistic, reference.pvalue)
        assert result.mwu_p == sps.mannwhitneyu(biz, it, method="asymptotic").pvalue
        assert result.mwu_u == 15.5

    def test_u_belongs_to_biz(self):
        forward, backward = stats.compare_sides(MWU_BIZ, MWU_IT), stats.compare_sides(MWU_IT, MWU_BIZ)
        assert forward.mwu_u + backward.mwu_u == 20
        assert backward.rank_biserial == pytest.approx(-0.7)

    def test_welch_on_r_sleep_data(self):
        result = stats.compare_sides(SLEEP_1, SLEEP_2)
        # R: t.test(extra ~ group, data = sleep): t = -1.8608, df = 17.776, p-value = 0.07939
        assert round(result.welch_t, 4) == -1.8608
        assert round(result.welch_p, 5) == 0.07939
        assert result.gap == pytest.approx(0.75 - 2.33)

    def test_hedges_g_against_pingouin(self):
        # pingouin's unpaired Hedges g uses the same pooled SD and 1 - 3 / (4 (n1 + n2) - 9).
        rng = np.random.default_rng(7)
        x, y = rng.normal(3.4, 0.8, 23), rng.normal(3.0, 1.1, 17)
        result = stats.compare_sides(x, y)
        assert result.hedges_g == pytest.approx(pg.compute_effsize(x, y, eftype="hedges"))
        assert stats.compare_sides(SLEEP_1, SLEEP_2).hedges_g == pytest.approx(
            pg.compute_effsize(SLEEP_1, SLEEP_2, eftype="hedges")
        )

    def test_hedges_g_by_hand_and_its_ci(self):
        x, y = np.array([4.0, 5.0, 3.0, 4.0]), np.array([2.0, 3.0, 2.0])
        # means 4 and 7/3; squares 2 + 2/3 = 8/3 over df 5 -> pooled SD sqrt(8/15).
        d = (4 - 7 / 3) / math.sqrt(8 / 15)
        g = d * (1 - 3 / (4 * 7 - 9))
        se = math.sqrt(7 / 12 + g**2 / 14)
        result = stats.compare_sides(x, y)
        assert result.hedges_g == pytest.approx(g)
        assert result.hedges_g_ci == pytest.approx((g - 1.959963984540054 * se, g + 1.959963984540054 * se))

    def test_nan_inputs_are_dropped(self):
        with_nan = stats.compare_sides([*SLEEP_1, nan], [nan, *SLEEP_2])
        without = stats.compare_sides(SLEEP_1, SLEEP_2)
        assert with_nan == without
        assert (with_nan.n_biz, with_nan.n_it) == (10, 10)

    @pytest.mark.parametrize("biz, it", [([], [1.0, 2.0]), ([1.0, 2.0], []), ([nan], [nan, nan]), ([], [])])
    def test_empty_side_is_all_nan(self, biz, it):
        result = stats.compare_sides(biz, it)
        figures = [getattr(result, f) for f in ("gap", "mwu_u", "mwu_p", "rank_biserial", "welch_t", "welch_p")]
        assert all(math.isnan(v) for v in [*figures, result.hedges_g, *result.hedges_g_ci])

    def test_one_each_side(self):
        result = stats.compare_sides([4.0], [2.0])
        assert result.gap == 2.0
        assert result.rank_biserial == 1.0
        assert math.isnan(result.welch_t) and math.isnan(result.welch_p)
        assert math.isnan(result.hedges_g)

    def test_zero_variance_both_sides(self):
        # scipy's Welch t would be -inf here (and p = 0); undefined is NaN.
        result = stats.compare_sides([3.0, 3.0, 3.0], [4.0, 4.0])
        assert result.gap == -1.0
        assert math.isnan(result.welch_t) and math.isnan(result.welch_p)
        assert math.isnan(result.hedges_g)
        assert result.rank_biserial == -1.0

    def test_constant_non_binary_scores_are_still_zero_variance(self):
        result = stats.compare_sides(np.full(6, 11 / 3), np.full(5, 7 / 3))
        assert math.isnan(result.welch_t) and math.isnan(result.hedges_g)

    def test_identical_sides(self):
        result = stats.compare_sides([3.0, 3.0], [3.0, 3.0])
        assert result.gap == 0.0 and result.rank_biserial == 0.0
        assert math.isnan(result.welch_t) and math.isnan(result.hedges_g)


class TestMagnitude:
    @pytest.mark.parametrize(
        "g, label",
        [
            (0.0, "negligible"),
            (0.19, "negligible"),
            (-0.19, "negligible"),
            (0.2, "small"),
            (-0.49, "small"),
            (0.5, "medium"),
            (-0.79, "medium"),
            (0.8, "large"),
            (-2.5, "large"),
        ],
    )
    def test_cohen_cutoffs(self, g, label):
        assert stats.magnitude(g) == label

    @pytest.mark.parametrize("g", [nan, None])
    def test_undefined(self, g):
        assert stats.magnitude(g) is None

    def test_cutoffs_are_published(self):
        assert [bound for bound, _ in stats.COHEN_THRESHOLDS] == [0.2, 0.5, 0.8]


# --------------------------------------------------------------------------------------------
# Multiple comparisons
# --------------------------------------------------------------------------------------------


class TestHolm:
    def test_hand_worked(self):
        # Sorted: 0.01, 0.02, 0.03, 0.04 with m = 4 -> 0.04, 0.06, 0.06 (running max), 0.06.
        assert stats.holm([0.03, 0.01, 0.04, 0.02]) == pytest.approx([0.06, 0.04, 0.06, 0.06])

    def test_capped_at_one(self):
        assert stats.holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])

    def test_nan_is_not_part_of_the_family(self):
        result = stats.holm([0.01, nan, 0.04])
        assert same(result, [0.02, nan, 0.04])

    def test_all_nan_and_empty(self):
        assert same(stats.holm([nan, nan]), [nan, nan])
        assert stats.holm([]).shape == (0,)

    def test_pingouin_doc_example(self):
        pvals = [0.50, 0.003, 0.32, 0.054, 0.0003]
        _, expected = pg.multicomp(pvals, method="holm")
        assert stats.holm(pvals) == pytest.approx(expected)

    @settings(max_examples=80, database=None, deadline=None)
    @given(st.lists(st.one_of(st.just(nan), st.floats(0, 1)), min_size=1, max_size=25))
    def test_against_statsmodels(self, pvals):
        from statsmodels.stats.multitest import multipletests

        p = np.array(pvals)
        present = ~np.isnan(p)
        ours_holm, ours_bh = stats.holm(p), stats.benjamini_hochberg(p)
        assert np.isnan(ours_holm[~present]).all() and np.isnan(ours_bh[~present]).all()
        if present.any():
            assert ours_holm[present] == pytest.approx(multipletests(p[present], method="holm")[1])
            assert ours_bh[present] == pytest.approx(multipletests(p[present], method="fdr_bh")[1])
            # Monotone in the raw p-values, never below them, at most 1.
            for adjusted in (ours_holm[present], ours_bh[present]):
                order = np.argsort(p[present], kind="stable")
                assert np.all(np.diff(adjusted[order]) >= 0)
                assert np.all(adjusted >= p[present]) and np.all(adjusted <= 1)


class TestBenjaminiHochberg:
    def test_hand_worked(self):
        # m = 4, sorted 0.01, 0.02, 0.03, 0.2 -> m/i p: 0.04, 0.04, 0.04, 0.2 (running min from top).
        assert stats.benjamini_hochberg([0.2, 0.03, 0.01, 0.02]) == pytest.approx([0.2, 0.04, 0.04, 0.04])

    def test_step_up_takes_the_minimum_from_above(self):
        # m/i p = 3 * 0.01, 3/2 * 0.032, 3/3 * 0.045 = 0.03, 0.048, 0.045 -> the second becomes 0.045.
        assert stats.benjamini_hochberg([0.01, 0.032, 0.045]) == pytest.approx([0.03, 0.045, 0.045])

    def test_nan_is_not_part_of_the_family(self):
        assert same(stats.benjamini_hochberg([nan, 0.01, 0.04]), [nan, 0.02, 0.04])


# --------------------------------------------------------------------------------------------
# Reliability
# --------------------------------------------------------------------------------------------


class TestCronbachAlpha:
    def test_pingouin_documented_example(self):
        data = pg.read_dataset("cronbach_alpha")
        wide = data.pivot(index="Subj", values="Scores", columns="Items")
        n, alpha, ci = stats.cronbach_alpha(wide.to_numpy(dtype=float))
        assert n == 15
        assert alpha == pytest.approx(0.5917188485995826)  # pingouin's documented value
        assert ci == pytest.approx((0.195, 0.84), abs=5e-4)  # pingouin rounds to 3 decimals

    def test_missing_values_are_complete_case(self):
        data = pg.read_dataset("cronbach_wide_missing")  # 12 rows, 3 with a missing answer
        n, alpha, ci = stats.cronbach_alpha(data.to_numpy(dtype=float))
        assert n == 9
        listwise_alpha, _ = pg.cronbach_alpha(data, nan_policy="listwise")
        assert alpha == pytest.approx(listwise_alpha)  # documented: 0.8016949152542373
        # pingouin's listwise CI takes n (12) *before* dropping rows; ours uses the 9 complete
        # cases actually used, which is pingouin on the complete cases.
        _, complete_ci = pg.cronbach_alpha(data.dropna())
        assert ci == pytest.approx(tuple(complete_ci), abs=5e-4)

    def test_generated_data_with_missing_values(self):
        rng = np.random.default_rng(2024)
        trait = rng.normal(0, 1, 60)
        items = np.clip(np.round(3 + trait[:, None] + rng.normal(0, 0.9, (60, 5))), 1, 5)
        items[rng.random(items.shape) < 0.08] = nan
        complete = pd.DataFrame(items).dropna()
        n, alpha, ci = stats.cronbach_alpha(items)
        assert n == len(complete) and 30 < n < 60
        expected_alpha, expected_ci = pg.cronbach_alpha(complete)
        assert alpha == pytest.approx(expected_alpha)
        assert ci == pytest.approx(tuple(expected_ci), abs=5e-4)
        # The Feldt bounds, exactly (pingouin rounds them).
        df1, df2 = n - 1, (n - 1) * 4
        assert ci[0] == pytest.approx(1 - (1 - alpha) * sps.f.isf(0.025, df1, df2))
        assert ci[1] == pytest.approx(1 - (1 - alpha) * sps.f.isf(0.975, df1, df2))

    def test_hand_worked(self):
        # Two perfectly parallel items: alpha = 1.
        n, alpha, ci = stats.cronbach_alpha(np.array([[1, 1], [2, 2], [3, 3], [5, 5]], dtype=float))
        assert (n, alpha) == (4, pytest.approx(1.0))
        assert ci == pytest.approx((1.0, 1.0))

    @pytest.mark.parametrize(
        "matrix, n",
        [
            (np.array([[1.0], [2.0], [3.0]]), 3),  # k = 1
            (np.array([[1.0, 2.0]]), 1),  # n = 1
            (np.array([[1.0, nan], [2.0, 3.0]]), 1),  # one complete case
            (np.array([[3.0, 3.0], [3.0, 3.0]]), 2),  # no variance of the total
            (np.empty((0, 4)), 0),
        ],
    )
    def test_undefined_is_nan(self, matrix, n):
        result = stats.cronbach_alpha(matrix)
        assert result.n == n
        assert math.isnan(result.alpha) and all(math.isnan(v) for v in result.ci)
