"""What the database itself guarantees, and the small rules on the models."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from surveys.instrument_files import load_instrument
from surveys.models import (
    Answer,
    Dimension,
    InstrumentVersion,
    Item,
    Organization,
    TenureBand,
    Theme,
    ValueStream,
    Wave,
    pick_language,
)
from tests.conftest import make_wave, small_instrument_document, unanswered_response

NOW = timezone.now()
HOUR = datetime.timedelta(hours=1)


def refused_by_database(create):
    """True if the database refuses what `create` stores (the test transaction stays usable)."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


# --- the anonymity threshold -----------------------------------------------------------


@pytest.mark.parametrize("threshold", [0, 1, 2])
def test_threshold_below_three_is_refused_by_the_database(organization, instrument, value_streams, threshold):
    assert refused_by_database(
        lambda: make_wave(organization, instrument, value_streams, anonymity_threshold=threshold)
    )
    assert not Wave.objects.exists()


def test_threshold_below_three_is_refused_on_update_too(wave):
    assert refused_by_database(lambda: Wave.objects.filter(pk=wave.pk).update(anonymity_threshold=2))
    wave.refresh_from_db()
    assert wave.anonymity_threshold == 5


@pytest.mark.parametrize("threshold", [3, 4, 10])
def test_threshold_of_three_or_more_is_accepted(organization, instrument, value_streams, threshold):
    wave = make_wave(organization, instrument, value_streams, anonymity_threshold=threshold)
    wave.refresh_from_db()
    assert wave.anonymity_threshold == threshold


def test_new_wave_defaults_to_threshold_five(wave):
    assert wave.anonymity_threshold == 5


# --- unique codes and other constraints ------------------------------------------------


def test_item_code_is_unique_within_an_instrument(instrument):
    theme = Theme.objects.get(instrument=instrument, code="DH")
    assert refused_by_database(
        lambda: Item.objects.create(instrument=instrument, theme=theme, code="PCT1", text={"en": "Copy"})
    )
    assert Item.objects.filter(instrument=instrument, code="PCT1").count() == 1


def test_theme_code_is_unique_within_an_instrument(instrument):
    dimension = Dimension.objects.get(instrument=instrument, code="EP")
    assert refused_by_database(
        lambda: Theme.objects.create(instrument=instrument, dimension=dimension, code="PCT", name={"en": "Copy"})
    )


def test_dimension_code_is_unique_within_an_instrument(instrument):
    assert refused_by_database(lambda: Dimension.objects.create(instrument=instrument, code="SV", name={"en": "Copy"}))


def test_same_codes_may_exist_in_another_instrument(instrument):
    other = load_instrument(small_instrument_document(code="other")).instrument

    assert set(other.items.values_list("code", flat=True)) == set(instrument.items.values_list("code", flat=True))


def test_instrument_code_and_version_are_unique(instrument):
    assert refused_by_database(lambda: InstrumentVersion.objects.create(code="test-oa", version="1.0"))
    InstrumentVersion.objects.create(code="test-oa", version="1.1")  # a new version is fine


def test_scale_max_must_lie_above_scale_min(db):
    assert refused_by_database(
        lambda: InstrumentVersion.objects.create(code="flat", version="1", scale_min=3, scale_max=3)
    )


def test_wave_slug_is_unique(wave, organization, instrument, value_streams):
    assert refused_by_database(lambda: make_wave(organization, instrument, value_streams, slug=wave.slug))


def test_value_stream_name_is_unique_per_organization(organization, value_streams):
    assert refused_by_database(
        lambda: ValueStream.objects.create(organization=organization, name=value_streams[0].name)
    )
    other = Organization.objects.create(name="Other Bank")
    ValueStream.objects.create(organization=other, name=value_streams[0].name)


def test_wave_must_close_after_it_opens(organization, instrument, value_streams):
    assert refused_by_database(
        lambda: make_wave(organization, instrument, value_streams, opens_at=NOW, closes_at=NOW - HOUR)
    )


@pytest.fixture
def response(wave, value_streams):
    return unanswered_response(wave, value_streams[0], "biz")


def test_one_answer_per_item_and_response(response, instrument):
    item = instrument.items.get(code="PCT1")
    Answer.objects.create(response=response, item=item, value=3)

    assert refused_by_database(lambda: Answer.objects.create(response=response, item=item, value=4))


@pytest.mark.parametrize("value", [101, -101, 32000])
def test_answer_far_off_any_scale_is_refused_by_the_database(response, instrument, value):
    item = instrument.items.get(code="PCT1")
    assert refused_by_database(lambda: Answer.objects.create(response=response, item=item, value=value))


def test_not_applicable_answer_is_stored_without_value(response, instrument):
    answer = Answer.objects.create(response=response, item=instrument.items.get(code="PCT1"), value=None)

    answer.refresh_from_db()
    assert answer.value is None and answer.not_applicable


def test_instrument_with_waves_cannot_be_deleted(wave, instrument):
    with pytest.raises(ProtectedError):
        instrument.delete()
    assert InstrumentVersion.objects.filter(pk=instrument.pk).exists()


def test_answered_item_cannot_be_deleted(response, instrument):
    item = instrument.items.get(code="PCT1")
    Answer.objects.create(response=response, item=item, value=2)

    with pytest.raises(ProtectedError):
        item.delete()


def test_has_responses_tells_whether_the_instrument_is_frozen(wave, instrument, value_streams):
    assert not instrument.has_responses()
    unanswered_response(wave, value_streams[0], "it")
    assert instrument.has_responses()


# --- open waves and availability -------------------------------------------------------

WAVES = {
    # name: (fields, availability)
    "open": ({}, "open"),
    "open with a closing date ahead": ({"closes_at": NOW + HOUR}, "open"),
    "draft": ({"status": Wave.Status.DRAFT}, "not_yet_open"),
    "opens later": ({"opens_at": NOW + HOUR}, "not_yet_open"),
    "closed": ({"status": Wave.Status.CLOSED}, "closed"),
    "past its closing date": ({"opens_at": NOW - 10 * HOUR, "closes_at": NOW - HOUR}, "closed"),
    "closed although the closing date is ahead": ({"status": Wave.Status.CLOSED, "closes_at": NOW + HOUR}, "closed"),
}


@pytest.mark.parametrize("name", WAVES)
def test_availability_for_a_respondent(organization, instrument, value_streams, name):
    fields, expected = WAVES[name]
    wave = make_wave(organization, instrument, value_streams, **fields)

    assert wave.availability(now=NOW) == expected


def test_open_lists_exactly_the_waves_that_accept_answers(organization, instrument, value_streams):
    for number, (fields, _) in enumerate(WAVES.values()):
        make_wave(organization, instrument, value_streams, slug=f"wave-{number}", title=f"Wave {number}", **fields)

    open_titles = set(Wave.objects.open(now=NOW).values_list("title", flat=True))

    expected = {f"Wave {n}" for n, (_, availability) in enumerate(WAVES.values()) if availability == "open"}
    assert open_titles == expected and len(expected) == 2


def test_wave_is_closed_at_its_closing_moment(organization, instrument, value_streams):
    wave = make_wave(organization, instrument, value_streams, opens_at=NOW - HOUR, closes_at=NOW)

    assert wave.availability(now=NOW) == "closed"
    assert not Wave.objects.open(now=NOW).exists()
    assert Wave.objects.open(now=NOW - datetime.timedelta(seconds=1)).get() == wave


def test_open_without_a_time_means_now(organization, instrument, value_streams):
    make_wave(organization, instrument, value_streams, slug="later", opens_at=timezone.now() + HOUR)
    current = make_wave(organization, instrument, value_streams, slug="current")

    assert list(Wave.objects.open()) == [current]


# --- tenure bands and languages --------------------------------------------------------


@pytest.mark.parametrize(
    "years, band",
    [
        (0, TenureBand.UNDER_1),
        (0.99, TenureBand.UNDER_1),
        (1, TenureBand.FROM_1_TO_3),
        (2.99, TenureBand.FROM_1_TO_3),
        (3, TenureBand.FROM_3_TO_5),
        (4.9, TenureBand.FROM_3_TO_5),
        (5, TenureBand.FROM_5_TO_10),
        (9.5, TenureBand.FROM_5_TO_10),
        (10, TenureBand.OVER_10),
        (42, TenureBand.OVER_10),
    ],
)
def test_tenure_band_for_years(years, band):
    assert TenureBand.for_years(years) == band


@pytest.mark.parametrize(
    "texts, language, expected",
    [
        ({"en": "Agree", "de": "Stimme zu"}, "de", "Stimme zu"),
        ({"en": "Agree", "de": "Stimme zu"}, "de-ch", "Stimme zu"),
        ({"en": "Agree", "de": "Stimme zu"}, "fr", "Agree"),
        ({"de": "Stimme zu"}, "en", "Stimme zu"),
        ("Agree", "de", "Agree"),
        ({}, "en", ""),
    ],
)
def test_pick_language_falls_back_to_english_then_any(texts, language, expected):
    assert pick_language(texts, language) == expected


def test_scale_label_falls_back_to_the_number(instrument):
    assert instrument.scale_label(4, "de") == "Stimme eher zu"
    instrument.scale_labels = {}
    assert instrument.scale_label(4, "de") == "4"


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    """A model changed without a migration would break `make run` on the next fresh database."""
    output = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=output)  # exits with 1 on changes
    assert "No changes detected" in output.getvalue()
