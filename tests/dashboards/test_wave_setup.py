"""A change manager sets up a wave in the app: what it stores, what it refuses, what it keeps."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import Membership
from surveys.instrument_files import load_instrument
from surveys.invitations import send_invitations
from surveys.models import Draft, HeadCount, ValueStream, Wave
from tests.conftest import small_instrument_document

from .conftest import import_wave, wave_rows


@pytest.fixture
def manager_client(manager_client, value_streams):
    """The shared change manager's client, with the organization's value streams made first."""
    return manager_client


def form_data(instrument, value_streams, **changes):
    data = {
        "title": "Spring 2027",
        "slug": "spring-2027",
        "instrument": instrument.pk,
        "value_streams": [vs.pk for vs in value_streams],
        "opens_at": "2027-03-01T08:00",
        "closes_at": "2027-03-21T18:00",
        "status": "open",
        "anonymity_threshold": "5",
        "languages": ["en", "de"],
        "new_value_streams": "",
        "access": "open",
    }
    data.update(changes)
    return data


def test_change_manager_creates_a_wave_with_streams_head_counts_and_languages(
    manager_client, organization, instrument, value_streams
):
    financing = value_streams[0]
    data = form_data(
        instrument,
        [financing],
        new_value_streams="Payments\n",
        access="invitation",
        **{f"head_biz_{financing.pk}": "12"},
    )
    data[f"head_it_{financing.pk}"] = "20"
    response = manager_client.post(reverse("dashboards:wave_create", args=[organization.pk]), data)
    wave = Wave.objects.get(slug="spring-2027")
    assert response.status_code == 302 and response["Location"] == reverse("dashboards:wave", args=[wave.slug])
    assert wave.organization == organization and wave.status == "open" and wave.anonymity_threshold == 5
    assert sorted(wave.value_streams.values_list("name", flat=True)) == ["Financing applications", "Payments"]
    assert ValueStream.objects.get(name="Payments").organization == organization
    assert wave.languages == ["en", "de"]
    assert wave.access == Wave.Access.INVITATION
    head_count = HeadCount.objects.get(wave=wave, value_stream=financing)
    assert (head_count.biz, head_count.it) == (12, 20)
    assert f"{wave.opens_at:%Y-%m-%d}" == "2027-03-01"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"anonymity_threshold": "2"}, "at least 3"),
        ({"closes_at": "2027-02-01T08:00"}, "must close after it opens"),
        ({"languages": ["it"]}, "Select a valid choice"),
        ({"value_streams": [], "new_value_streams": ""}, "Choose at least one value stream"),
        ({"new_value_streams": "Financing applications"}, "Already in the organization"),
        ({"slug": "not a slug!"}, "Enter a valid"),
        ({"value_streams": ["9999999999999999999999"]}, "is not a valid value"),
        ({"head_biz_<stream>": "9999999999999999999999"}, "less than or equal to 1000000"),
        ({"interim_results": "on", "status": "draft", "head_it_<stream>": "-1"}, "greater than or equal to 0"),
    ],
)
def test_bad_set_up_is_refused_with_a_message_and_keeps_what_was_typed(
    manager_client, organization, instrument, value_streams, changes, message
):
    changes = {name.replace("<stream>", str(value_streams[0].pk)): value for name, value in changes.items()}
    data = dict(form_data(instrument, value_streams, title="Typed title <kept>"), **changes)
    response = manager_client.post(reverse("dashboards:wave_create", args=[organization.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'value="Typed title &lt;kept&gt;"' in html
    assert not Wave.objects.filter(slug=data["slug"]).exists()


def test_languages_must_exist_in_the_instrument(manager_client, organization, value_streams):
    document = small_instrument_document(code="en-only")
    document["title"] = {"en": "English only"}
    english_only = load_instrument(document).instrument
    english_only.languages = ["en"]
    english_only.save()
    data = form_data(english_only, value_streams, languages=["de"])
    html = manager_client.post(reverse("dashboards:wave_create", args=[organization.pk]), data).content.decode()
    assert "The instrument has no texts in: de" in html


def test_a_value_stream_of_another_organization_cannot_be_chosen(manager_client, organization, instrument):
    from surveys.models import Organization

    foreign = ValueStream.objects.create(organization=Organization.objects.create(name="Elsewhere"), name="Theirs")
    data = form_data(instrument, [foreign])
    html = manager_client.post(reverse("dashboards:wave_create", args=[organization.pk]), data).content.decode()
    assert "Select a valid choice" in html
    assert not Wave.objects.filter(slug="spring-2027").exists()


def test_a_wave_with_responses_keeps_its_instrument_and_its_promised_threshold(client, instrument):
    wave = import_wave(instrument, wave_rows(), threshold=5)
    user = get_user_model().objects.create_user("manager")
    Membership.objects.create(user=user, organization=wave.organization, role=Membership.Role.CHANGE_MANAGER)
    client.force_login(user)
    other = load_instrument(small_instrument_document(code="other-oa")).instrument
    url = reverse("dashboards:wave_edit", args=[wave.slug])
    streams = list(wave.value_streams.all())
    lower = form_data(
        other, streams, slug=wave.slug, anonymity_threshold="4", closes_at="", opens_at="2020-01-01T00:00"
    )
    html = client.post(url, lower).content.decode()
    assert "can rise, but not fall below" in html
    wave.refresh_from_db()
    assert wave.anonymity_threshold == 5

    higher = dict(lower, anonymity_threshold="7")
    assert client.post(url, higher).status_code == 302
    wave.refresh_from_db()
    assert wave.anonymity_threshold == 7
    assert wave.instrument == instrument  # the disabled field ignores what was posted


def test_edit_page_shows_the_current_set_up(client, instrument):
    wave = import_wave(instrument, wave_rows())
    HeadCount.objects.create(wave=wave, value_stream=wave.value_streams.get(name="Beta"), biz=9, it=11)
    user = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(user)
    html = client.get(reverse("dashboards:wave_edit", args=[wave.slug])).content.decode()
    assert 'value="9"' in html and 'value="11"' in html
    assert "Fixed: the wave has responses" in html


def test_closing_a_wave_in_the_set_up_erases_its_unused_links_and_drafts(
    manager_client, organization, instrument, value_streams
):
    data = form_data(instrument, value_streams, **{f"head_it_{value_streams[0].pk}": "8"})
    manager_client.post(reverse("dashboards:wave_create", args=[organization.pk]), data)
    wave = Wave.objects.get(slug="spring-2027")
    send_invitations(wave, value_streams[0], "it", ["ana@example.org"], lambda token: f"https://x.org/i/{token}/")
    Draft.objects.create(key="session-draft", wave=wave, data={"answers": {"PCT1": "4"}})

    edit = reverse("dashboards:wave_edit", args=[wave.slug])
    response = manager_client.post(edit, {**data, "status": "closed"})

    assert response.status_code == 302
    invitation = wave.invitations.get()
    assert invitation.state == "revoked" and invitation.email == ""
    assert not Draft.objects.filter(wave=wave).exists()


def test_a_head_count_below_the_links_already_made_is_refused_and_keeps_what_was_typed(
    manager_client, organization, instrument, value_streams
):
    field = f"head_it_{value_streams[0].pk}"
    data = form_data(instrument, value_streams, status="draft", **{field: "8"})
    manager_client.post(reverse("dashboards:wave_create", args=[organization.pk]), data)
    wave = Wave.objects.get(slug="spring-2027")
    addresses = ["ana@example.org", "ben@example.org", "cleo@example.org"]
    send_invitations(wave, value_streams[0], "it", addresses, lambda token: f"https://x.org/i/{token}/")

    edit = reverse("dashboards:wave_edit", args=[wave.slug])
    html = manager_client.post(edit, {**data, field: "2"}).content.decode()
    emptied = manager_client.post(edit, {**data, field: ""}).content.decode()

    assert "3 links were issued for IT already: the head count cannot be less." in html
    assert f'name="{field}" id="id_{field}" value="2"' in html
    assert "3 links were issued for IT already" in emptied
    assert HeadCount.objects.get(wave=wave, value_stream=value_streams[0]).it == 8
    assert manager_client.post(edit, {**data, field: "3"}).status_code == 302
    assert HeadCount.objects.get(wave=wave, value_stream=value_streams[0]).it == 3
