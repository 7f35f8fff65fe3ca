"""Upgrading a database whose responses lack answer codes: they get them from their answer rows, then
the codes are required."""

import numpy as np
import pytest
from django.db import IntegrityError, transaction

from assessments.gather import gather_wave
from surveys.models import Answer, Release, Response, Side
from tests.conftest import make_wave, migrate_to

BEFORE = [("surveys", "0008_audit_and_link_counts")]
AFTER = [("surveys", "0009_answer_codes_required")]


@pytest.fixture
def answered_wave(transactional_db, organization, instrument, value_streams):
    """A wave with three answered responses, one release; the database brought up to date again afterwards."""
    wave = make_wave(organization, instrument, value_streams)
    items = list(instrument.ordered_items())
    answers = [
        {items[0]: 5, items[1]: None, items[4]: 2},  # not applicable, and items left unanswered
        {item: 1 + i % 5 for i, item in enumerate(items)},
        {},  # submitted without a single answer
    ]
    wave.responses_in_order = []
    for given, stream in zip(answers, [*value_streams, value_streams[0]], strict=True):
        response = Response.objects.create(
            wave=wave, value_stream=stream, side=Side.IT, submitted_on="2026-12-01", answer_codes=b"\x00" * len(items)
        )
        Answer.objects.bulk_create(Answer(response=response, item=item, value=value) for item, value in given.items())
        wave.responses_in_order.append(response)
    Response.objects.update(released_in=1)
    Release.objects.create(wave=wave, number=1, kind=Release.Kind.FINAL, responses=3)
    yield wave
    migrate_to()


def old_database_without_codes():
    """The database before codes were required, the codes of every response lost."""
    apps = migrate_to(BEFORE)
    apps.get_model("surveys", "Response").objects.update(answer_codes=None)
    return apps


def rows_of(wave):
    """The row of each of the wave's responses (in the order made) in its arrays: ids are random, rows by id."""
    by_id = sorted(response.pk for response in wave.responses_in_order)
    return [by_id.index(response.pk) for response in wave.responses_in_order]


def test_responses_without_codes_get_them_from_their_answer_rows(answered_wave):
    old_database_without_codes()

    migrate_to(AFTER)
    migrate_to()  # and every later migration: the code that reads answers expects today's schema

    data = gather_wave(answered_wave, answered_wave.releases.get())
    partly, full, empty = rows_of(answered_wave)
    nan = np.nan
    np.testing.assert_array_equal(data.answers[partly], [5, nan, nan, nan, 2, nan, nan, nan, nan])
    np.testing.assert_array_equal(data.not_applicable[partly], [i == 1 for i in range(9)])
    np.testing.assert_array_equal(data.answers[full], [1 + i % 5 for i in range(9)])
    assert np.isnan(data.answers[empty]).all() and not data.not_applicable[[full, empty]].any()
    # From here on the codes are required.
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.filter(pk=answered_wave.responses_in_order[0].pk).update(answer_codes=None)


def test_an_answer_outside_the_scale_that_a_code_can_carry_is_read_as_stored(answered_wave):
    # Only the form and the import check the scale; the database allows values up to ±100.
    old_database_without_codes()
    Answer.objects.filter(response=answered_wave.responses_in_order[1], item__code="PCT1").update(value=7)

    migrate_to(AFTER)
    migrate_to()  # and every later migration: the code that reads answers expects today's schema

    data = gather_wave(answered_wave, answered_wave.releases.get())
    assert data.answers[rows_of(answered_wave)[1], 0] == 7


def test_an_answer_no_code_can_carry_stops_the_migration_and_changes_nothing(answered_wave):
    old_database_without_codes()
    wrong = Answer.objects.filter(response=answered_wave.responses_in_order[1], item__code="PCT2")
    wrong.update(value=-100)

    with pytest.raises(Exception, match="answers item 'PCT2' with -100") as stopped:
        migrate_to(AFTER)

    assert "Correct or delete that answer, then migrate again" in str(stopped.value)
    apps = migrate_to(BEFORE)  # still there: the migration was not applied
    assert not apps.get_model("surveys", "Response").objects.filter(answer_codes__isnull=False).exists()
    # As the message says: corrected, the migration goes through.
    wrong.update(value=2)
    migrate_to(AFTER)
    migrate_to()
    data = gather_wave(answered_wave, answered_wave.releases.get())
    assert data.answers[rows_of(answered_wave)[1], 1] == 2
