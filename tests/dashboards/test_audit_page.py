"""The organization's audit log for its change managers: newest first, in words, a page at a time."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards.views.audit import ENTRIES_PER_PAGE
from surveys import audit
from surveys.models import AuditEntry, Organization
from tests.conftest import make_wave, unanswered_response


@pytest.fixture
def wave(organization, instrument, value_streams):
    return make_wave(organization, instrument, value_streams)


def log_page(organization, page=None):
    url = reverse("dashboards:audit_log", args=[organization.pk])
    return f"{url}?page={page}" if page else url


def test_the_log_shows_who_did_what_and_when_in_words_newest_first(manager_client, organization, wave):
    audit.record(
        "links_created", organization=organization, wave=wave, actor="carla",
        value_stream="Financing applications", side="biz", count=4, channel="csv",
    )  # fmt: skip
    audit.record(
        "wave_changed", organization=organization, wave=wave, actor="dan", channel="page",
        changes=[
            {"field": "status", "old": "draft", "new": "open"},
            {"field": "head_count", "value_stream": "Financing applications", "side": "it", "old": 4, "new": 6},
            {"field": "languages", "old": ["en"], "new": ["de", "en"]},
        ],
    )  # fmt: skip

    html = manager_client.get(log_page(organization)).content.decode()

    assert html.index("Set-up changed") < html.index("Links made")  # newest first
    assert "Status: Draft → Open" in html
    assert "Head count: Financing applications, IT: 4 → 6" in html
    assert "Languages: English → Deutsch, English" in html
    assert "Value stream: Financing applications" in html and "Side: Biz" in html and "Number: 4" in html
    assert "Channel: links for a mail merge (CSV)" in html
    assert "carla" in html and "dan" in html and "Test wave" in html


def test_a_release_and_any_details_without_words_of_their_own_are_shown_as_they_are(manager_client, organization, wave):
    audit.record(
        "release", organization=organization, wave=wave, actor="eve",
        responses=120, groups_shown=["Alpha Biz", "Beta IT"], thresholds={"k": 5, "note": "first"}, final=True,
    )  # fmt: skip

    html = manager_client.get(log_page(organization)).content.decode()

    assert "Figures released" in html
    assert "Responses in the release: 120" in html and "groups shown: Alpha Biz, Beta IT" in html
    assert "thresholds: k: 5; note: first" in html and "final: yes" in html


def test_the_log_of_one_organization_shows_none_of_another_s(manager_client, organization, wave):
    other = Organization.objects.create(name="Other Bank")
    audit.record("release", organization=other, actor="mallory")

    html = manager_client.get(log_page(organization)).content.decode()

    assert "mallory" not in html and "Nothing has been done yet." in html
    assert manager_client.get(log_page(other)).status_code == 404


def test_the_log_comes_a_page_at_a_time(manager_client, organization):
    start = timezone.now() - datetime.timedelta(days=1)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            organization=organization,
            actor=f"person{number:03}",
            action="release",
            created_at=start + datetime.timedelta(minutes=number),
        )  # fmt: skip
        for number in range(ENTRIES_PER_PAGE + 1)
    )

    first = manager_client.get(log_page(organization)).content.decode()
    second = manager_client.get(log_page(organization, page=2)).content.decode()

    assert f"person{ENTRIES_PER_PAGE:03}" in first and "person000" not in first
    assert "person000" in second and f"person{ENTRIES_PER_PAGE:03}" not in second
    assert "Page 1 of 2" in first and "Older entries" in first and "Newer entries" in second


def test_the_dashboard_links_each_organization_s_log(manager_client, organization):
    html = manager_client.get(reverse("dashboards:home")).content.decode()
    assert reverse("dashboards:audit_log", args=[organization.pk]) in html


def test_releases_are_logged_with_who_made_them_and_counts_of_the_whole_wave(manager_client, organization, wave):
    from surveys.closing import close_wave
    from surveys.models import Wave
    from surveys.releases import release_interim

    Wave.objects.filter(pk=wave.pk).update(interim_results=True)
    wave.refresh_from_db()
    stream = wave.value_streams.first()
    for _ in range(6):
        unanswered_response(wave, stream, "biz", submitted_on="2026-12-01")
    manager = manager_client.get("/dashboard/").wsgi_request.user
    release_interim(wave, user=manager)
    unanswered_response(wave, stream, "biz", submitted_on="2026-12-02")
    close_wave(wave)  # as the set-up page or the daily job do

    html = manager_client.get(log_page(organization)).content.decode()
    assert html.count("Figures released") == 2
    assert "Kind of release: Interim" in html and "Kind of release: Final" in html
    assert "Responses in the release: 6" in html and "Deleted at the close: too few to add: 1" in html
    assert manager.get_username() in html
