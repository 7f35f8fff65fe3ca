"""The anonymity rules (assessments.anonymity.suppress_groups), case by case and as properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.anonymity import EMPTY, SHOWN, SUPPRESSED, GroupVisibility, cell_status, suppress_groups


def visibility(counts, k=5):
    """Groups counted in one measure only (the respondents): {name: n}."""
    names = list(counts)
    return suppress_groups([[counts[name]] for name in names], names, k)


def measured(groups, k=5):
    """Groups counted in several measures: {name: [respondents, measure 1, …]}."""
    names = list(groups)
    return suppress_groups([groups[name] for name in names], names, k)


class TestSmallGroups:
    def test_n_below_k_is_suppressed_and_n_equal_k_is_shown(self):
        # A (k - 1) is suppressed; with 4 < 5 hidden, the smallest shown group (B, n = k) must go too.
        result = visibility({"A": 4, "B": 5, "C": 12})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": SUPPRESSED, "C": SHOWN}

    def test_all_groups_at_k_are_shown(self):
        result = visibility({"A": 5, "B": 5, "C": 9})
        assert result.by_value_stream == {"A": SHOWN, "B": SHOWN, "C": SHOWN}
        assert result.pooled == SHOWN

    def test_returns_a_group_visibility_that_names_the_hidden(self):
        result = visibility({"B": 4, "A": 5, "C": 9})
        assert isinstance(result, GroupVisibility)
        assert result.hidden == ["A", "B"]


class TestDifferencing:
    def test_smallest_shown_group_covers_a_lone_small_group(self):
        result = visibility({"A": 4, "B": 10, "C": 12})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": SUPPRESSED, "C": SHOWN}
        assert result.pooled == SHOWN

    def test_tie_on_n_is_broken_by_name(self):
        result = visibility({"C": 6, "A": 4, "B": 6})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": SUPPRESSED, "C": SHOWN}
        result = visibility({"Zeta": 4, "Beta": 6, "Alpha": 6})
        assert result.by_value_stream == {"Zeta": SUPPRESSED, "Alpha": SUPPRESSED, "Beta": SHOWN}

    def test_small_groups_that_together_reach_k_need_no_cover(self):
        result = visibility({"A": 2, "B": 3, "C": 20})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": SUPPRESSED, "C": SHOWN}

    def test_small_groups_together_below_k_get_one_cover(self):
        result = visibility({"A": 1, "B": 2, "D": 7, "E": 8})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": SUPPRESSED, "D": SUPPRESSED, "E": SHOWN}

    def test_nothing_suppressed_adds_nothing(self):
        assert set(visibility({"A": 5, "B": 6}).by_value_stream.values()) == {SHOWN}

    def test_single_small_group_with_no_cover_left_hides_the_pooled_cells(self):
        result = visibility({"A": 3, "B": 0})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": EMPTY}
        assert result.pooled == SUPPRESSED

    def test_a_shown_group_is_used_as_cover_even_if_that_leaves_only_the_pooled_cells(self):
        result = visibility({"A": 4, "B": 6})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": SUPPRESSED}
        assert result.pooled == SHOWN


class TestSeveralMeasures:
    def test_the_linked_tables_attack_finds_the_same_groups_hidden_for_theme_and_items(self):
        # The attack: S has 1 respondent, C 6, D 7 of whom 2 answered "not applicable" to
        # every PCT item (so 5 PCT scores), E 20; k = 5. Measures: respondents, an item (answered
        # or NA: everyone), the theme PCT (a score). Told apart, the theme table hid S and D and
        # the item table S and C, and the pooled cells minus C, D and E gave S away.
        result = measured({"S": [1, 1, 1], "C": [6, 6, 6], "D": [7, 7, 5], "E": [20, 20, 20]})
        assert result.hidden == ["C", "S"]  # one decision: C covers S in every measure
        assert result.pooled == SHOWN

    def test_a_group_with_a_measure_under_k_is_hidden_whole(self):
        # B has 8 respondents, but only 3 of them have a score for the theme.
        result = measured({"A": [9, 9, 9], "B": [8, 8, 3], "C": [20, 20, 20]})
        assert result.by_value_stream["B"] == SUPPRESSED
        # …and A covers it in the theme (3 alone would be found from the pooled cell).
        assert result.by_value_stream["A"] == SUPPRESSED and result.by_value_stream["C"] == SHOWN

    def test_a_cover_is_chosen_among_the_groups_counted_in_the_offended_measure(self):
        # Hidden A holds 2 scores of the theme; B (6 people, none with a score) cannot cover it.
        result = measured({"A": [2, 2, 2], "B": [6, 6, 0], "C": [7, 7, 7], "D": [30, 30, 30]})
        assert result.hidden == ["A", "C"]

    def test_hidden_groups_hold_none_or_at_least_k_in_every_measure(self):
        groups = {"A": [4, 4, 1], "B": [9, 9, 9], "C": [12, 12, 5], "D": [40, 38, 37]}
        result = measured(groups)
        counts = np.array([groups[name] for name in result.hidden])
        together = counts.sum(axis=0)
        assert all(n == 0 or n >= 5 for n in together)

    def test_pooled_cells_are_hidden_together_when_any_measure_is_under_k(self):
        # Only A's 3 people have a score for the theme, and A is hidden: the pooled theme cell
        # would show them, so the side's pooled cells are hidden in every table.
        result = measured({"A": [3, 3, 3], "B": [10, 10, 0]})
        assert result.by_value_stream == {"A": SUPPRESSED, "B": SHOWN}
        assert result.pooled == SUPPRESSED

    def test_an_unscored_measure_of_a_shown_group_is_empty_in_its_cell(self):
        assert cell_status(SHOWN, 0) == EMPTY
        assert cell_status(SHOWN, 7) == SHOWN
        assert cell_status(SUPPRESSED, 0) == SUPPRESSED  # a hidden group shows not even n = 0


class TestEmptyGroups:
    def test_empty_groups_are_never_suppressed_nor_cover(self):
        result = visibility({"A": 0, "B": 4, "C": 9, "D": 0, "E": 11})
        assert result.by_value_stream == {"A": EMPTY, "B": SUPPRESSED, "C": SUPPRESSED, "D": EMPTY, "E": SHOWN}

    def test_empty_group_does_not_count_towards_the_hidden_total(self):
        result = visibility({"A": 0, "B": 5, "C": 6})
        assert result.by_value_stream == {"A": EMPTY, "B": SHOWN, "C": SHOWN}

    def test_everything_empty(self):
        result = visibility({"A": 0, "B": 0})
        assert result.by_value_stream == {"A": EMPTY, "B": EMPTY}
        assert result.pooled == EMPTY

    def test_no_value_streams(self):
        assert suppress_groups(np.zeros((0, 3)), [], 5) == GroupVisibility({}, EMPTY)


class TestPooled:
    @pytest.mark.parametrize("n, status", [(0, EMPTY), (1, SUPPRESSED), (4, SUPPRESSED), (5, SHOWN), (50, SHOWN)])
    def test_pooled_threshold(self, n, status):
        assert visibility({"A": n}).pooled == status


class TestInvalidInput:
    def test_negative_count(self):
        with pytest.raises(ValueError):
            visibility({"A": -1})

    def test_a_measure_counting_more_than_the_respondents(self):
        with pytest.raises(ValueError):
            measured({"A": [5, 6]})

    def test_threshold_below_one(self):
        with pytest.raises(ValueError):
            visibility({"A": 5}, k=0)


@st.composite
def sides(draw):
    """Groups of one side: respondents around k, and measures each counting some of them."""
    names = draw(st.lists(st.text(alphabet="ABCDEFGH", min_size=1, max_size=2), unique=True, max_size=7))
    measures = draw(st.integers(1, 5))
    groups = {}
    for name in names:
        respondents = draw(st.integers(0, 14))
        groups[name] = [respondents, *(draw(st.integers(0, respondents)) for _ in range(measures))]
    return groups, 1 + measures


@settings(max_examples=500, database=None, deadline=None)
@given(groups=sides(), k=st.integers(3, 8))
def test_properties(groups, k):
    groups, columns = groups
    names = list(groups)
    counts = np.array([groups[name] for name in names], dtype=np.int64).reshape(len(names), columns)
    result = suppress_groups(counts, names, k)
    status = result.by_value_stream
    assert list(status) == names

    for g, name in enumerate(names):
        assert (status[name] == EMPTY) == (counts[g, 0] == 0)
        if status[name] == SHOWN:  # nothing shown rests on fewer than k people, in any measure
            assert all(n == 0 or n >= k for n in counts[g])
        if ((counts[g] > 0) & (counts[g] < k)).any():
            assert status[name] == SUPPRESSED

    hidden = np.array([status[name] == SUPPRESSED for name in names], dtype=bool)
    together, pooled = counts[hidden].sum(axis=0), counts.sum(axis=0)
    if result.pooled == SHOWN:
        # Pooled minus the shown groups is the hidden groups together: none or at least k, per measure.
        assert all(n == 0 or n >= k for n in together)
        assert all(n == 0 or n >= k for n in pooled)
    elif result.pooled == SUPPRESSED:
        assert ((pooled > 0) & (pooled < k)).any()
    # Covers (hidden groups with no measure under k) are few: at most one per measure, and none
    # when the pooled cells are not shown (nothing to subtract from).
    covers = [g for g in range(len(names)) if hidden[g] and not ((counts[g] > 0) & (counts[g] < k)).any()]
    assert len(covers) <= counts.shape[1]
    if result.pooled != SHOWN:
        assert covers == []
