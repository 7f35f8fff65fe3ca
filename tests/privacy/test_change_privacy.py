"""Change since the previous wave: a group hidden in either wave leaks nothing through the changes.

Two waves of one organization; Tiny's IT side (and Alpha's, hidden to stop differencing) is
hidden in one of them and shown in the other. The change needs both waves' groups, so none of
Tiny's or Alpha's IT figures may show, and their hidden respondents' answers must change nothing
on any page or file that shows changes: exchanging a hidden respondent between the two hidden
groups (every pooled figure stays the same) must leave every such page as it was.
"""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from dashboards.changes import wave_changes
from surveys.models import ValueStream
from surveys.releases import newest_release
from tests.dashboards.conftest import import_previous_wave, import_wave, wave_rows


def stream(name):
    return ValueStream.objects.get(organization__name="Dashboard Bank", name=name)


def change_pages(wave):
    """Every page and file that shows the change since the previous wave, or a trend, as (name, url)."""
    pages = [
        (f"{name} stream", reverse("dashboards:value_stream", args=[wave.slug, stream(name).pk]))
        for name in ("Tiny", "Alpha", "Beta")
    ]
    return [
        *pages,
        ("organization", reverse("dashboards:organization", args=[wave.slug])),
        ("changes csv", reverse("dashboards:changes_csv", args=[wave.slug])),
        ("trends", reverse("dashboards:trends", args=[wave.organization_id])),
        ("trends csv", reverse("dashboards:trends_csv", args=[wave.organization_id])),
    ]


def rendered(client, wave):
    pages = {}
    for name, url in change_pages(wave):
        response = client.get(url)
        assert response.status_code == 200, name
        pages[name] = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return pages


def exchange(wave, first, second, side="it"):
    """Move one respondent of `first` to `second` and one back (same side), as the dashboards' swap test does."""
    a = wave.responses.filter(value_stream=stream(first), side=side).order_by("pk").first()
    b = wave.responses.filter(value_stream=stream(second), side=side).order_by("pk").first()
    a.value_stream, b.value_stream = b.value_stream, a.value_stream
    a.save(update_fields=["value_stream"])
    b.save(update_fields=["value_stream"])
    cache.clear()  # released responses are never edited in the app, so the cache key does not see this


@pytest.fixture(params=["hidden before", "hidden now"])
def two_waves(request, instrument):
    """(previous wave, current wave, the wave in which Tiny IT is hidden)."""
    hidden_before = request.param == "hidden before"
    current = import_wave(instrument, wave_rows(small_it=6 if hidden_before else 2), slug="now")
    previous = import_previous_wave(instrument, wave_rows(small_it=2 if hidden_before else 6))
    return previous, current, previous if hidden_before else current


def test_a_hidden_groups_answers_change_no_page_that_shows_changes(admin_client, two_waves):
    previous, current, hidden_in = two_waves
    before = rendered(admin_client, current)
    exchange(hidden_in, "Tiny", "Alpha")
    after = rendered(admin_client, current)
    for name in before:
        assert before[name] == after[name], f"{name} shows something of a hidden group"


def test_the_control_a_shown_groups_answers_do_change_the_changes(admin_client, two_waves):
    previous, current, hidden_in = two_waves
    before = rendered(admin_client, current)
    exchange(hidden_in, "Tiny", "Beta")
    after = rendered(admin_client, current)
    assert before["Beta stream"] != after["Beta stream"]
    assert before["changes csv"] != after["changes csv"]


def test_no_figure_of_a_group_hidden_in_either_wave_is_in_the_changes(two_waves):
    previous, current, hidden_in = two_waves
    changes = wave_changes(current, newest_release(current))
    needing_it = [row for row in changes.rows if row.value_stream in ("Tiny", "Alpha") and row.kind in ("it", "gap")]
    assert needing_it
    for row in needing_it:
        assert not row.shown
        assert row.reason == ("hidden_previous" if hidden_in == previous else "hidden_current")
        assert (row.previous, row.current, row.difference, row.t, row.df, row.p, row.p_holm) == (None,) * 7
