"""Releases: what each holds, when they are made, closing for good, and the command line."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.closing import close_due_waves, close_wave
from surveys.models import Release, Response, Wave
from surveys.releases import groups_to_release, newest_release, release_final, release_interim
from surveys.response_import import ImportRefused, import_responses
from tests.conftest import make_wave, migrate_to

pytestmark = pytest.mark.django_db

HEADER = "value_stream,side,PCT1,PCT2,PCT3,SPS1,SPS2,SPS3,SPS4,DH1,DH2"


def rows(stream, side, n):
    return [f"{stream},{side},4,3,2,3,4,3,4,3,4" for _ in range(n)]


def add(wave, instrument, *groups):
    """Responses for `wave` by import: groups as (value stream name, side, how many)."""
    lines = [line for stream, side, n in groups for line in rows(stream, side, n)]
    import_responses("\n".join([HEADER, *lines]) + "\n", survey=wave.slug, instrument=instrument)


def released(wave, number):
    """Responses per (value stream name, side) in release `number`."""
    counts = {}
    for stream, side in Response.objects.filter(wave=wave, released_in__lte=number).values_list(
        "value_stream__name", "side"
    ):
        counts[(stream, side)] = counts.get((stream, side), 0) + 1
    return counts


@pytest.fixture
def interim_wave(organization, instrument, value_streams):
    return make_wave(organization, instrument, value_streams, slug="interim", interim_results=True)


# --- the rule, as a property ------------------------------------------------------------------


@settings(max_examples=300, deadline=None, database=None)
@given(
    k=st.integers(3, 7),
    events=st.lists(st.one_of(st.integers(0, 3), st.just("release")), max_size=80),
)
def test_any_two_releases_differ_in_every_group_by_none_or_at_least_k(k, events):
    """Arrivals in four groups and releases at random moments, then the final release."""
    waiting, holds, snapshots = dict.fromkeys(range(4), 0), dict.fromkeys(range(4), 0), []
    for event in [*events, "release"]:
        if event == "release":
            for group in groups_to_release(waiting, k, first=not snapshots):
                holds[group] += waiting[group]
                waiting[group] = 0
            snapshots.append(dict(holds))
        else:
            waiting[event] += 1
    for i, earlier in enumerate(snapshots):
        for later in snapshots[i + 1 :]:
            for group in range(4):
                difference = later[group] - earlier[group]
                assert difference == 0 or difference >= k, (earlier, later)
    # What the final release leaves out is, per group, fewer than k.
    assert all(n < k for n in waiting.values())


# --- interim and final releases -------------------------------------------------------------


def test_the_first_interim_release_holds_every_response_and_later_ones_add_groups_of_k(interim_wave, instrument):
    add(interim_wave, instrument, ("Financing applications", "biz", 2), ("Investing applications", "it", 6))
    first = release_interim(interim_wave)
    assert (first.number, first.kind, first.responses) == (1, Release.Kind.INTERIM, 8)
    assert released(interim_wave, 1) == {("Financing applications", "biz"): 2, ("Investing applications", "it"): 6}

    add(interim_wave, instrument, ("Financing applications", "biz", 4), ("Investing applications", "it", 5))
    second = release_interim(interim_wave)
    # 4 new Financing Biz wait (fewer than k = 5); 5 new Investing IT go in.
    assert released(interim_wave, 2) == {("Financing applications", "biz"): 2, ("Investing applications", "it"): 11}
    assert second.responses == 13
    assert release_interim(interim_wave) is None  # nothing to add

    add(interim_wave, instrument, ("Financing applications", "biz", 1))
    assert released(interim_wave, release_interim(interim_wave).number)[("Financing applications", "biz")] == 7


def test_no_interim_release_without_the_choice_or_once_closed(wave, instrument, interim_wave):
    add(wave, instrument, ("Financing applications", "biz", 6))
    assert release_interim(wave) is None and not wave.releases.exists()
    Wave.objects.filter(pk=interim_wave.pk).update(status=Wave.Status.CLOSED)
    interim_wave.refresh_from_db()
    assert release_interim(interim_wave) is None
    with pytest.raises(ValueError):
        release_final(wave)  # open: only a closed wave gets its final release


def test_closing_a_wave_without_interim_results_releases_everything(wave, instrument):
    add(wave, instrument, ("Financing applications", "biz", 2), ("Investing applications", "it", 7))
    result = close_wave(wave)
    final = newest_release(wave)
    assert result.final_releases == 1 and (final.kind, final.responses, final.withheld) == ("final", 9, 0)
    assert wave.is_final()
    assert close_wave(wave).final_releases == 0  # made once


def test_closing_after_interim_results_deletes_what_cannot_be_added(interim_wave, instrument, admin_client):
    add(interim_wave, instrument, ("Financing applications", "biz", 6))
    release_interim(interim_wave)
    add(interim_wave, instrument, ("Financing applications", "biz", 3), ("Investing applications", "it", 5))
    close_wave(interim_wave)
    final = newest_release(interim_wave)
    # Investing IT's 5 were new in a group that had nothing released: at least k, so they go in.
    # Financing Biz's 3 came after its interim results: fewer than k, never releasable, deleted.
    assert (final.number, final.responses, final.withheld) == (2, 11, 3)
    assert Response.objects.filter(wave=interim_wave).count() == 11
    assert not Response.objects.filter(wave=interim_wave, released_in__isnull=True).exists()
    overview = admin_client.get(f"/dashboard/waves/{interim_wave.slug}/").content.decode()
    assert "3 responses came after the last interim results" in overview
    assert "cannot be opened again" in overview


def test_a_wave_nobody_answered_gets_no_release_and_may_be_reopened(wave):
    Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.CLOSED)
    wave.refresh_from_db()
    assert close_wave(wave).final_releases == 0 and not wave.is_final()
    wave.status = Wave.Status.OPEN
    wave.full_clean()
    wave.save()


# --- closing is final ----------------------------------------------------------------------


def test_a_wave_with_its_final_release_refuses_to_reopen_by_any_path(wave, instrument, admin_client):
    add(wave, instrument, ("Financing applications", "biz", 6))
    close_wave(wave)
    wave.refresh_from_db()
    wave.status = Wave.Status.OPEN
    with pytest.raises(Exception, match="cannot be opened again|stays closed"):
        wave.full_clean()
    with pytest.raises(ValueError, match="cannot be opened again"):
        wave.save()
    # The admin (a superuser) is refused with the model's reason.
    change = admin_client.get(f"/admin/surveys/wave/{wave.pk}/change/")
    assert change.status_code == 200
    form = change.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        status="open",
        value_streams=[vs.pk for vs in wave.value_streams.all()],
        opens_at_0=timezone.localtime(wave.opens_at).strftime("%Y-%m-%d"),
        opens_at_1=timezone.localtime(wave.opens_at).strftime("%H:%M:%S"),
        **{"head_counts-TOTAL_FORMS": "0", "head_counts-INITIAL_FORMS": "0"},
    )
    data.pop("opens_at", None)
    data.pop("closes_at", None)
    reply = admin_client.post(f"/admin/surveys/wave/{wave.pk}/change/", data)
    assert "stays closed" in reply.content.decode()
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.CLOSED


def test_importing_into_a_wave_whose_results_are_final_is_refused(instrument):
    text = "\n".join([HEADER, *rows("A", "biz", 6)]) + "\n"
    wave = import_responses(text, survey="done", instrument=instrument, organization_name="Done Bank").wave
    assert newest_release(wave).kind == Release.Kind.FINAL  # an imported wave is released at once
    with pytest.raises(ImportRefused, match="final"):
        import_responses(text, survey="done", instrument=instrument)
    assert Response.objects.filter(wave=wave).count() == 6


# --- the daily job and the command line ------------------------------------------------------


def test_the_daily_job_closes_due_waves_and_releases_interim_results(wave, interim_wave, instrument):
    add(wave, instrument, ("Financing applications", "biz", 6))
    add(interim_wave, instrument, ("Investing applications", "it", 6))
    Wave.objects.filter(pk=wave.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    result = close_due_waves()
    assert (result.final_releases, result.interim_releases) == (1, 1)
    assert newest_release(wave).kind == "final" and Wave.objects.get(pk=wave.pk).status == Wave.Status.CLOSED
    assert newest_release(interim_wave).kind == "interim"
    out = StringIO()
    call_command("close_waves", stdout=out)
    assert "0 final releases made" in out.getvalue() and "0 interim releases" in out.getvalue()


def test_assess_reads_the_newest_release_and_says_when_there_is_none(interim_wave, instrument):
    add(interim_wave, instrument, ("Financing applications", "biz", 6), ("Financing applications", "it", 6))
    with pytest.raises(CommandError, match="Nothing of the wave 'interim' is released yet"):
        call_command("assess", "interim")
    release_interim(interim_wave)
    add(interim_wave, instrument, ("Financing applications", "biz", 2))  # waits for a release
    out = StringIO()
    call_command("assess", "interim", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["release"]["number"] == 1 and report["release"]["responses"] == 12
    pooled = next(r for r in report["comparisons"] if r["value_stream"] is None and r["code"] == "PCT")
    assert pooled["biz"]["n"] == 6
    text = StringIO()
    call_command("assess", "interim", stdout=text)
    assert "Release 1 (interim" in text.getvalue()


def test_the_demo_shows_interim_results_of_its_open_wave():
    from surveys.demo import seed_demo

    demo = seed_demo(responses=60)
    assert demo.wave.interim_results
    release = newest_release(demo.wave)
    assert release.kind == "interim" and release.responses == 60
    assert newest_release(Wave.objects.get(slug="demo-wave-earlier")).kind == "final"


# --- the migration --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_responses_random_ids_and_closed_waves_their_final_release():
    old = migrate_to([("surveys", "0006_invited_address")])
    organization = old.get_model("surveys", "Organization").objects.create(name="Old Bank")
    instrument = old.get_model("surveys", "InstrumentVersion").objects.create(code="old", version="1")
    stream = old.get_model("surveys", "ValueStream").objects.create(organization=organization, name="S")
    waves = {
        status: old.get_model("surveys", "Wave").objects.create(
            slug=status, title=status, organization=organization, instrument=instrument, status=status
        )
        for status in ("open", "closed")
    }
    Response = old.get_model("surveys", "Response")
    Answer = old.get_model("surveys", "Answer")
    dimension = old.get_model("surveys", "Dimension").objects.create(instrument=instrument, code="D")
    theme = old.get_model("surveys", "Theme").objects.create(dimension=dimension, instrument=instrument, code="T")
    item = old.get_model("surveys", "Item").objects.create(theme=theme, instrument=instrument, code="I")
    for wave in waves.values():
        for value in range(1, 4):
            response = Response.objects.create(wave=wave, value_stream=stream, side="biz", submitted_on="2026-01-01")
            Answer.objects.create(response=response, item=item, value=value)
    old_ids = sorted(Response.objects.values_list("pk", flat=True))

    migrate_to()

    from surveys.models import Answer as NewAnswer
    from surveys.models import Response as NewResponse

    new_ids = list(NewResponse.objects.values_list("pk", flat=True))
    assert not set(new_ids) & set(old_ids) and min(new_ids) >= 1 << 62
    assert NewAnswer.objects.filter(response__in=new_ids).count() == 6  # every answer follows its response
    closed = Wave.objects.get(slug="closed")
    assert [(r.number, r.kind, r.responses) for r in closed.releases.all()] == [(1, "final", 3)]
    assert not Wave.objects.get(slug="open").releases.exists()
    assert sorted(NewAnswer.objects.filter(response__wave=closed).values_list("value", flat=True)) == [1, 2, 3]


def test_a_wave_past_its_closing_time_is_closed_by_whoever_opens_its_results_first(
    wave, instrument, admin_client
):
    add(wave, instrument, ("Financing applications", "biz", 6))
    Wave.objects.filter(pk=wave.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=5))
    exports = admin_client.get("/exports/").content.decode()
    assert "still takes responses" not in exports and "Nobody answered" not in exports
    assert Wave.objects.get(pk=wave.pk).status == Wave.Status.CLOSED
    assert newest_release(wave).kind == "final"
    reply = admin_client.post(f"/exports/waves/{wave.slug}/download/", {"format": "csv", "layout": "wide"})
    assert reply.status_code == 200 and len(b"".join(reply.streaming_content).splitlines()) == 7
