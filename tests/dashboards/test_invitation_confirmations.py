"""Revoking links and sending reminders ask first, on a page of their own (no JavaScript needed),
and nothing happens until the change manager confirms; the invitations page says on which day
reminders last went out, from the audit log."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from surveys.models import AuditEntry, Invitation
from tests.conftest import give_head_counts, make_wave


@pytest.fixture(autouse=True)
def head_counts(wave):
    give_head_counts(wave)


def page(wave):
    return reverse("dashboards:invitations", args=[wave.slug])


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def hidden_fields(response):
    """The form of a confirmation page, as the browser would post it back."""
    html = response.content.decode()
    [form] = re.findall(r'<form method="post" action="[^"]*invitations/"[^>]*>(.*?)</form>', html, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields.pop("csrfmiddlewaretoken", None)
    return fields


def send(manager_client, wave, stream, side, addresses):
    data = {"action": "email", "email-value_stream": stream.pk, "email-side": side}
    manager_client.post(page(wave), {**data, "email-addresses": "\n".join(addresses)})


def test_revoking_asks_first_and_revokes_only_once_confirmed(manager_client, wave, value_streams):
    send(manager_client, wave, value_streams[0], "it", ["a@example.org", "b@example.org"])
    revoke = {"action": "revoke", "revoke-value_stream": value_streams[0].pk, "revoke-side": "it"}

    asked = manager_client.post(page(wave), revoke)

    assert "Revoke all 2 unused links of Financing applications, IT?" in text(asked)
    assert "cannot be undone" in text(asked)
    assert Invitation.objects.unused().count() == 2  # nothing revoked yet
    assert f'href="{page(wave)}"' in asked.content.decode()  # "No, go back"

    done = manager_client.post(page(wave), hidden_fields(asked))

    assert "Revoked 2 unused links" in text(done)
    assert Invitation.objects.unused().count() == 0


def test_reminding_asks_first_and_sends_only_once_confirmed(manager_client, wave, value_streams):
    send(manager_client, wave, value_streams[0], "biz", ["a@example.org", "b@example.org", "c@example.org"])
    mail.outbox.clear()

    asked = manager_client.post(page(wave), {"action": "remind"})

    assert "Send a reminder to each of the 3 unused invitations sent by e-mail?" in text(asked)
    assert not mail.outbox

    done = manager_client.post(page(wave), hidden_fields(asked))

    assert "Sent 3 reminders with new links." in text(done)
    assert len(mail.outbox) == 3


def test_an_invalid_revoke_form_shows_its_errors_without_asking(manager_client, wave):
    response = manager_client.post(page(wave), {"action": "revoke", "revoke-value_stream": "", "revoke-side": "it"})

    assert "This field is required." in text(response)
    assert "Are you sure" not in text(response)


def test_the_page_says_when_reminders_were_last_sent_the_day_only(manager_client, wave, value_streams):
    assert "No reminders sent yet." in text(manager_client.get(page(wave)))
    send(manager_client, wave, value_streams[0], "biz", ["a@example.org"])
    manager_client.post(page(wave), {"action": "remind", "confirmed": "yes"})
    day = timezone.localdate()
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REMINDERS_SENT)
    assert timezone.localtime(entry.created_at).date() == day

    html = text(manager_client.get(page(wave)))

    assert f"Reminders were last sent on {date_format(day)}." in html
    time_of_day = timezone.localtime(entry.created_at).strftime("%H:%M")
    assert time_of_day not in html


def test_the_reminders_of_this_wave_count_not_another_s(manager_client, wave, organization, instrument, value_streams):
    other = make_wave(organization, instrument, value_streams, slug="other-wave")
    long_ago = timezone.now() - datetime.timedelta(days=40)
    AuditEntry.objects.create(
        organization=organization, wave=wave, actor="x", action="reminders_sent", created_at=long_ago
    )
    AuditEntry.objects.create(organization=organization, wave=other, actor="x", action="reminders_sent")

    day = timezone.localtime(long_ago).date()
    assert f"Reminders were last sent on {date_format(day)}." in text(manager_client.get(page(wave)))


@pytest.mark.parametrize(
    ("language", "question", "button"),
    [
        ("de", "Alle 2 unbenutzten Links von Financing applications, IT widerrufen?", "Ja, widerrufen"),
        # French: a no-break space before "?", which the page's text reads as a space.
        ("fr", "Révoquer les 2 liens inutilisés de Financing applications, IT ?", "Oui, les révoquer"),
    ],
)
def test_the_question_is_asked_in_the_page_s_language(manager_client, wave, value_streams, language, question, button):
    send(manager_client, wave, value_streams[0], "it", ["a@example.org", "b@example.org"])
    revoke = {"action": "revoke", "revoke-value_stream": value_streams[0].pk, "revoke-side": "it"}

    asked = manager_client.post(page(wave), revoke, HTTP_ACCEPT_LANGUAGE=language)

    assert question in text(asked) and button in text(asked)
