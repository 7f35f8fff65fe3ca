"""One suppression for every table, as a property over random waves.

For random releases (group sizes around k, "not applicable" and skipped answers in patterns,
empty sides), every table a change manager can see — the dimension and theme tables, the
heatmap, trends and radiator (which show the theme rows of a value stream), the item table and its drivers —
hides exactly the same groups of each side; nothing shown rests on fewer than k people; and the
hidden groups together hold, in every measure, none or at least k people, counted from the raw
answers rather than from any table. So no subtraction across tables, levels or downloads of one
release isolates fewer than k people. (The export, read from the database, has its own property in
tests/exports/test_privacy.py, which checks it leaves out exactly these groups.)
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.anonymity import EMPTY, SHOWN, SUPPRESSED
from assessments.drivers import item_drivers
from assessments.gather import WaveData
from assessments.items import item_groups
from assessments.report import DIMENSION, THEME, build_report

ITEM_THEME = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2])  # the small instrument: PCT1-3, SPS1-4, DH1-2
THEME_DIMENSION = np.array([0, 0, 1])
ITEMS = [f"I{i}" for i in range(len(ITEM_THEME))]
THEMES, DIMENSIONS = ["PCT", "SPS", "DH"], ["SV", "EP"]

# How one respondent answered: everything, "not applicable" to one theme, nothing at all, or at random.
PATTERNS = st.sampled_from(["all", "na_theme", "nothing", "random", "all", "all"])


@st.composite
def releases(draw):
    k = draw(st.integers(3, 6))
    streams = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    stream_of, biz, answers, not_applicable = [], [], [], []
    for stream in range(streams):
        for is_biz in (True, False):
            size = draw(st.sampled_from([0, 1, 2, k - 1, k, k, k + 1, k + 2, 2 * k + 3]))
            for _ in range(size):
                pattern = draw(PATTERNS)
                row = rng.integers(1, 6, size=len(ITEMS)).astype(float)
                na = np.zeros(len(ITEMS), dtype=bool)
                if pattern == "na_theme":
                    na = ITEM_THEME == draw(st.integers(0, 2))
                elif pattern == "nothing":
                    row[:] = np.nan
                elif pattern == "random":
                    na = rng.random(len(ITEMS)) < 0.3
                    row[rng.random(len(ITEMS)) < 0.2] = np.nan
                row[na] = np.nan
                stream_of.append(stream)
                biz.append(is_biz)
                answers.append(row)
                not_applicable.append(na)
    n = len(answers)
    return WaveData(
        slug="random",
        title="Random",
        anonymity_threshold=k,
        scale_min=1,
        scale_max=5,
        item_codes=ITEMS,
        item_theme=ITEM_THEME,
        item_reverse=np.array([False, False, True, False, False, False, False, False, False]),
        theme_codes=THEMES,
        theme_names=THEMES,
        theme_dimension=THEME_DIMENSION,
        dimension_codes=DIMENSIONS,
        dimension_names=DIMENSIONS,
        value_stream_names=[f"Stream {s}" for s in range(streams)],
        response_value_stream=np.array(stream_of, dtype=np.int64),
        response_is_biz=np.array(biz, dtype=bool),
        answers=np.array(answers, dtype=float).reshape(n, len(ITEMS)),
        not_applicable=np.array(not_applicable, dtype=bool).reshape(n, len(ITEMS)),
    )


def true_counts(data):
    """Per (side, value stream): respondents counted in each measure, from the raw answers."""
    answers = np.where(np.isnan(data.answers), np.nan, data.answers)
    answered = ~np.isnan(answers) | data.not_applicable
    theme_scored = np.column_stack(
        [
            (~np.isnan(answers[:, ITEM_THEME == t])).sum(axis=1) >= -(-(ITEM_THEME == t).sum() // 2)
            for t in range(len(THEMES))
        ]
    )
    dimension_scored = np.column_stack(
        [
            theme_scored[:, THEME_DIMENSION == d].sum(axis=1) >= -(-(THEME_DIMENSION == d).sum() // 2)
            for d in range(len(DIMENSIONS))
        ]
    )
    presence = np.column_stack([np.ones(len(answers), dtype=bool), answered, theme_scored, dimension_scored])
    counts = {}
    for side, is_biz in (("biz", True), ("it", False)):
        for s, name in enumerate(data.value_stream_names):
            members = (data.response_value_stream == s) & (data.response_is_biz == is_biz)
            counts[(side, name)] = presence[members].sum(axis=0)
    return counts


def hidden_in(statuses):
    return {name for name, status in statuses.items() if status == SUPPRESSED}


@settings(max_examples=300, deadline=None, database=None)
@given(data=releases())
def test_every_table_hides_the_same_groups_and_no_difference_isolates_fewer_than_k(data):
    k = data.anonymity_threshold
    report = build_report(data)
    items = item_groups(data)
    drivers = item_drivers(data)
    counts = true_counts(data)
    for side in ("biz", "it"):
        tables = {}
        for level in (THEME, DIMENSION):
            for row in report.comparisons:
                if row.level == level and row.value_stream is not None:
                    tables.setdefault(f"{level} {row.code}", {})[row.value_stream] = getattr(row, f"{side}_status")
        # The heatmap, trends and the radiator show these theme rows; the item table, these groups.
        for group in items:
            if group.side == side and group.value_stream is not None:
                tables.setdefault(f"item {group.item}", {})[group.value_stream] = group.status
        for driver in drivers:  # the item drivers of the items page and the item CSV
            if driver.value_stream is not None:
                tables.setdefault(f"driver {driver.item}", {})[driver.value_stream] = getattr(driver, f"{side}_status")
        for driver in drivers:  # a hidden side's driver carries nothing, pooled or not
            if getattr(driver, f"{side}_status") == SUPPRESSED:
                assert getattr(driver, f"{side}_n") is getattr(driver, f"{side}_mean") is driver.gap is None
        hidden = {name: hidden_in(statuses) for name, statuses in tables.items()}
        first = next(iter(hidden.values()))
        assert all(found == first for found in hidden.values()), (side, hidden)  # every pair of tables

        # Nothing shown rests on fewer than k: a shown group holds 0 or at least k in every measure.
        for (count_side, name), n in counts.items():
            if count_side == side and name not in first and n[0] > 0:
                assert ((n == 0) | (n >= k)).all(), (side, name, n)
            if count_side == side and ((n > 0) & (n < k)).any():
                assert name in first, (side, name, n)

        # Pooled minus every shown group is the hidden groups together: none or at least k per measure.
        pooled_status = {
            row.code: getattr(row, f"{side}_status") for row in report.comparisons if row.value_stream is None
        }
        if SHOWN in pooled_status.values():
            together = sum(
                (n for (s, name), n in counts.items() if s == side and name in first), np.zeros(1 + 9 + 3 + 2)
            )
            assert ((together == 0) | (together >= k)).all(), (side, together)
        else:
            assert set(pooled_status.values()) <= {SUPPRESSED, EMPTY}
