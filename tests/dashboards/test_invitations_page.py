"""The change manager's invitations page: links for a mail merge, e-mails, reminders, revoking."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accounts.models import Membership
from accounts.secret_links import hash_token
from surveys.models import Invitation, Organization
from tests.conftest import give_head_counts


@pytest.fixture(autouse=True)
def head_counts(wave):
    give_head_counts(wave)


def page(wave):
    return reverse("dashboards:invitations", args=[wave.slug])


def test_links_for_a_mail_merge_are_downloaded_once_and_stored_as_hashes(manager_client, wave, value_streams):
    response = manager_client.post(
        page(wave), {"action": "links", "links-value_stream": value_streams[0].pk, "links-side": "it", "links-count": 3}
    )
    assert response["Content-Type"].startswith("text/csv") and response["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3 and {row["side"] for row in rows} == {"it"}
    tokens = [row["link"].rstrip("/").rsplit("/", 1)[1] for row in rows]
    stored = set(Invitation.objects.values_list("token_hash", flat=True))
    assert stored == {hash_token(token) for token in tokens}
    opened = manager_client.get(rows[0]["link"].replace("http://testserver", ""))
    assert opened.status_code == 302  # the link opens the questionnaire


def test_invitations_by_e_mail_and_reminders(manager_client, wave, value_streams):
    data = {"action": "email", "email-value_stream": value_streams[1].pk, "email-side": "biz"}
    html = manager_client.post(page(wave), {**data, "email-addresses": "a@example.org\nb@example.org"}).content.decode()
    assert "Sent 2 invitations." in html
    assert sorted(message.to[0] for message in mail.outbox) == ["a@example.org", "b@example.org"]
    assert "/i/" in mail.outbox[0].body

    html = manager_client.post(page(wave), {"action": "remind", "confirmed": "yes"}).content.decode()
    assert "Sent 2 reminders with new links." in html
    assert len(mail.outbox) == 4

    html = manager_client.post(page(wave), {**data, "email-addresses": "c@example.org"}).content.decode()
    assert "Sent 1 invitation." in html  # one, in the singular


def test_a_bad_address_sends_nothing_and_keeps_the_list(manager_client, wave, value_streams):
    data = {"action": "email", "email-value_stream": value_streams[0].pk, "email-side": "biz"}
    html = manager_client.post(page(wave), {**data, "email-addresses": "good@example.org\nnot-an-address"})
    html = html.content.decode()
    assert "Not e-mail addresses: not-an-address" in html
    assert "good@example.org\nnot-an-address" in html  # the textarea keeps what was typed
    assert not mail.outbox and not Invitation.objects.exists()


def test_revoking_a_batch_ends_those_links_only(manager_client, wave, value_streams):
    for stream, side in ((value_streams[0], "it"), (value_streams[0], "biz")):
        manager_client.post(
            page(wave), {"action": "links", "links-value_stream": stream.pk, "links-side": side, "links-count": 2}
        )
    html = manager_client.post(
        page(wave),
        {"action": "revoke", "revoke-value_stream": value_streams[0].pk, "revoke-side": "it", "confirmed": "yes"},
    ).content.decode()
    assert "Revoked 2 unused links" in html
    assert Invitation.objects.unused().filter(side="biz").count() == 2
    assert Invitation.objects.unused().filter(side="it").count() == 0


def test_a_change_manager_of_another_organization_gets_404(client, wave):
    user = get_user_model().objects.create_user("outsider")
    other = Organization.objects.create(name="Other")
    Membership.objects.create(user=user, organization=other, role=Membership.Role.CHANGE_MANAGER)
    client.force_login(user)
    assert client.get(page(wave)).status_code == 404
    assert client.post(page(wave), {"action": "remind"}).status_code == 404


def test_a_value_stream_outside_the_wave_is_refused(manager_client, wave, organization):
    from surveys.models import ValueStream

    outside = ValueStream.objects.create(organization=organization, name="Not in the wave")
    response = manager_client.post(
        page(wave), {"action": "links", "links-value_stream": outside.pk, "links-side": "it", "links-count": 1}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.exists()
