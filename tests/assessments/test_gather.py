"""gather_wave against a plain ORM read of the same wave's answer rows: the answer codes read back as answered."""

import datetime
import importlib

import numpy as np
import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from assessments.gather import gather_wave
from surveys import answer_codes
from surveys.bulk import NOT_ANSWERED, NOT_APPLICABLE, ResponseRows, store_responses
from surveys.models import (
    Answer,
    Dimension,
    InstrumentVersion,
    Item,
    Organization,
    Release,
    Response,
    Side,
    Theme,
    ValueStream,
)
from tests.conftest import make_wave

TODAY = datetime.date(2026, 11, 25)
CODES_MIGRATION = importlib.import_module("surveys.migrations.0009_answer_codes_required")


def release_all(wave):
    """One release holding every response of the wave now (which responses a release takes is
    tested in tests/surveys/test_releases.py; here it is how they are read)."""
    wave.releases.all().delete()
    count = Response.objects.filter(wave=wave).update(released_in=1)
    return Release.objects.create(wave=wave, number=1, kind=Release.Kind.INTERIM, responses=count)


def read(wave):
    return gather_wave(wave, release_all(wave))


def row_of(response):
    """The row of `response` in the arrays: responses come in primary-key order, and ids are random."""
    return list(Response.objects.filter(wave=response.wave).order_by("pk").values_list("pk", flat=True)).index(
        response.pk
    )


def orm_read(wave):
    """The wave's responses (by primary key) and answers the obvious way, one object at a time."""
    items = list(wave.instrument.ordered_items())
    column = {item.pk: index for index, item in enumerate(items)}
    responses = list(Response.objects.filter(wave=wave).order_by("pk"))
    row = {response.pk: index for index, response in enumerate(responses)}
    answers = np.full((len(responses), len(items)), np.nan)
    not_applicable = np.zeros(answers.shape, dtype=bool)
    for answer in Answer.objects.filter(response__wave=wave):
        if answer.value is None:
            not_applicable[row[answer.response_id], column[answer.item_id]] = True
        else:
            answers[row[answer.response_id], column[answer.item_id]] = answer.value
    # The wave's value streams by name, then those only older responses name (see gather_wave).
    streams = sorted(wave.value_streams.all(), key=lambda vs: vs.name)
    streams += sorted({r.value_stream for r in responses} - set(streams), key=lambda vs: vs.name)
    return {
        "item_codes": [item.code for item in items],
        "value_stream_names": [vs.name for vs in streams],
        "response_value_stream": [streams.index(response.value_stream) for response in responses],
        "response_is_biz": [response.side == Side.BIZ for response in responses],
        "answers": answers,
        "not_applicable": not_applicable,
    }


def assert_same_as_orm(data, wave):
    expected = orm_read(wave)
    assert data.item_codes == expected["item_codes"]
    assert data.value_stream_names == expected["value_stream_names"]
    assert data.response_value_stream.tolist() == expected["response_value_stream"]
    assert data.response_is_biz.tolist() == expected["response_is_biz"]
    assert data.answers.dtype == float and data.not_applicable.dtype == bool
    np.testing.assert_array_equal(data.answers, expected["answers"])  # NaN where NaN
    np.testing.assert_array_equal(data.not_applicable, expected["not_applicable"])


def respond(wave, stream, side, values):
    """A response with the given answers by item: None = not applicable; items left out are unanswered.

    Its answer codes are written as the questionnaire and the import write them.
    """
    position = {item.pk: index for index, item in enumerate(wave.instrument.ordered_items())}
    codes = answer_codes.encode(
        {position[item.pk]: value for item, value in values.items()}, len(position), wave.instrument.scale_min
    )
    response = Response.objects.create(
        wave=wave, value_stream=stream, side=side, submitted_on=TODAY, answer_codes=codes
    )
    Answer.objects.bulk_create(Answer(response=response, item=item, value=value) for item, value in values.items())
    return response


def build_instrument(code, n_items, scale_min=1, scale_max=5, interleave_with=None):
    """An instrument of one dimension and themes of 4 items, made item by item.

    With `interleave_with` (another code), every item is followed by an item of a second
    instrument, so the first one's item ids have gaps.
    """
    instruments = [
        InstrumentVersion.objects.create(code=name, version="1.0", scale_min=scale_min, scale_max=scale_max)
        for name in filter(None, (code, interleave_with))
    ]
    themes = {}
    for number in range(n_items):
        for instrument in instruments:
            dimension, _ = Dimension.objects.get_or_create(instrument=instrument, code="D", defaults={"order": 0})
            key = (instrument.pk, number // 4)
            if key not in themes:
                themes[key] = Theme.objects.create(
                    dimension=dimension, instrument=instrument, code=f"T{number // 4}", order=number // 4
                )
            Item.objects.create(
                theme=themes[key], instrument=instrument, code=f"I{number}", order=number, reverse=number % 3 == 0
            )
    return instruments[0]


@pytest.fixture
def mixed_wave(instrument, organization, value_streams):
    """NA, unanswered items, a response without any answer, and a value stream since removed from the wave."""
    wave = make_wave(organization, instrument, value_streams)
    items = list(instrument.ordered_items())
    a, b = value_streams
    respond(wave, a, Side.BIZ, {item: 1 + i % 5 for i, item in enumerate(items)})
    wave.partly_na = respond(wave, b, Side.IT, {items[0]: None, items[1]: 5, items[4]: None})  # NA, unanswered
    wave.without_answers = respond(wave, a, Side.IT, {})  # submitted without a single answer
    removed = ValueStream.objects.create(organization=organization, name="Closed stream")
    respond(wave, removed, Side.BIZ, {item: None for item in items})
    respond(wave, b, Side.BIZ, {item: 5 for item in items[::2]})
    return wave


def test_coded_read_is_the_orm_read(mixed_wave):
    data = read(mixed_wave)
    assert_same_as_orm(data, mixed_wave)
    assert data.value_stream_names[-1] == "Closed stream"
    partly, empty = row_of(mixed_wave.partly_na), row_of(mixed_wave.without_answers)
    assert data.not_applicable[partly, 0] and not data.not_applicable[partly, 2] and np.isnan(data.answers[partly, 2])
    assert np.isnan(data.answers[empty]).all() and not data.not_applicable[empty].any()


def test_the_coded_read_touches_no_answer_row(mixed_wave, django_assert_max_num_queries):
    release = release_all(mixed_wave)
    with CaptureQueriesContext(connection) as queries, django_assert_max_num_queries(4):
        gather_wave(mixed_wave, release)  # instrument's items, value streams, responses, the removed stream
    assert not any(Answer._meta.db_table in query["sql"] for query in queries.captured_queries)


def test_the_database_refuses_a_response_without_answer_codes(wave):
    """Every reader reads the codes only: a response without them would be unreadable, so none is stored."""
    stream = wave.value_streams.first()
    for missing in ({}, {"answer_codes": None}, {"answer_codes": b""}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Response.objects.create(wave=wave, value_stream=stream, side=Side.BIZ, submitted_on=TODAY, **missing)
    assert not Response.objects.exists()


def test_codes_of_another_length_than_the_instrument_stop_the_read(mixed_wave):
    """Cannot happen through the application (an instrument with responses never changes); if it did,
    the read refuses rather than shifting every answer into the wrong column."""
    Response.objects.filter(pk=mixed_wave.partly_na.pk).update(answer_codes=b"\x02\x03")
    with pytest.raises(ValueError, match="another length"):
        read(mixed_wave)


def test_bulk_stored_responses_carry_codes_in_questionnaire_order(instrument, organization, value_streams):
    """The import and the demo hand over their columns in any order; the codes follow the questionnaire."""
    wave = make_wave(organization, instrument, value_streams)
    items = list(instrument.ordered_items())
    rng = np.random.default_rng(7)
    values = rng.integers(1, 6, size=(30, len(items)))
    values[rng.random(values.shape) < 0.1] = NOT_APPLICABLE
    values[rng.random(values.shape) < 0.1] = NOT_ANSWERED
    shuffled = rng.permutation(len(items))
    rows = ResponseRows(
        value_stream_ids=np.array([value_streams[i % 2].pk for i in range(30)]),
        sides=np.array(["biz", "it"] * 15, dtype=object),
        roles=np.full(30, "", dtype=object),
        tenure_bands=np.full(30, "", dtype=object),
        submitted_on=np.full(30, TODAY, dtype=object),
    )
    store_responses(wave, rows, [items[i].pk for i in shuffled], values[:, shuffled])
    assert_same_as_orm(read(wave), wave)


@pytest.mark.django_db
@pytest.mark.parametrize("coded_by", ["writer", "migration"])
@pytest.mark.parametrize(("n_items", "scale_min", "scale_max"), [(24, 1, 5), (31, 0, 10), (17, -3, 3), (1, 1, 2)])
def test_items_with_gaps_in_their_ids_and_other_scales(n_items, scale_min, scale_max, coded_by):
    """Codes follow the questionnaire's order, not the ids', whether a writer or the migration made them."""
    instrument = build_instrument("gappy", n_items, scale_min, scale_max, interleave_with="other")
    ids = sorted(item.pk for item in instrument.items.all())
    assert ids[-1] - ids[0] == 2 * (len(ids) - 1)  # every other id: the ids really have gaps
    organization = Organization.objects.create(name="Gap Bank")
    streams = [ValueStream.objects.create(organization=organization, name=name) for name in ("X", "Y")]
    wave = make_wave(organization, instrument, streams, slug="gappy")
    items = list(instrument.ordered_items())
    rng = np.random.default_rng(n_items)
    for r in range(40):
        values = {}
        for item in items:
            roll = rng.random()
            if roll < 0.1:
                continue  # unanswered
            values[item] = None if roll < 0.2 else int(rng.integers(scale_min, scale_max + 1))
        respond(wave, streams[r % 2], Side.BIZ if r % 3 else Side.IT, values)
    if coded_by == "migration":
        # Codes that do not fit the instrument, as a response stored by other means might have.
        Response.objects.update(answer_codes=b"\x00" * (n_items + 1))
        CODES_MIGRATION.code_every_response(apps, None)
    assert_same_as_orm(read(wave), wave)


def test_a_release_without_responses(wave):
    data = read(wave)
    assert data.answers.shape == (0, 9) and data.not_applicable.shape == (0, 9)
    assert data.response_value_stream.shape == (0,) and data.response_is_biz.shape == (0,)
