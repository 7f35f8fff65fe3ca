"""The demo seeder: the paper's case organization with an open wave of synthetic answers."""

import datetime
import io
import re
from statistics import mean

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from surveys.demo import DEMO_ORGANIZATION, DEMO_VALUE_STREAMS, DEMO_WAVE_SLUG
from surveys.instrument_files import BUILT_IN_INSTRUMENT, load_instrument, read_instrument_file
from surveys.models import Answer, InstrumentVersion, Organization, Response, ValueStream, Wave
from tests.conftest import newest_report


def seed(**options):
    """Run `seed_demo` with `options`; return what it printed."""
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    """The demo seeded with 200 responses; the printed output."""
    return seed(responses=200)


def demo_wave():
    return Wave.objects.get(slug=DEMO_WAVE_SLUG)


def test_demo_has_the_organization_with_its_five_value_streams(seeded):
    organization = Organization.objects.get(name=DEMO_ORGANIZATION)
    names = sorted(organization.value_streams.values_list("name", flat=True))
    assert names == sorted(DEMO_VALUE_STREAMS) and len(names) == 5
    assert sorted(demo_wave().value_streams.values_list("name", flat=True)) == names


def test_demo_wave_is_open_to_respondents(seeded, client):
    wave = demo_wave()
    assert wave.availability() == "open"
    assert wave in Wave.objects.open()
    assert wave.instrument.code == "vsm-oa"

    reply = client.get(f"/s/{DEMO_WAVE_SLUG}/")

    assert reply.status_code == 200 and "Start the questionnaire" in reply.content.decode()


def test_demo_wave_has_the_requested_number_of_responses(seeded):
    assert demo_wave().responses.count() == 200
    assert "Added 200 synthetic responses" in seeded


def test_every_value_stream_has_biz_and_it_responses(seeded):
    cells = set(demo_wave().responses.values_list("value_stream__name", "side").distinct())
    assert cells == {(name, side) for name in DEMO_VALUE_STREAMS for side in ("biz", "it")}


def test_every_value_stream_and_side_is_covered_even_by_ten_responses(db):
    seed(responses=10)

    counts = demo_wave().responses.values("value_stream", "side").annotate(n=Count("pk")).order_by()
    assert sorted(row["n"] for row in counts) == [1] * 10


def test_every_response_answers_every_item(seeded):
    item_count = demo_wave().instrument.items.count()

    per_response = Response.objects.annotate(n=Count("answers")).values_list("n", flat=True)

    assert set(per_response) == {item_count}
    assert Answer.objects.filter(response__wave=demo_wave()).count() == 200 * item_count


def test_answers_lie_on_the_scale_or_are_not_applicable(seeded):
    instrument = demo_wave().instrument
    values = Answer.objects.values_list("value", flat=True)

    on_scale = [value for value in values if value is not None]
    assert set(on_scale) <= set(instrument.scale_points)
    assert len(set(on_scale)) >= 4  # answers spread over the scale
    not_applicable = len(values) - len(on_scale)
    assert 0 < not_applicable < 0.1 * len(values)


def test_responses_carry_a_recent_day_and_allowed_background(seeded):
    today = timezone.localdate()
    days = set(demo_wave().responses.values_list("submitted_on", flat=True))
    assert all(today - datetime.timedelta(days=13) <= day <= today for day in days)
    assert all(not isinstance(day, datetime.datetime) for day in days)
    roles = set(Response.objects.values_list("role", flat=True))
    assert "" in roles and len(roles) > 3


def test_output_gives_the_questionnaire_link_and_a_demo_login(seeded, client):
    assert f"/s/{DEMO_WAVE_SLUG}/" in seeded
    login = re.search(r"Demo login:\s+user '(\w+)', password '([^']+)'", seeded)
    assert login, seeded

    response = client.post(
        reverse("accounts:login"), {"username": login.group(1), "password": login.group(2)}, follow=True
    )
    assert response.request["PATH_INFO"] == reverse("dashboards:home")  # the login form leads to the dashboards
    assert DEMO_ORGANIZATION in response.content.decode()


def test_once_leaves_a_seeded_wave_as_it_is(seeded):
    answers = Answer.objects.count()

    output = seed(responses=50, once=True)

    assert demo_wave().responses.count() == 200
    assert Answer.objects.count() == answers
    assert "left as it is" in output
    assert f"/s/{DEMO_WAVE_SLUG}/" in output


def test_once_on_an_empty_database_seeds(db):
    seed(responses=30, once=True)

    assert demo_wave().responses.count() == 30


def test_running_again_adds_responses_without_duplicating_the_demo(seeded):
    output = seed(responses=30)

    assert "Added 30 synthetic responses" in output
    assert demo_wave().responses.count() == 230
    assert Organization.objects.filter(name=DEMO_ORGANIZATION).count() == 1
    assert ValueStream.objects.count() == 5
    assert Wave.objects.count() == 2  # the demo wave and the earlier one
    assert InstrumentVersion.objects.count() == 1


def test_topping_up_a_demo_wave_made_on_an_older_instrument_version_answers_its_items(db, monkeypatch):
    older = BUILT_IN_INSTRUMENT.with_name("vsm-oa-1.0.json")
    monkeypatch.setattr("surveys.demo.load_built_in_instrument", lambda: load_instrument(read_instrument_file(older)))
    seed(responses=10)
    monkeypatch.undo()

    seed(responses=10)  # loads the built-in instrument, a newer version, beside the older one

    wave = demo_wave()
    assert wave.instrument.version == "1.0" and InstrumentVersion.objects.count() == 2
    assert wave.responses.count() == 20
    assert not Answer.objects.filter(response__wave=wave).exclude(item__instrument=wave.instrument).exists()


def _gap(value_stream, theme_code, instrument):
    """Mean Biz answer minus mean IT answer on a theme, reverse-worded items reverse-coded."""
    rows = Answer.objects.filter(
        response__value_stream__name=value_stream, item__theme__code=theme_code, value__isnull=False
    ).values_list("response__side", "item__reverse", "value")
    flip = instrument.scale_min + instrument.scale_max
    scored = {"biz": [], "it": []}
    for side, is_reverse, value in rows:
        scored[side].append(flip - value if is_reverse else value)
    return mean(scored["biz"]) - mean(scored["it"])


@pytest.fixture
def many_responses(db):
    """2000 responses with a fixed seed: enough for the demo's patterns to show; the instrument."""
    seed(responses=2000, seed=2024)
    return demo_wave().instrument


def test_biz_it_gap_differs_by_value_stream(many_responses):
    far_apart = _gap("Financing applications", "PCT", many_responses)
    aligned = _gap("Client and data applications", "PCT", many_responses)

    assert far_apart > 0.4
    assert far_apart - aligned > 0.3


def test_biz_it_gap_differs_by_theme(many_responses):
    assert _gap("Financing applications", "PCT", many_responses) > 0.2  # Biz rates it higher
    assert _gap("Financing applications", "DH", many_responses) < -0.2  # IT rates it higher


def test_an_earlier_closed_wave_shows_wider_gaps_for_the_trend(seeded):
    from surveys.demo import DEMO_EARLIER_WAVE_SLUG, EARLIER_WAVE_RESPONSES

    earlier = Wave.objects.get(slug=DEMO_EARLIER_WAVE_SLUG)
    assert earlier.status == Wave.Status.CLOSED and earlier.opens_at < demo_wave().opens_at
    assert earlier.responses.count() == EARLIER_WAVE_RESPONSES
    assert earlier.instrument == demo_wave().instrument  # comparable over time

    def mean_absolute_gap(wave):
        return mean(abs(row.gap) for row in newest_report(wave).rows("theme", None))

    assert mean_absolute_gap(earlier) > mean_absolute_gap(demo_wave())


def test_head_counts_make_response_rates_below_full(seeded):
    wave = demo_wave()
    for head_count in wave.head_counts.select_related("value_stream"):
        for side in ("biz", "it"):
            responses = wave.responses.filter(value_stream=head_count.value_stream, side=side).count()
            assert responses < getattr(head_count, side)
    assert wave.head_counts.count() == 5
