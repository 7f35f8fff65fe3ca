"""End to end: no export, for any wave, breaks k-anonymity or leaks what the statistics hide.

The checks read only the export file and what the report and the item charts publish — what an
attacker holding both could compute — never the anonymization's own decisions.
"""

import collections
import csv
import io

import pyreadstat
import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assessments.anonymity import SHOWN, SUPPRESSED
from assessments.items import item_groups
from assessments.report import build_report
from exports.anonymize import CHOICES
from exports.codebook import SAV_MISSING_CODE, build_codebook
from exports.planning import plan_export
from exports.writers import export_chunks, write_export
from surveys.models import Response
from tests.conftest import gather_newest, newest_report
from tests.exports.conftest import NA, SKIP, build_wave, record

pytestmark = pytest.mark.django_db

QUASI_IDENTIFIERS = ("value_stream", "side", "role", "tenure")
ITEM_CODES = ["PCT1", "PCT2", "PCT3", "SPS1", "SPS2", "SPS3", "SPS4", "DH1", "DH2"]


def exported_rows(wave, layout="wide", generalization=None):
    plan = plan_export(wave, generalization=generalization)
    text = b"".join(export_chunks(plan, "csv", layout)).decode()
    return plan, list(csv.DictReader(io.StringIO(text)))


def assert_long_file_holds_the_wide_files_respondents(plan, wide_rows, k):
    """Per combination of quasi-identifiers, the long file has the wide file's respondents: at least k."""
    long_rows = list(csv.DictReader(io.StringIO(b"".join(export_chunks(plan, "csv", "long")).decode())))

    def respondents(rows):
        found = collections.defaultdict(set)
        for row in rows:
            found[tuple(row[name] for name in QUASI_IDENTIFIERS)].add(row["respondent"])
        return found

    assert respondents(long_rows) == respondents(wide_rows)
    assert all(len(people) >= k for people in respondents(long_rows).values())


def assert_k_anonymous(rows, k):
    combinations = collections.Counter(tuple(row[name] for name in QUASI_IDENTIFIERS) for row in rows)
    assert all(count >= k for count in combinations.values()), combinations


def _lost_is_safe(lost, k, where):
    assert lost >= 0, where
    assert lost == 0 or lost >= k, f"{where}: {lost} respondents recoverable by differencing"


def assert_no_published_cell_differences_below_k(wave, rows):
    """Every cell the report or item charts show, minus the file, holds none or at least k people."""
    data = gather_newest(wave)
    k = wave.anonymity_threshold
    report = build_report(data)

    def exported(stream, side, column):
        return sum(
            1
            for row in rows
            if row["side"] == side and (stream is None or row["value_stream"] == stream) and row[column] != ""
        )

    # (value stream or None, side, measure column) -> (status, n)
    published = {}
    for row in report.comparisons:
        column = f"{row.level}_{row.code}"
        for side in ("biz", "it"):
            cell, status = getattr(row, side), getattr(row, f"{side}_status")
            published[(row.value_stream, side, column)] = (status, cell.n if cell is not None else None)
    for group in item_groups(data):
        column = f"item_{group.item}_raw"
        n = group.answered + group.not_applicable if group.status == SHOWN else None
        published[(group.value_stream, group.side, column)] = (group.status, n)

    measures = {(side, column) for (_, side, column) in published}
    for side, column in measures:
        shown_total, hidden_exported = 0, 0
        for stream in report.value_streams:
            status, n = published[(stream, side, column)]
            if status == SHOWN:
                _lost_is_safe(n - exported(stream, side, column), k, (stream, side, column))
                shown_total += n
            elif status == SUPPRESSED:
                hidden_exported += exported(stream, side, column)
        pooled_status, pooled_n = published[(None, side, column)]
        if pooled_status == SHOWN:
            _lost_is_safe(pooled_n - exported(None, side, column), k, ("pooled", side, column))
            # The hidden cells together are the pooled cell minus the shown ones.
            _lost_is_safe(pooled_n - shown_total - hidden_exported, k, ("hidden together", side, column))


def assert_pooled_cells_lose_none_or_k(wave, rows):
    """With the value streams pooled (side kept), a file row names only its side: every pooled cell the
    report shows, minus the file's rows of that side, holds none or at least k people."""
    k = wave.anonymity_threshold
    for row in newest_report(wave).comparisons:
        if row.value_stream is not None:
            continue
        column = f"{row.level}_{row.code}"
        for side in ("biz", "it"):
            cell = getattr(row, side)
            if getattr(row, f"{side}_status") == SHOWN:
                exported = sum(1 for line in rows if line["side"] == side and line[column] != "")
                _lost_is_safe(cell.n - exported, k, ("pooled", side, column))


def assert_no_hidden_group_written(wave, plan):
    """No response of a value stream × side the report hides is in the file, whatever the file pools."""
    hidden = {
        (row.value_stream, side)
        for row in newest_report(wave).comparisons
        for side in ("biz", "it")
        if row.value_stream is not None and getattr(row, f"{side}_status") == SUPPRESSED
    }
    k = wave.anonymity_threshold
    counts = collections.Counter(
        Response.objects.filter(wave=wave).values_list("value_stream__name", "side").iterator()
    )
    hidden |= {group for group, n in counts.items() if n < k}
    written = Response.objects.filter(pk__in=plan.response_ids.tolist()).values_list("value_stream__name", "side")
    assert not hidden & set(written)


def assert_small_groups_absent(wave, rows):
    """A value stream × side the report hides — under k, or hidden to cover another — has no row.

    The report's own decision, read from what it publishes: the file hides the same groups as
    every table.
    """
    k = wave.anonymity_threshold
    counts = collections.Counter(
        Response.objects.filter(wave=wave).values_list("value_stream__name", "side").iterator()
    )
    hidden = {
        (row.value_stream, side)
        for row in newest_report(wave).comparisons
        for side in ("biz", "it")
        if row.value_stream is not None and getattr(row, f"{side}_status") == SUPPRESSED
    }
    for (stream, side), n in counts.items():
        if n < k or (stream, side) in hidden:
            assert not [row for row in rows if row["value_stream"] == stream and row["side"] == side]


@pytest.fixture
def dashboard_like_wave(build):
    """Tiny IT has 2 respondents (k = 5): the report hides it, and Alpha IT (6) to stop differencing."""
    records = []
    for i in range(6):
        records += [record("Alpha", "biz", answers=[4, 3, 2 + i % 2, 3, 4, 3, 4, 3, 3 + i % 2])]
        records += [record("Alpha", "it", answers=[3, 3, 3 + i % 2, 3, 4, 3, 4, 4, 4 + i % 2])]
        records += [record("Beta", "biz"), record("Beta", "it"), record("Tiny", "biz")]
    records += [record("Beta", "it"), record("Tiny", "it", answers=[1] * 9), record("Tiny", "it", answers=[1] * 9)]
    return build(records)


def test_a_value_stream_side_the_statistics_hide_is_absent_and_so_is_its_cover(dashboard_like_wave):
    report = build_report(gather_newest(dashboard_like_wave))
    pct = {row.value_stream: row.it_status for row in report.comparisons if row.code == "PCT"}
    assert pct == {"Alpha": SUPPRESSED, "Beta": SHOWN, "Tiny": SUPPRESSED, None: SHOWN}

    plan, rows = exported_rows(dashboard_like_wave)
    written = collections.Counter((row["value_stream"], row["side"]) for row in rows)
    # Tiny IT (2 people) is absent; so is Alpha IT: with it in the file, the pooled IT cell minus
    # Alpha and Beta would be Tiny's two people.
    assert written == {("Alpha", "biz"): 6, ("Beta", "biz"): 6, ("Tiny", "biz"): 6, ("Beta", "it"): 7}
    assert not [row for row in rows if row["item_PCT1_raw"] == "1"]  # Tiny IT answered 1 throughout
    assert plan.anonymization.records_suppressed == 8
    assert_no_published_cell_differences_below_k(dashboard_like_wave, rows)
    assert_small_groups_absent(dashboard_like_wave, rows)


def test_a_value_stream_with_fewer_than_k_vanishes_and_the_codebook_says_so(build):
    records = [
        record(stream, side) for stream, n in (("Large", 8), ("Larger", 9)) for side in ("biz", "it") for _ in range(n)
    ]
    records += [record("Small", "biz"), record("Small", "it")] * 2
    wave = build(records)
    plan, rows = exported_rows(wave)
    # Small (2 a side) is absent, and so is Large, which the report hides as well so that the
    # pooled cells cannot be differenced down to Small's people.
    assert {row["value_stream"] for row in rows} == {"Larger"}
    privacy = build_codebook(plan)["privacy"]
    assert privacy["value_streams_absent"] == ["Large", "Small"]
    assert privacy["records_suppressed"] == 20 and privacy["records_written"] == 18
    assert_no_published_cell_differences_below_k(wave, rows)


def test_with_two_value_streams_one_too_small_nothing_can_be_exported(build):
    # The report shows only the pooled cells; Large's rows would reveal Small's two people by subtraction.
    records = [record("Large", side) for side in ("biz", "it") for _ in range(8)]
    records += [record("Small", "biz"), record("Small", "it")] * 2
    plan, rows = exported_rows(build(records))
    assert rows == [] and plan.anonymization.records_suppressed == 20


def test_people_whose_theme_score_is_missing_are_guarded_per_measure(build):
    # A-Biz: 10 project leads with every answer, 5 executives of whom 2 have a PCT score. k = 6 so
    # the 5 executives are suppressed as collected; the 2 PCT scores among them must not be
    # recoverable from A-Biz's PCT cell minus the file.
    no_pct = [NA, NA, NA, 3, 3, 3, 3, 3, 3]
    records = [record("A", "biz", "project_lead") for _ in range(10)]
    records += [record("A", "biz", "executive")] * 2 + [record("A", "biz", "executive", answers=no_pct)] * 3
    records += [record("B", "biz") for _ in range(20)] + [record(s, "it") for s in "AB" for _ in range(6)]
    wave = build(records, k=6)
    _, rows = exported_rows(wave)
    assert_no_published_cell_differences_below_k(wave, rows)
    assert_k_anonymous(rows, 6)


ANSWER = st.sampled_from([1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, NA, SKIP])
# Now and then a respondent who answered nothing: in the long layout they have no answer rows.
ANSWERS = st.one_of(st.lists(ANSWER, min_size=9, max_size=9), st.just([SKIP] * 9))
BACKGROUND = st.tuples(
    st.sampled_from(["A", "B", "C"]),
    st.sampled_from(["biz", "it"]),
    st.sampled_from(["", "po_sm", "executive", "team_member", "project_lead"]),
    st.sampled_from(["", "lt1", "1-3", "3-5", "5-10", "10+"]),
)
# Waves as a few crowds of alike people (a background shared by 1 to 12 respondents): random
# records alone would almost all sit alone in their combination and leave nothing to write.
CROWD = st.tuples(BACKGROUND, st.lists(ANSWERS, min_size=1, max_size=12))


# Each example writes a wave to the database: slow to generate on a busy machine, and that is fine.
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    crowds=st.lists(CROWD, max_size=8),
    k=st.integers(3, 6),
    # The automatic choice (None) or any the researcher may make.
    choice=st.sampled_from((None, *CHOICES)),
)
def test_no_export_of_any_wave_breaks_k_anonymity_or_leaks_a_hidden_cell(instrument, crowds, k, choice):
    records = [(*background, answers) for background, people in crowds for answers in people]
    assume(records)  # a wave nobody answered has no release, and no export
    with transaction.atomic():
        wave = build_wave(instrument, records, k=k, slug="property-wave")
        assert_export_is_safe(wave, records, k, choice)
        transaction.set_rollback(True)


def assert_export_is_safe(wave, records, k, choice):
    plan, rows = exported_rows(wave, generalization=choice)
    assert_k_anonymous(rows, k)
    assert_long_file_holds_the_wide_files_respondents(plan, rows, k)
    codebook = build_codebook(plan)["privacy"]
    assert codebook["records_in_wave"] == len(records)
    assert codebook["records_suppressed"] == len(records) - len(rows)
    assert codebook["records_written"] == len(rows)
    assert_no_hidden_group_written(wave, plan)
    if choice is None or (choice.value_stream == choice.side == "as collected"):
        assert_no_published_cell_differences_below_k(wave, rows)
        assert_small_groups_absent(wave, rows)
    elif choice.side == "as collected":
        assert {row["value_stream"] for row in rows} <= {"any"}
        assert_pooled_cells_lose_none_or_k(wave, rows)
    else:
        assert {row["side"] for row in rows} <= {"any"}


@pytest.mark.parametrize("choice", CHOICES, ids=[choice.name for choice in CHOICES])
def test_every_choice_exports_a_safe_file_of_a_wave_with_hidden_groups(dashboard_like_wave, choice):
    records = Response.objects.filter(wave=dashboard_like_wave).count()
    assert_export_is_safe(dashboard_like_wave, [None] * records, dashboard_like_wave.anonymity_threshold, choice)


def test_respondents_who_answered_nothing_still_count_in_the_long_file(build, tmp_path):
    # Five alike people (k = 5), four of whom answered nothing: the wide file has five rows; the
    # long file must show five respondents too, not the one who answered alone with their background.
    # (Six colleagues who answered everything keep A-Biz's item counts at k or more, so it is shown.)
    records = [record("A", "biz", "po_sm", "3-5", answers=[4] * 9)]
    records += [record("A", "biz", "po_sm", "3-5", answers=[SKIP] * 9) for _ in range(4)]
    records += [record("A", "biz", "team_member", "3-5") for _ in range(6)]
    records += [record("A", "it", "executive", "10+") for _ in range(6)]
    wave = build(records)
    plan, wide_rows = exported_rows(wave)
    assert len(wide_rows) == 17
    _, long_rows = exported_rows(wave, "long")
    alone = [row for row in long_rows if (row["role"], row["tenure"]) == ("po_sm", "3-5")]
    assert len({row["respondent"] for row in alone}) == 5
    assert len([row for row in alone if row["item"] == ""]) == 4  # one row each, with no item and no answer
    assert all(row["answer_raw"] == row["theme_score"] == "" for row in alone if row["item"] == "")
    assert_long_file_holds_the_wide_files_respondents(plan, wide_rows, 5)
    write_export(plan, "sav", "long", tmp_path / "long.sav")
    frame, meta = pyreadstat.read_sav(tmp_path / "long.sav", user_missing=True)
    assert (frame["item"] == SAV_MISSING_CODE).sum() == 4
    assert meta.variable_value_labels["item"][SAV_MISSING_CODE] == "No answer: the response answered no item"
