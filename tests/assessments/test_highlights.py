"""Highlights (assessments.highlights): each rule on hand-made reports, and the hidden sides they ignore."""

import pytest

from assessments.anonymity import SHOWN, SUPPRESSED
from assessments.highlights import AGREEMENT, CANCELLING, SIGNIFICANT_GAP, SPLIT, highlights
from assessments.report import DIMENSION, THEME, ComparisonRow, Report, SideCell

# Two dimensions: V with themes A, B, C; P with theme D.
THEMES = [
    {"code": "A", "name": "Theme A", "dimension": "V"},
    {"code": "B", "name": "Theme B", "dimension": "V"},
    {"code": "C", "name": "Theme C", "dimension": "V"},
    {"code": "D", "name": "Theme D", "dimension": "P"},
]


def row(code, gap=0.0, g=0.0, p=0.5, rwg=(0.8, 0.8), level=THEME, stream=None, hidden=None):
    """A comparison row; `hidden` = "biz" or "it" hides that side (no cell, no comparison)."""
    cells = {side: SideCell(n=20, mean=3.0, rwg=value) for side, value in zip(("biz", "it"), rwg, strict=True)}
    statuses = {"biz": SHOWN, "it": SHOWN}
    if hidden:
        cells[hidden], statuses[hidden] = None, SUPPRESSED
    compared = {} if hidden else {"gap": gap, "mwu_p": p, "mwu_p_holm": p, "hedges_g": g}
    return ComparisonRow(
        value_stream=stream,
        level=level,
        code=code,
        name=f"{level} {code}",
        suppressed=bool(hidden),
        biz_status=statuses["biz"],
        it_status=statuses["it"],
        biz=cells["biz"],
        it=cells["it"],
        **compared,
    )


def report(*rows, dimensions=()):
    """A report of these theme rows and dimension rows (V and P: negligible gaps unless given)."""
    given = {r.code for r in dimensions}
    dimension_rows = list(dimensions) + [row(code, level=DIMENSION) for code in ("V", "P") if code not in given]
    return Report(
        survey="s",
        title="S",
        anonymity_threshold=5,
        scale_min=1,
        scale_max=5,
        value_streams=["X"],
        themes=THEMES,
        dimensions=[{"code": "V", "name": "V"}, {"code": "P", "name": "P"}],
        comparisons=[*rows, *dimension_rows],
    )


def kinds(found):
    return [(h.kind, h.row.code) for h in found]


def test_significant_gaps_largest_first_at_most_two_with_their_effect_size():
    found = highlights(
        report(
            row("A", gap=0.4, g=0.5, p=0.01),
            row("B", gap=-0.9, g=-1.1, p=0.001),
            row("C", gap=1.2, g=0.9, p=0.2),  # large but not significant after Holm
            row("D", gap=0.6, g=0.7, p=0.03),
        )
    )
    gaps = [h for h in found if h.kind == SIGNIFICANT_GAP]
    assert [h.row.code for h in gaps] == ["B", "D"]
    assert gaps[0].row.hedges_g == -1.1


def test_agreement_needs_a_negligible_effect_and_no_significance():
    found = highlights(
        report(
            row("A", gap=0.1, g=0.15, p=0.6),
            row("B", gap=0.02, g=0.03, p=0.9),
            row("C", gap=0.1, g=0.1, p=0.01),  # negligible, yet significant (a large wave): not agreement
            row("D", gap=0.3, g=0.25, p=0.3),  # not significant, but not negligible either
        )
    )
    assert [h.row.code for h in found if h.kind == AGREEMENT] == ["B"]


def test_a_split_side_is_the_lowest_rwg_below_one_half():
    found = highlights(report(row("A", rwg=(0.45, 0.9)), row("B", rwg=(0.8, 0.2)), row("C", rwg=(0.5, 0.5)), row("D")))
    splits = [h for h in found if h.kind == SPLIT]
    assert [(h.row.code, h.side, h.side_cell.rwg) for h in splits] == [("B", "it", 0.2)]


def test_opposite_theme_gaps_that_cancel_in_their_dimension_are_flagged():
    themes = [row("A", gap=0.5, g=0.6), row("B", gap=-0.6, g=-0.7), row("C", gap=0.1, g=0.1), row("D", gap=0.5, g=0.6)]
    flagged = highlights(report(*themes, dimensions=[row("V", gap=0.02, g=0.03, level=DIMENSION)]))
    cancelling = [h for h in flagged if h.kind == CANCELLING]
    assert [(h.row.code, [t.code for t in h.themes]) for h in cancelling] == [("V", ["A", "B"])]
    # The dimension's own gap is not negligible: nothing hides there.
    visible = highlights(report(*themes, dimensions=[row("V", gap=0.3, g=0.35, level=DIMENSION)]))
    assert not [h for h in visible if h.kind == CANCELLING]
    # One of the opposite gaps negligible: no cancelling either.
    themes[1] = row("B", gap=-0.1, g=-0.15)
    assert not [h for h in highlights(report(*themes)) if h.kind == CANCELLING]


def test_hidden_sides_count_for_nothing():
    """A row with a hidden side has no comparison: no gap, agreement or cancelling; its hidden side no rwg."""
    found = highlights(
        report(
            row("A", hidden="it", rwg=(0.9, 0.1)),
            row("B", gap=-0.6, g=-0.7, hidden="biz", rwg=(0.1, 0.9)),
            row("C", gap=0.5, g=0.6, p=0.01),
            row("D", hidden="it"),
        )
    )
    assert kinds(found) == [(SIGNIFICANT_GAP, "C")]


def test_the_list_is_short_and_in_the_order_of_the_rules():
    found = highlights(
        report(
            row("A", gap=0.8, g=0.9, p=0.001, rwg=(0.3, 0.8)),
            row("B", gap=-0.6, g=-0.7, p=0.01),
            row("C", gap=0.5, g=0.6, p=0.02, rwg=(0.4, 0.4)),
            row("D", gap=0.01, g=0.01, p=0.9),
            dimensions=[row("V", gap=0.0, g=0.0, level=DIMENSION)],
        ),
    )
    assert kinds(found) == [
        (SIGNIFICANT_GAP, "A"),
        (SIGNIFICANT_GAP, "B"),
        (CANCELLING, "V"),
        (SPLIT, "A"),
        (AGREEMENT, "D"),
    ]


@pytest.mark.parametrize("stream", ["X", None])
def test_a_value_stream_reads_its_own_rows_only(stream):
    rows = [row("A", gap=0.8, g=0.9, p=0.001, stream="X"), row("B", gap=0.01, g=0.01, p=0.9)]
    found = highlights(report(*rows), stream)
    assert kinds(found) == ([(SIGNIFICANT_GAP, "A")] if stream == "X" else [(AGREEMENT, "B")])
