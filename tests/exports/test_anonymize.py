"""The anonymization as pure functions: k-anonymity and the differencing guard hold for any counts."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.anonymity import SHOWN, SUPPRESSED, suppress_groups
from exports.anonymize import CHOICES, CHOICES_BY_NAME, LADDER, TENURE_WIDE_BANDS, Census, anonymize, groups
from surveys.models import TenureBand

ROLES = ("", "executive", "po_sm", "team_member")
TENURES = ("", "lt1", "1-3", "3-5", "5-10", "10+")


def census_of(cells, names=("A", "B", "C"), measures=1):
    """cells: [(value stream index, side, role, tenure, records, [counted per extra measure…])]."""
    counted = np.array(
        [[cell[4], *(cell[5] if len(cell) > 5 else [cell[4]] * (measures - 1))] for cell in cells], dtype=np.int64
    ).reshape(len(cells), measures)
    return Census(
        value_stream_names=tuple(names),
        value_stream=np.array([cell[0] for cell in cells], dtype=np.int64),
        side=np.array([cell[1] for cell in cells], dtype=object),
        role=np.array([cell[2] for cell in cells], dtype=object),
        tenure=np.array([cell[3] for cell in cells], dtype=object),
        records=np.array([cell[4] for cell in cells], dtype=np.int64),
        counted=counted,
    )


@st.composite
def censuses(draw):
    """Random small waves: up to 3 value streams, both sides, a few roles and tenures, 3 measures."""
    keys = draw(
        st.lists(
            st.tuples(
                st.integers(0, 2), st.sampled_from(["biz", "it"]), st.sampled_from(ROLES), st.sampled_from(TENURES)
            ),
            min_size=1,
            max_size=25,
            unique=True,
        )
    )
    cells = []
    for key in keys:
        records = draw(st.integers(1, 9))
        # Measures 1 and 2 count some of the records (an item anybody may skip, a theme score).
        counted = [draw(st.integers(0, records)), draw(st.integers(0, records))]
        cells.append((*key, records, counted))
    return census_of(cells, measures=3)


def written_groups(census, result):
    group, keys = groups(census, result.generalization)
    kept = ~result.suppressed
    sizes = np.bincount(group[kept], weights=census.records[kept], minlength=len(keys))
    return sizes[np.unique(group[kept])]


def assert_guard_holds(census, result, k):
    """Independently of the implementation: the file leaves out every group the report hides, and
    every published cell loses none or at least k records in every measure."""
    names = list(census.value_stream_names)
    measures = census.counted.shape[1]
    for side in ("biz", "it"):
        in_side = census.side == side
        totals, lost = np.zeros((len(names), measures), dtype=int), np.zeros((len(names), measures), dtype=int)
        for cell in np.flatnonzero(in_side):
            totals[census.value_stream[cell]] += census.counted[cell]
            if result.suppressed[cell]:
                lost[census.value_stream[cell]] += census.counted[cell]
        visibility = suppress_groups(totals, names, k)  # what the report shows, for every measure at once
        hidden_lost = np.zeros(measures, dtype=int)
        for index, name in enumerate(names):
            status = visibility.by_value_stream[name]
            if status == SHOWN:
                assert all(n == 0 or n >= k for n in lost[index]), (side, name, lost[index])
            if status == SUPPRESSED:
                assert (lost[index] == totals[index]).all(), (side, name, "a hidden group is written")
                hidden_lost += lost[index]
        if visibility.pooled == SHOWN:
            assert all(n == 0 or n >= k for n in hidden_lost), (side, hidden_lost)


@settings(max_examples=300, deadline=None)
@given(census=censuses(), k=st.integers(3, 6))
def test_every_written_group_holds_at_least_k_records(census, k):
    result = anonymize(census, k)
    assert (written_groups(census, result) >= k).all()
    assert result.records_suppressed == int(census.records[result.suppressed].sum())
    assert result.records_written == int(census.records[~result.suppressed].sum())


@settings(max_examples=300, deadline=None)
@given(census=censuses(), k=st.integers(3, 6))
def test_no_published_cell_can_be_differenced_below_k(census, k):
    assert_guard_holds(census, anonymize(census, k), k)


@settings(max_examples=200, deadline=None)
@given(census=censuses(), k=st.integers(3, 6))
def test_a_value_stream_side_under_k_is_never_written(census, k):
    result = anonymize(census, k)
    for stream in range(3):
        for side in ("biz", "it"):
            cells = (census.value_stream == stream) & (census.side == side)
            if 0 < census.records[cells].sum() < k:
                assert result.suppressed[cells].all()


def test_least_generalization_that_keeps_almost_everyone_is_chosen():
    # A-Biz: 4 role families × 30 people with 3-5 years, and a few with 5-10 years.
    cells = [(0, "biz", role, "3-5", 30) for role in ("executive", "po_sm", "team_member", "")]
    few = [*cells, (0, "biz", "executive", "5-10", 3), (0, "biz", "po_sm", "5-10", 2)]
    result = anonymize(census_of(few), k=5)
    # As collected, 5 of 125 (4 %) go: within the 5 % allowance, so nothing is generalized.
    assert result.generalization.name == "none"
    assert result.records_suppressed == 5
    more = [*cells, (0, "biz", "executive", "5-10", 4), (0, "biz", "po_sm", "5-10", 4)]
    result = anonymize(census_of(more), k=5)
    # 8 of 128 (6 %) as collected is too many; wider tenure bands keep everyone.
    assert result.generalization.name == "tenure_wide"
    assert result.records_suppressed == 0


def test_suppressing_fewer_than_k_in_a_shown_cell_costs_a_whole_group_more():
    # As collected only 2 stand out, but A-Biz's report cell minus the file would be their mean:
    # so a group of 30 goes with them, and the coarser tenure bands win.
    cells = [(0, "biz", role, "3-5", 30) for role in ("executive", "po_sm", "team_member", "")]
    cells += [(0, "biz", "executive", "5-10", 1), (0, "biz", "po_sm", "5-10", 1)]
    census = census_of(cells)
    at_none = anonymize(census, k=5, max_suppressed_share=1.0)
    assert at_none.generalization.name == "none" and at_none.records_suppressed == 32
    assert anonymize(census, k=5).generalization.name == "tenure_wide"


def test_when_every_level_loses_too_many_the_one_losing_fewest_wins():
    cells = [(0, "biz", role, tenure, 2) for role in ("executive", "po_sm") for tenure in ("lt1", "10+")]
    result = anonymize(census_of(cells), k=5)
    assert result.generalization.name == "role_any_tenure_any"
    assert result.records_suppressed == 0


def test_hidden_value_stream_is_covered_by_suppressing_another():
    # The dashboards' example: Tiny IT has 2 (hidden), so the report hides Alpha IT (6) as well.
    # Writing Alpha IT would let pooled − Alpha − Beta reveal Tiny's two people.
    cells = [(0, "it", "", "", 6), (1, "it", "", "", 7), (2, "it", "", "", 2)]
    cells += [(index, "biz", "", "", 6) for index in range(3)]
    census = census_of(cells, names=("Alpha", "Beta", "Tiny"))
    result = anonymize(census, k=5)
    written = {(int(census.value_stream[c]), census.side[c]) for c in np.flatnonzero(~result.suppressed)}
    assert written == {(0, "biz"), (1, "biz"), (2, "biz"), (1, "it")}
    assert result.records_suppressed == 8


def test_few_records_missing_from_a_shown_cell_take_a_bigger_group_with_them():
    # A-Biz has 12: 10 project leads and 2 executives. As collected the 2 are suppressed, and
    # A-Biz's report cell minus the file would be their average; so the whole cell goes.
    cells = [(0, "biz", "project_lead", "", 10), (0, "biz", "executive", "", 2), (1, "biz", "", "", 20)]
    census = census_of(cells)
    result = anonymize(census, k=5, max_suppressed_share=1.0)
    assert result.generalization.name == "none"
    assert result.suppressed.tolist() == [True, True, False]


def test_a_measure_that_counts_fewer_records_is_guarded_too():
    # Everyone is written as far as respondents go (A-Biz loses 5 of 15), but only 2 of the 5
    # lost have a score on measure 1: the report's A-Biz cell on it minus the file would show them.
    cells = [(0, "biz", "po_sm", "", 10, [10]), (0, "biz", "executive", "", 5, [2]), (1, "biz", "", "", 20, [20])]
    census = census_of(cells, measures=2)
    result = anonymize(census, k=6, max_suppressed_share=1.0)
    assert_guard_holds(census, result, k=6)
    assert result.suppressed[:2].all()


def test_tenure_bands_of_the_model_all_have_a_wider_band():
    assert set(TENURE_WIDE_BANDS) == {"", *TenureBand.values}


def test_ladder_goes_from_no_generalization_to_value_stream_and_side_only():
    assert LADDER[0].name == "none" and LADDER[-1].name == "role_any_tenure_any"
    assert LADDER[-1].generalize_role("po_sm") == "any" and LADDER[-1].generalize_tenure("1-3") == "any"
    assert LADDER[1].generalize_tenure("1-3") == "lt3" and LADDER[1].generalize_role("po_sm") == "po_sm"


def test_threshold_below_one_is_a_programming_error():
    with pytest.raises(ValueError):
        anonymize(census_of([(0, "biz", "", "", 3)]), k=0)


# --- every generalization a researcher may choose ---------------------------------------------


def written_keys(census, result):
    """Records per combination as the file writes it, computed here from the generalization's parts."""
    g = result.generalization
    sizes = {}
    for cell in np.flatnonzero(~result.suppressed):
        key = (
            "any" if g.value_stream == "any" else int(census.value_stream[cell]),
            g.generalize_side(census.side[cell]),
            g.generalize_role(census.role[cell]),
            g.generalize_tenure(census.tenure[cell]),
        )
        sizes[key] = sizes.get(key, 0) + int(census.records[cell])
    return sizes


@pytest.mark.parametrize("choice", CHOICES, ids=[choice.name for choice in CHOICES])
@settings(max_examples=60, deadline=None)
@given(census=censuses(), k=st.integers(3, 6))
def test_every_choice_is_k_anonymous_guarded_and_never_writes_a_hidden_group(choice, census, k):
    result = anonymize(census, k, generalization=choice)
    assert result.generalization == choice
    assert all(size >= k for size in written_keys(census, result).values())
    assert result.records_suppressed == int(census.records[result.suppressed].sum())
    assert_guard_holds(census, result, k)
    for stream in range(3):
        for side in ("biz", "it"):
            cells = (census.value_stream == stream) & (census.side == side)
            if 0 < census.records[cells].sum() < k:
                assert result.suppressed[cells].all()


def test_choices_are_every_combination_once_and_the_ladder_keeps_value_stream_and_side():
    parts = {(c.value_stream, c.side, c.role, c.tenure) for c in CHOICES}
    assert len(parts) == len(CHOICES) == 4 * len(LADDER)  # value stream kept or pooled × side kept or dropped
    assert len({c.name for c in CHOICES}) == len(CHOICES)
    assert all(c.value_stream == c.side == "as collected" for c in LADDER)
    assert CHOICES[: len(LADDER)] == LADDER


def test_pooling_value_streams_keeps_role_where_the_ladder_drops_it():
    # Five product owners spread over three value streams (2, 2, 1) with big teams beside them:
    # per value stream they stand out, so the automatic choice replaces role by "any" (or loses them);
    # pooled over value streams they are five alike, and role family stays as collected.
    cells = [(s, "biz", "po_sm", "", n) for s, n in ((0, 2), (1, 2), (2, 1))]
    cells += [(s, side, "team_member", "", 12) for s in range(3) for side in ("biz", "it")]
    census = census_of(cells)
    automatic = anonymize(census, k=5)
    pooled = anonymize(census, k=5, generalization=CHOICES_BY_NAME["none_streams_pooled"])
    assert automatic.generalization.role == "any" or automatic.records_suppressed >= 5
    assert pooled.records_suppressed == 0
    assert written_keys(census, pooled)[("any", "biz", "po_sm", "")] == 5


def test_a_hidden_group_pooled_with_others_is_left_out_and_not_counted():
    # D-IT has 2 people: the report hides it, and A-IT (the smallest other) as its cover. Pooled over
    # value streams, the IT executives of B and C (3 + 3) are written as one group of 6; those of A
    # and D are hidden: left out, and not counted towards the group's size.
    cells = [(s, "it", "executive", "", n) for s, n in ((0, 3), (1, 3), (2, 3), (3, 2))]
    cells += [(s, "it", "team_member", "", n) for s, n in ((0, 10), (1, 11), (2, 11))]
    cells += [(s, "biz", "", "", 10) for s in range(4)]
    census = census_of(cells, names=("A", "B", "C", "D"))
    result = anonymize(census, k=5, generalization=CHOICES_BY_NAME["none_streams_pooled"])
    assert result.suppressed.tolist()[:4] == [True, False, False, True]
    assert written_keys(census, result)[("any", "it", "executive", "")] == 6
    assert_guard_holds(census, result, 5)
