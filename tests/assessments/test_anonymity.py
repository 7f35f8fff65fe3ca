"""The anonymity rules (assessments.anonymity.suppress_cells), case by case and as properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.anonymity import EMPTY, SHOWN, SUPPRESSED, CellVisibility, suppress_cells


def visibility(counts, k=5, pooled_n=None):
    return suppress_cells(counts, sum(counts.values()) if pooled_n is None else pooled_n, k)


class TestSmallCells:
    def test_n_below_k_is_suppressed_and_n_equal_k_is_shown(self):
        # A (k - 1) is suppressed; with 4 < 5 suppressed, the smallest shown cell (B, n = k)
        # must go too; C stays.
        result = visibility({"A": 4, "B": 5, "C": 12})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": SUPPRESSED, "C": SHOWN}

    def test_all_cells_at_k_are_shown(self):
        result = visibility({"A": 5, "B": 5, "C": 9})
        assert result.by_value_stream == {"A": SHOWN, "B": SHOWN, "C": SHOWN}
        assert result.pooled == SHOWN

    def test_returns_a_cell_visibility(self):
        assert isinstance(visibility({"A": 5}), CellVisibility)


class TestDifferencing:
    def test_smallest_shown_cell_covers_a_lone_small_cell(self):
        result = visibility({"A": 4, "B": 10, "C": 12})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": SUPPRESSED, "C": SHOWN}
        assert result.pooled == SHOWN

    def test_tie_on_n_is_broken_by_name(self):
        result = visibility({"C": 6, "A": 4, "B": 6})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": SUPPRESSED, "C": SHOWN}
        result = visibility({"Zeta": 4, "Beta": 6, "Alpha": 6})
        assert result.by_value_stream == {"Zeta": SUPPRESSED, "Alpha": SUPPRESSED, "Beta": SHOWN}

    def test_small_cells_that_together_reach_k_need_no_cover(self):
        result = visibility({"A": 2, "B": 3, "C": 20})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": SUPPRESSED, "C": SHOWN}

    def test_small_cells_together_below_k_get_one_cover(self):
        # 1 + 2 = 3 < 5: the smallest shown cell (D, 7) is suppressed as well; E stays.
        result = visibility({"A": 1, "B": 2, "D": 7, "E": 8})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": SUPPRESSED, "D": SUPPRESSED, "E": SHOWN}

    def test_nothing_suppressed_adds_nothing(self):
        result = visibility({"A": 5, "B": 6})
        assert set(result.by_value_stream.values()) == {SHOWN}

    def test_single_small_cell_with_no_cover_left(self):
        # Nothing is shown to cover A, and the pooled n (3) is below k as well.
        result = visibility({"A": 3, "B": 0})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": EMPTY}
        assert result.pooled == SUPPRESSED

    def test_a_shown_cell_is_used_as_cover_even_if_that_leaves_only_the_pooled_row(self):
        result = visibility({"A": 4, "B": 6})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": SUPPRESSED}
        assert result.pooled == SHOWN


class TestEmptyCells:
    def test_empty_cells_are_never_suppressed_nor_cover(self):
        result = visibility({"A": 0, "B": 4, "C": 9, "D": 0, "E": 11})
        assert result.by_value_stream == {"A": EMPTY, "B": SUPPRESSED, "C": SUPPRESSED, "D": EMPTY, "E": SHOWN}

    def test_empty_cell_does_not_count_towards_the_suppressed_total(self):
        result = visibility({"A": 0, "B": 5, "C": 6})
        assert result.by_value_stream == {"A": EMPTY, "B": SHOWN, "C": SHOWN}

    def test_everything_empty(self):
        result = visibility({"A": 0, "B": 0})
        assert result.by_value_stream == {"A": EMPTY, "B": EMPTY}
        assert result.pooled == EMPTY

    def test_no_value_streams(self):
        assert suppress_cells({}, 0, 5) == CellVisibility({}, EMPTY)


class TestPooled:
    @pytest.mark.parametrize(
        "pooled_n, status", [(0, EMPTY), (1, SUPPRESSED), (4, SUPPRESSED), (5, SHOWN), (50, SHOWN)]
    )
    def test_pooled_threshold(self, pooled_n, status):
        assert suppress_cells({"A": pooled_n}, pooled_n, 5).pooled == status


class TestInvalidInput:
    def test_negative_count(self):
        with pytest.raises(ValueError):
            suppress_cells({"A": -1}, 0, 5)

    def test_threshold_below_one(self):
        with pytest.raises(ValueError):
            suppress_cells({"A": 5}, 5, 0)


names = st.text(alphabet="ABCDEFGH", min_size=1, max_size=3)
count_maps = st.dictionaries(names, st.one_of(st.just(0), st.integers(0, 30)), max_size=8)


@settings(max_examples=400, database=None, deadline=None)
@given(counts=count_maps, k=st.integers(3, 12))
def test_properties(counts, k):
    result = suppress_cells(counts, sum(counts.values()), k)
    status = result.by_value_stream
    assert status.keys() == counts.keys()

    # Empty exactly when n = 0; nothing shown below k; every cell below k suppressed.
    for name, n in counts.items():
        assert (status[name] == EMPTY) == (n == 0)
        if status[name] == SHOWN:
            assert n >= k
        if 0 < n < k:
            assert status[name] == SUPPRESSED

    # No differencing: the suppressed cells together hold 0 or at least k respondents, unless
    # every non-empty cell is suppressed — and then the pooled row (their sum) is hidden too.
    suppressed = [name for name in counts if status[name] == SUPPRESSED]
    held = sum(counts[name] for name in suppressed)
    non_empty = [name for name in counts if counts[name] > 0]
    if set(suppressed) != set(non_empty):
        assert held == 0 or held >= k
    if result.pooled == SHOWN:
        assert held == 0 or held >= k

    # Minimal: at most one cell with n >= k is suppressed, only when needed, and it is the
    # smallest of those cells (by n, then name).
    primary = sum(n for n in counts.values() if 0 < n < k)
    covers = [name for name in suppressed if counts[name] >= k]
    assert len(covers) <= 1
    assert bool(covers) == (0 < primary < k and any(n >= k for n in counts.values()))
    if covers:
        large = [name for name, n in counts.items() if n >= k]
        assert covers[0] == min(large, key=lambda name: (counts[name], name))
