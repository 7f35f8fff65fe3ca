"""Every role against every staff page: the table a security review reads.

Organization A has a wave; the people are an anonymous visitor, a logged-in person without a
role, a researcher of A, a change manager of A, a change manager of B only, and an
administrator. A role that does not fit the page gets 403; the right role for another
organization gets 404, as if A's objects did not exist.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import Membership
from dashboards.models import RadiatorLink
from surveys.instrument_files import load_instrument
from surveys.models import Organization
from tests.conftest import give_head_counts, small_instrument_document
from tests.dashboards.conftest import import_wave, wave_rows

LOGIN, OK, FORBIDDEN, NOT_FOUND = "login", 200, 403, 404

# person -> expected outcome on a page of organization A
DASHBOARD_OUTCOME = {
    "anonymous": LOGIN,
    "no role": FORBIDDEN,
    "researcher of A": FORBIDDEN,
    "change manager of A": OK,
    "change manager of B": NOT_FOUND,
    "researcher of B": FORBIDDEN,
    "administrator": OK,
}

# person -> expected outcome on an export page of organization A (its wave is closed: exportable)
EXPORT_OUTCOME = {
    "anonymous": LOGIN,
    "no role": FORBIDDEN,
    "researcher of A": OK,
    "change manager of A": FORBIDDEN,
    "change manager of B": FORBIDDEN,
    "researcher of B": NOT_FOUND,
    "administrator": OK,
}


@pytest.fixture
def organization_a_wave(instrument):
    wave = import_wave(instrument, wave_rows(), organization="Organization A")
    give_head_counts(wave)  # so that links can be made for it
    return wave


@pytest.fixture
def people(organization_a_wave):
    a = organization_a_wave.organization
    b = Organization.objects.create(name="Organization B")
    users = get_user_model().objects
    people = {"anonymous": None, "no role": users.create_user("norole")}
    people["researcher of A"] = users.create_user("researcher")
    Membership.objects.create(user=people["researcher of A"], organization=a, role=Membership.Role.RESEARCHER)
    people["change manager of A"] = users.create_user("manager_a")
    Membership.objects.create(user=people["change manager of A"], organization=a, role=Membership.Role.CHANGE_MANAGER)
    people["change manager of B"] = users.create_user("manager_b")
    Membership.objects.create(user=people["change manager of B"], organization=b, role=Membership.Role.CHANGE_MANAGER)
    people["researcher of B"] = users.create_user("researcher_b")
    Membership.objects.create(user=people["researcher of B"], organization=b, role=Membership.Role.RESEARCHER)
    people["administrator"] = users.create_superuser("root", password="x")
    return people


def pages_of(wave):
    stream = wave.value_streams.order_by("name").first()
    slug = wave.slug
    return {
        "overview": reverse("dashboards:wave", args=[slug]),
        "responses csv": reverse("dashboards:wave_responses_csv", args=[slug]),
        "organization": reverse("dashboards:organization", args=[slug]),
        "pooled gaps csv": reverse("dashboards:pooled_gaps_csv", args=[slug]),
        "heatmap csv": reverse("dashboards:heatmap_csv", args=[slug]),
        "reliability csv": reverse("dashboards:reliability_csv", args=[slug]),
        "value stream": reverse("dashboards:value_stream", args=[slug, stream.pk]),
        "gaps csv": reverse("dashboards:gaps_csv", args=[slug, stream.pk]),
        "changes csv": reverse("dashboards:changes_csv", args=[slug]),
        "items": reverse("dashboards:items", args=[slug]),
        "items csv": reverse("dashboards:items_csv", args=[slug]),
        "report": reverse("dashboards:report", args=[slug]),
        "report pdf": reverse("dashboards:report_pdf", args=[slug]),
        "value stream report": reverse("dashboards:stream_report", args=[slug, stream.pk]),
        "value stream report pdf": reverse("dashboards:stream_report_pdf", args=[slug, stream.pk]),
        "trends": reverse("dashboards:trends", args=[wave.organization_id]),
        "trends csv": reverse("dashboards:trends_csv", args=[wave.organization_id]),
        "audit log": reverse("dashboards:audit_log", args=[wave.organization_id]),
        "wave set-up": reverse("dashboards:wave_edit", args=[slug]),
        "invitations": reverse("dashboards:invitations", args=[slug]),
        "new wave": reverse("dashboards:wave_create", args=[wave.organization_id]),
    }


def outcome(response):
    if response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")):
        return LOGIN
    return response.status_code


def client_for(client, person):
    if person is not None:
        client.force_login(person)
    return client


@pytest.mark.parametrize("person", list(DASHBOARD_OUTCOME))
def test_dashboard_pages_by_role(client, people, organization_a_wave, person):
    client = client_for(client, people[person])
    results = {page: outcome(client.get(url)) for page, url in pages_of(organization_a_wave).items()}
    assert results == dict.fromkeys(results, DASHBOARD_OUTCOME[person])


@pytest.mark.parametrize("person", list(DASHBOARD_OUTCOME))
def test_changes_posted_by_role_are_made_only_by_those_who_may(client, people, organization_a_wave, person):
    """The forms that change something, posted for real: anyone else gets login, 403 or 404 and changes nothing."""
    wave = organization_a_wave
    stream = wave.value_streams.order_by("name").first()
    client = client_for(client, people[person])
    posts = {
        "links for a mail merge": (
            reverse("dashboards:invitations", args=[wave.slug]),
            {"action": "links", "links-value_stream": stream.pk, "links-side": "it", "links-count": "2"},
        ),
        "closing the wave": (
            reverse("dashboards:wave_edit", args=[wave.slug]),
            {
                "title": "Taken over",
                "slug": wave.slug,
                "value_streams": [stream.pk],
                "opens_at": "2027-03-01T08:00",
                "status": "closed",
                "anonymity_threshold": "5",
                "access": "open",
            },
        ),
        "a new wave": (
            reverse("dashboards:wave_create", args=[wave.organization_id]),
            {"title": "Planted", "slug": "planted", "instrument": wave.instrument_id, "value_streams": [stream.pk]},
        ),
    }
    expected = DASHBOARD_OUTCOME[person]
    results = {name: outcome(client.post(url, data)) for name, (url, data) in posts.items()}
    wave.refresh_from_db()
    if expected == OK:
        assert results["links for a mail merge"] == 200 and wave.invitations.count() == 2
        assert results["closing the wave"] == 302 and wave.title == "Taken over"
    else:
        assert results == dict.fromkeys(results, expected)
        assert not wave.invitations.exists() and wave.title != "Taken over"
        assert not wave.organization.waves.filter(slug="planted").exists()


@pytest.mark.parametrize("person", list(EXPORT_OUTCOME))
def test_export_pages_by_role(client, people, organization_a_wave, person):
    client = client_for(client, people[person])
    slug = organization_a_wave.slug
    results = {
        page: outcome(client.get(reverse(f"exports:{page}", args=[slug])))
        for page in ("codebook", "codebook_json", "codebook_markdown")
    }
    results["download"] = outcome(
        client.post(reverse("exports:download", args=[slug]), {"format": "csv", "layout": "wide"})
    )
    assert results == dict.fromkeys(results, EXPORT_OUTCOME[person])
    if EXPORT_OUTCOME[person] == OK:  # the list shows the wave only to those who may export it
        assert slug in client.get(reverse("exports:home")).content.decode()
    elif person == "researcher of B":
        assert slug not in client.get(reverse("exports:home")).content.decode()


@pytest.mark.parametrize("person", list(EXPORT_OUTCOME))
def test_instrument_pages_by_role(client, people, organization_a_wave, person):
    """An instrument A's researcher uploaded: the same table as the exports (B's researcher: 404)."""
    instrument = load_instrument(small_instrument_document(code="of-a")).instrument
    instrument.organizations.set([organization_a_wave.organization])
    load_instrument(small_instrument_document(code="of-a", version="0.9"))  # so that it compares
    client = client_for(client, people[person])
    results = {
        page: outcome(client.get(reverse(f"exports:instrument_{page}", args=[instrument.pk])))
        for page in ("download", "compare")
    }
    results["preview"] = outcome(client.get(reverse("exports:instrument_preview", args=[instrument.pk, "en", 1])))
    expected = EXPORT_OUTCOME[person]
    assert results == dict.fromkeys(results, expected)
    page = outcome(client.get(reverse("exports:instruments")))
    assert page == (OK if expected == NOT_FOUND else expected)  # B's researcher has the page, without A's version
    if page == OK:
        assert ("of-a v1.0" in client.get(reverse("exports:instruments")).content.decode()) == (expected == OK)


@pytest.mark.parametrize("person", list(DASHBOARD_OUTCOME))
def test_radiator_links_by_role(client, people, organization_a_wave, person):
    stream = organization_a_wave.value_streams.order_by("name").first()
    link, _ = RadiatorLink.create(stream, None)
    client = client_for(client, people[person])
    create = outcome(client.post(reverse("dashboards:create_radiator_link", args=[stream.pk])))
    revoke = outcome(client.post(reverse("dashboards:revoke_radiator_link", args=[link.pk])))
    expected = DASHBOARD_OUTCOME[person]
    assert create == expected
    assert revoke == (302 if expected == OK else expected)
    link.refresh_from_db()
    assert (link.revoked_at is not None) == (expected == OK)


@pytest.mark.parametrize(
    ("person", "sees_a"),
    [("change manager of A", True), ("change manager of B", False), ("administrator", True)],
)
def test_dashboard_home_lists_only_the_organizations_of_the_person(client, people, organization_a_wave, person, sees_a):
    html = client_for(client, people[person]).get(reverse("dashboards:home")).content.decode()
    assert ("Organization A" in html) == sees_a
    assert ("Organization B" in html) == (person != "change manager of A")


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("anonymous", 302),
        ("no role", 302),
        ("researcher of A", 302),
        ("change manager of A", 302),
        ("change manager of B", 302),
        ("researcher of B", 302),
        ("administrator", 200),
    ],
)
def test_the_admin_is_for_administrators(client, people, person, status):
    """Change managers work in the app; the Django admin stays with administrators (staff)."""
    assert client_for(client, people[person]).get(reverse("admin:index")).status_code == status


@pytest.mark.parametrize(
    ("person", "lands_on"),
    [
        ("anonymous", LOGIN),
        ("no role", FORBIDDEN),
        ("researcher of A", "exports:home"),
        ("change manager of A", "dashboards:home"),
        ("administrator", "dashboards:home"),
    ],
)
def test_after_login_each_person_lands_on_the_pages_of_their_role(client, people, person, lands_on):
    response = client_for(client, people[person]).get(reverse("accounts:start"))
    if lands_on in (LOGIN, FORBIDDEN):
        assert outcome(response) == lands_on
    else:
        assert response.status_code == 302 and response["Location"] == reverse(lands_on)


def test_the_menu_offers_what_the_roles_open(client, people):
    menu = client_for(client, people["researcher of A"]).get(reverse("exports:home")).content.decode()
    assert reverse("exports:home") in menu and reverse("dashboards:home") not in menu
    assert reverse("exports:instruments") in menu
    manager = Client()
    manager.force_login(people["change manager of A"])
    assert reverse("exports:instruments") not in manager.get(reverse("dashboards:home")).content.decode()
