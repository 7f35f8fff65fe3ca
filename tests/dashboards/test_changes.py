"""Which wave a wave is compared with, and the cached comparison (dashboards/changes.py)."""

import datetime

import pytest
from django.utils import timezone, translation

from assessments.change import GAP, compare_waves
from dashboards import changes
from dashboards.changes import wave_changes
from surveys.instrument_files import load_instrument
from surveys.models import Wave
from surveys.releases import newest_release
from tests.conftest import gather_newest, make_wave, small_instrument_document, unanswered_response
from tests.dashboards.conftest import import_previous_wave, import_wave, wave_rows


@pytest.fixture
def before(dash_wave, instrument):
    """The dashboard wave's previous wave; Tiny IT had 6 respondents there (shown), 2 now (hidden)."""
    return import_previous_wave(instrument, wave_rows(small_it=6))


def set_opens(wave, days_ago):
    Wave.objects.filter(pk=wave.pk).update(opens_at=timezone.now() - datetime.timedelta(days=days_ago))
    wave.refresh_from_db()


def test_the_first_wave_of_an_organization_has_no_change(dash_wave):
    assert wave_changes(dash_wave, newest_release(dash_wave)) is None


def test_a_wave_is_compared_with_the_newest_released_wave_before_it(dash_wave, before, instrument, value_streams):
    # A later wave, a wave without a release, a wave of another organization or instrument version:
    # none of them is "the previous wave".
    later = import_wave(instrument, wave_rows(small_it=6), slug="later")
    set_opens(later, -30)
    unreleased = make_wave(dash_wave.organization, instrument, [], slug="unreleased")
    other_version = load_instrument(small_instrument_document(version="2.0")).instrument
    other_instrument = import_wave(other_version, wave_rows(), slug="other-version")
    other_organization = import_wave(instrument, wave_rows(), slug="elsewhere", organization="Elsewhere")
    for wave in (unreleased, other_instrument, other_organization):
        set_opens(wave, 2)  # after `before`, before `dash_wave`
    assert newest_release(later) is not None and newest_release(unreleased) is None
    assert newest_release(other_instrument) is not None and newest_release(other_organization) is not None

    found = wave_changes(dash_wave, newest_release(dash_wave))
    assert found.previous_wave == before
    assert found.previous_release == newest_release(before)
    assert found.rows == compare_waves(gather_newest(before), gather_newest(dash_wave))
    assert wave_changes(later, newest_release(later)).previous_wave == dash_wave
    assert wave_changes(before, newest_release(before)) is None


def test_a_previous_wave_past_its_closing_time_is_closed_and_counts_with_its_final_release(
    dash_wave, instrument, value_streams
):
    past_due = make_wave(dash_wave.organization, instrument, value_streams, slug="past-due", title="Past due")
    Wave.objects.filter(pk=past_due.pk).update(
        opens_at=dash_wave.opens_at - datetime.timedelta(days=60),
        closes_at=dash_wave.opens_at - datetime.timedelta(days=30),
    )
    unanswered_response(past_due, value_streams[0])
    found = wave_changes(dash_wave, newest_release(dash_wave))
    past_due.refresh_from_db()
    assert past_due.status == Wave.Status.CLOSED
    assert found.previous_wave == past_due and found.previous_release.kind == "final"


def test_rows_by_value_stream_and_theme(dash_wave, before):
    found = wave_changes(dash_wave, newest_release(dash_wave))
    assert {row.value_stream for row in found.for_stream("Beta")} == {"Beta"}
    assert [row.kind for row in found.for_stream(None)][:3] == ["biz", "it", GAP]
    gap = found.gap_change("Beta", "DH")
    assert (gap.kind, gap.value_stream, gap.code) == (GAP, "Beta", "DH")
    assert found.gap_change("Nowhere", "DH") is None
    assert [code for code, _, _ in found.by_theme("Beta")] == ["PCT", "SPS", "DH"]


def test_the_comparison_is_computed_once_per_pair_of_releases(dash_wave, before, monkeypatch):
    calls = []
    real = changes.compare_waves
    monkeypatch.setattr(changes, "compare_waves", lambda *a: calls.append(1) or real(*a))
    first = wave_changes(dash_wave, newest_release(dash_wave))
    again = wave_changes(dash_wave, newest_release(dash_wave))
    assert len(calls) == 1 and again.rows == first.rows
    # Theme names are in the reader's language: another language is another entry.
    with translation.override("de"):
        wave_changes(dash_wave, newest_release(dash_wave))
    assert len(calls) == 2
