"""gather_wave against a plain ORM read of the same wave: from answer codes, and from answer rows."""

import datetime
import importlib

import numpy as np
import pytest
from django.db import connection
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


def respond(wave, stream, side, values, coded=True):
    """A response with the given answers by item: None = not applicable; items left out are unanswered.

    With `coded`, its answer codes are written as the questionnaire and the import write them.
    """
    codes = None
    if coded:
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


def test_a_response_without_codes_sends_the_wave_to_its_answer_rows(mixed_wave):
    coded = read(mixed_wave)
    stream = mixed_wave.value_streams.order_by("name").first()
    items = list(mixed_wave.instrument.ordered_items())
    uncoded = respond(mixed_wave, stream, Side.IT, {item: 2 for item in items}, coded=False)  # by other means
    release = release_all(mixed_wave)
    with CaptureQueriesContext(connection) as queries:
        plain = gather_wave(mixed_wave, release)
    assert any(Answer._meta.db_table in query["sql"] for query in queries.captured_queries)
    assert_same_as_orm(plain, mixed_wave)
    others = np.arange(len(plain.answers)) != row_of(uncoded)
    np.testing.assert_array_equal(plain.answers[others], coded.answers)
    np.testing.assert_array_equal(plain.not_applicable[others], coded.not_applicable)


def test_an_answer_outside_the_scale_is_read_as_stored(mixed_wave):
    # Only the form and the import check the scale; the database allows values up to ±100.
    # Such a value cannot be coded; a response holding one is read from its answer rows.
    response = Response.objects.filter(wave=mixed_wave, answers__isnull=False).order_by("pk").first()
    Answer.objects.filter(response=response).update(value=-100)
    Response.objects.filter(pk=response.pk).update(answer_codes=None)
    data = read(mixed_wave)
    assert_same_as_orm(data, mixed_wave)
    answered = ~np.isnan(data.answers[row_of(response)])
    assert answered.any() and (data.answers[row_of(response)][answered] == -100).all()


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
    assert not Response.objects.filter(wave=wave, answer_codes__isnull=True).exists()
    assert_same_as_orm(read(wave), wave)


@pytest.mark.django_db
@pytest.mark.parametrize("coded", [True, False])
@pytest.mark.parametrize(("n_items", "scale_min", "scale_max"), [(24, 1, 5), (31, 0, 10), (17, -3, 3), (1, 1, 2)])
def test_items_with_gaps_in_their_ids_and_other_scales(n_items, scale_min, scale_max, coded):
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
        respond(wave, streams[r % 2], Side.BIZ if r % 3 else Side.IT, values, coded=coded)
    assert_same_as_orm(read(wave), wave)


def test_a_release_without_responses(wave):
    data = read(wave)
    assert data.answers.shape == (0, 9) and data.not_applicable.shape == (0, 9)
    assert data.response_value_stream.shape == (0,) and data.response_is_biz.shape == (0,)


def test_the_migration_codes_responses_stored_before_codes_existed(mixed_wave):
    from django.apps import apps

    migration = importlib.import_module("surveys.migrations.0004_response_answer_codes")
    coded = read(mixed_wave)
    Response.objects.update(answer_codes=None)

    migration.write_codes(apps, None)

    assert not Response.objects.filter(answer_codes__isnull=True).exists()
    release = release_all(mixed_wave)
    with CaptureQueriesContext(connection) as queries:
        recoded = gather_wave(mixed_wave, release)
    assert not any(Answer._meta.db_table in query["sql"] for query in queries.captured_queries)
    np.testing.assert_array_equal(recoded.answers, coded.answers)
    np.testing.assert_array_equal(recoded.not_applicable, coded.not_applicable)
