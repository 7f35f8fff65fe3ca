"""Figures from counts of values (stats.value_counts and the *_counts functions) against numpy and scipy.

The report computes every cell from such counts, so they must give what the textbook
computation on the cell's own values gives: the same U and p as scipy's Mann–Whitney test, and
the other figures up to rounding.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from assessments import stats

nan = np.nan


@pytest.fixture(autouse=True)
def no_runtime_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


def close(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-9, abs=1e-12)


class TestValueCounts:
    def test_counts_per_group(self):
        levels, counts = stats.value_counts([2.5, 1.0, nan, 2.5, 4.0], [0, 1, 1, 1, -1], 2)
        # NaN and rows of group −1 are not counted; not all whole numbers: only the values that occur.
        assert levels.tolist() == [1.0, 2.5]
        assert counts.tolist() == [[0, 1], [1, 1]]

    def test_whole_numbers_are_filled_in(self):
        levels, counts = stats.value_counts([[1.0, 4.0], [4.0, nan]], [0, 0], 1)
        assert levels.tolist() == [1.0, 2.0, 3.0, 4.0]
        assert counts.tolist() == [[[1, 0, 0, 1], [0, 0, 0, 1]]]  # [group, column, level]

    def test_nothing_to_count(self):
        levels, counts = stats.value_counts(np.empty((0, 3)), np.empty(0, dtype=int), 2)
        assert levels.shape == (0,) and counts.shape == (2, 3, 0)
        assert stats.describe_counts(levels, counts[0, 0]).n == 0
        assert math.isnan(stats.rwg_j_counts(levels, counts[0], 5))


samples = st.lists(st.sampled_from([1.0, 2.0, 2.5, 3.0, 11 / 3, 4.0, 5.0, nan]), max_size=60)


@settings(max_examples=300, deadline=None)
@given(samples, samples)
def test_compare_counts_is_scipys_mann_whitney_and_welch(biz, it):
    levels, counts = stats.value_counts(biz + it, [0] * len(biz) + [1] * len(it), 2)
    result = stats.compare_counts(levels, counts[0], counts[1])
    x, y = np.array(biz), np.array(it)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    assert (result.n_biz, result.n_it) == (len(x), len(y))
    if len(x) == 0 or len(y) == 0:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mwu = sps.mannwhitneyu(x, y)
        welch = sps.ttest_ind(x, y, equal_var=False)
    assert (result.mwu_u, result.mwu_p) == (mwu.statistic, mwu.pvalue)  # exactly scipy's
    assert close(result.gap, x.mean() - y.mean())
    if not math.isnan(result.welch_t):
        assert close(result.welch_t, welch.statistic) and close(result.welch_p, welch.pvalue)


@settings(max_examples=300, deadline=None)
@given(samples)
def test_describe_counts_is_numpys(values):
    levels, counts = stats.value_counts(values, [0] * len(values), 1)
    summary = stats.describe_counts(levels, counts[0])
    x = np.array(values)
    x = x[~np.isnan(x)]
    assert summary.n == len(x)
    if len(x):
        assert summary.median == np.median(x)  # exactly
        assert close(summary.mean, x.mean())
    if len(x) > 1:
        assert close(summary.sd, 0.0 if x.min() == x.max() else x.std(ddof=1))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, nan]), min_size=3, max_size=3), max_size=30))
def test_rwg_j_counts_is_the_two_pass_formula(rows):
    matrix = np.array(rows).reshape(-1, 3)
    levels, counts = stats.value_counts(matrix, [0] * len(matrix), 1)
    variances = [np.var(column[~np.isnan(column)], ddof=1) for column in matrix.T if (~np.isnan(column)).sum() >= 2]
    expected = nan
    if variances:
        ratio = np.mean(variances) / 2.0  # (5² − 1) / 12
        expected = 0.0 if ratio >= 1 else 3 * (1 - ratio) / (3 * (1 - ratio) + ratio)
    assert close(stats.rwg_j_counts(levels, counts[0], 5), expected)
