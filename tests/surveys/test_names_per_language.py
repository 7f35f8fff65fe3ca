"""Wave titles, organization and value stream names per language: respondents read them in their
language (pages and e-mails); staff pages, reports and exports keep the canonical name; the
set-up page and the admin edit them, and the audit log records the set-up's change."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from surveys import invitations
from surveys.models import AuditEntry, Organization, ValueStream, Wave
from tests.conftest import give_head_counts
from tests.respondents import ABOUT, BASE, REVIEW, THANKS, answer_pages, start, text

GERMAN = "de"


@pytest.fixture
def named_wave(wave, organization, value_streams):
    wave.titles = {"de": "Zusammenarbeit 2027"}
    wave.save()
    organization.names = {"de": "Testbank AG"}
    organization.save()
    value_streams[0].names = {"de": "Finanzierungsanwendungen"}
    value_streams[0].save()
    return wave


def in_language(language):
    """A respondent's browser that asks for `language` (the test instrument has English and German)."""
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def test_the_intro_shows_title_and_organization_in_the_respondent_s_language(named_wave):
    page = text(in_language(GERMAN).get(BASE))

    assert '<h1 class="h2">Zusammenarbeit 2027</h1>' in page
    assert "Testbank AG" in page
    assert "Test wave" not in page and "Test Bank" not in page


def test_a_language_without_its_own_name_falls_back_to_the_canonical_one(named_wave):
    page = text(in_language("en").get(BASE))

    assert '<h1 class="h2">Test wave</h1>' in page and "Test Bank" in page
    assert "Zusammenarbeit" not in page and "Testbank" not in page


def test_the_value_stream_choice_and_the_review_name_value_streams_in_the_respondent_s_language(
    named_wave, value_streams
):
    client = in_language(GERMAN)
    client.post(BASE)
    choice = text(client.get(ABOUT))
    start(client, value_streams[0])
    answer_pages(client)
    review = text(client.get(REVIEW))

    assert ">Finanzierungsanwendungen</option>" in choice and ">Investing applications</option>" in choice
    assert "Financing applications" not in choice
    assert "Finanzierungsanwendungen" in review and "Financing applications" not in review
    assert "Zusammenarbeit 2027" in review


def test_the_thank_you_page_names_the_wave_in_the_respondent_s_language(named_wave, value_streams):
    client = in_language(GERMAN)
    start(client, value_streams[0])
    answer_pages(client)
    client.post(REVIEW)

    assert "Zusammenarbeit 2027" in text(client.get(THANKS))


def test_a_personal_link_names_its_value_stream_in_the_respondent_s_language(named_wave, value_streams):
    give_head_counts(named_wave)
    [(_, token)] = invitations.create_invitations(named_wave, value_streams[0], "biz", 1)
    client = in_language(GERMAN)
    client.get(f"/i/{token}/")
    client.post(BASE)

    assert "Finanzierungsanwendungen" in text(client.get(ABOUT))


def test_the_invitation_e_mail_uses_the_names_of_its_language(named_wave, value_streams):
    named_wave.languages = ["de", "en"]  # the e-mail speaks the wave's first language
    named_wave.save()
    give_head_counts(named_wave)
    build_url = invitations.link_builder("https://survey.example.org")

    with translation.override("en"):  # whatever the language of the change manager's page
        invitations.send_invitations(named_wave, value_streams[0], "it", ["ana@example.org"], build_url)
        invitations.send_reminders(named_wave, build_url)

    invitation, reminder = mail.outbox
    for message in (invitation, reminder):
        assert "«Zusammenarbeit 2027»" in message.subject
        assert "Testbank AG" in message.body and "«Finanzierungsanwendungen»" in message.body
        assert "Test wave" not in message.body + message.subject and "Financing applications" not in message.body


def test_the_invitation_e_mail_keeps_the_canonical_names_where_its_language_has_none(named_wave, value_streams):
    named_wave.languages = ["en"]
    named_wave.save()
    give_head_counts(named_wave)
    invitations.send_invitations(
        named_wave, value_streams[0], "it", ["ana@example.org"], invitations.link_builder("https://x.example")
    )

    [message] = mail.outbox
    assert message.subject == 'Your personal link to the survey "Test wave"'
    assert "Test Bank" in message.body and '"Financing applications"' in message.body


# --- staff pages and the set-up --------------------------------------------------------------


def test_staff_pages_keep_the_canonical_names_in_any_language(named_wave, manager_client):
    page = text(manager_client.get(reverse("dashboards:wave", args=[named_wave.slug]), HTTP_ACCEPT_LANGUAGE=GERMAN))

    assert "Test wave" in page and "Zusammenarbeit 2027" not in page


def set_up_data(wave, **changes):
    return {
        "title": wave.title,
        "slug": wave.slug,
        "instrument": wave.instrument.pk,
        "value_streams": [stream.pk for stream in wave.value_streams.all()],
        "opens_at": "2027-03-01T08:00",
        "closes_at": "",
        "status": "draft",
        "anonymity_threshold": str(wave.anonymity_threshold),
        "languages": [],
        "new_value_streams": "",
        "access": "open",
        **changes,
    }


def test_the_set_up_page_edits_the_titles_per_language_and_the_audit_log_records_the_change(
    organization, instrument, value_streams, manager_client
):
    created = manager_client.post(
        reverse("dashboards:wave_create", args=[organization.pk]),
        {**set_up_data_for_new(instrument, value_streams), "title_de": "Frühling 2027", "title_fr": "  "},
    )
    assert created.status_code == 302, text(created)
    wave = Wave.objects.get(slug="spring-2027")
    assert wave.title == "Spring 2027" and wave.titles == {"de": "Frühling 2027"}

    edit = reverse("dashboards:wave_edit", args=[wave.slug])
    form = text(manager_client.get(edit))
    assert 'value="Frühling 2027"' in form
    changed = manager_client.post(edit, set_up_data(wave, title_de="Frühjahr 2027", title_fr="Printemps 2027"))
    assert changed.status_code == 302, text(changed)

    wave.refresh_from_db()
    assert wave.titles == {"de": "Frühjahr 2027", "fr": "Printemps 2027"}
    assert wave.title == "Spring 2027"
    made, edited = AuditEntry.objects.filter(wave=wave).order_by("pk")
    assert {"field": "title_de", "old": None, "new": "Frühling 2027"} in made.details["changes"]
    assert sorted((c["field"], c["old"], c["new"]) for c in edited.details["changes"]) == [
        ("title_de", "Frühling 2027", "Frühjahr 2027"),
        ("title_fr", "", "Printemps 2027"),
    ]
    log = text(manager_client.get(reverse("dashboards:audit_log", args=[organization.pk])))
    assert "Title in German" in log and "Frühjahr 2027" in log


def set_up_data_for_new(instrument, value_streams):
    return {
        "title": "Spring 2027",
        "slug": "spring-2027",
        "instrument": instrument.pk,
        "value_streams": [stream.pk for stream in value_streams],
        "opens_at": "2027-03-01T08:00",
        "closes_at": "",
        "status": "draft",
        "anonymity_threshold": "5",
        "new_value_streams": "",
        "access": "open",
    }


def test_the_admin_edits_organization_and_value_stream_names_per_language(admin_client, organization, value_streams):
    stream = value_streams[0]
    reply = admin_client.post(
        reverse("admin:surveys_valuestream_change", args=[stream.pk]),
        {"organization": organization.pk, "name": stream.name, "name_de": "Finanzierung", "name_fr": ""},
    )
    assert reply.status_code == 302, text(reply)
    reply = admin_client.post(
        reverse("admin:surveys_organization_change", args=[organization.pk]),
        {
            "name": organization.name,
            "name_fr": "Banque de test",
            "value_streams-TOTAL_FORMS": "2",
            "value_streams-INITIAL_FORMS": "2",
            "value_streams-0-id": value_streams[0].pk,
            "value_streams-0-organization": organization.pk,
            "value_streams-0-name": value_streams[0].name,
            "value_streams-0-name_de": "Finanzierung",
            "value_streams-1-id": value_streams[1].pk,
            "value_streams-1-organization": organization.pk,
            "value_streams-1-name": value_streams[1].name,
            "value_streams-1-name_en": "Investing",
        },
    )
    assert reply.status_code == 302, text(reply)

    assert Organization.objects.get().names == {"fr": "Banque de test"}
    assert dict(ValueStream.objects.values_list("name", "names")) == {
        "Financing applications": {"de": "Finanzierung"},
        "Investing applications": {"en": "Investing"},
    }
    assert admin_client.get(reverse("admin:surveys_organization_change", args=[organization.pk])).status_code == 200


def test_the_admin_edits_a_wave_s_titles_per_language_and_logs_it_as_the_set_up_page_does(admin_client, wave):
    change = reverse("admin:surveys_wave_change", args=[wave.pk])
    data = {
        "title": wave.title,
        "slug": wave.slug,
        "organization": wave.organization.pk,
        "instrument": wave.instrument.pk,
        "value_streams": [stream.pk for stream in wave.value_streams.all()],
        "opens_at_0": timezone.localtime(wave.opens_at).strftime("%Y-%m-%d"),
        "opens_at_1": timezone.localtime(wave.opens_at).strftime("%H:%M:%S"),
        "status": wave.status,
        "access": wave.access,
        "languages": "[]",
        "anonymity_threshold": wave.anonymity_threshold,
        "title_de": "Testwelle",
        "head_counts-TOTAL_FORMS": "0",
        "head_counts-INITIAL_FORMS": "0",
    }

    reply = admin_client.post(change, data)

    assert reply.status_code == 302, text(reply)
    wave.refresh_from_db()
    assert wave.titles == {"de": "Testwelle"} and wave.title == "Test wave"
    [entry] = AuditEntry.objects.filter(action="wave_changed")
    assert entry.details["changes"] == [{"field": "title_de", "old": "", "new": "Testwelle"}]
