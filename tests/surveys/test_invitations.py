"""Personal invitations: one-time links per value stream and side, unlinkable from the answers."""

import base64
import csv
import datetime
import hashlib
import io
import os
import re
import stat
import threading

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, models, transaction
from django.test import Client
from django.utils import timezone, translation

from accounts.secret_links import INVITATION_LOOKUPS, hash_token
from surveys import invitations, questionnaire
from surveys.models import Answer, Draft, Invitation, InvitedAddress, Response, ValueStream, Wave
from tests.conftest import BrokenMailServer, give_head_counts, make_wave
from tests.respondents import (
    ABOUT,
    ANSWERS,
    BASE,
    PAGES,
    REVIEW,
    THANKS,
    checked,
    fields,
    page_url,
    text,
)

BASE_URL = "https://survey.example.org"
build_url = invitations.link_builder(BASE_URL)
TOKEN_PATTERN = re.compile(r"/i/([A-Za-z0-9_-]+)/")


def link_path(token):
    return f"/i/{token}/"


def token_in(message):
    return TOKEN_PATTERN.search(message.body).group(1)


def invite(wave, value_stream, side="biz", count=1):
    """Tokens of `count` new invitations."""
    return [token for _, token in invitations.create_invitations(wave, value_stream, side, count)]


def open_link(token, client=None):
    client = client or Client()
    reply = client.get(link_path(token))
    return client, reply


def answer_everything(client, **background):
    """From an opened link: intro → about you → every page. Leaves the review to the caller."""
    client.post(BASE)
    reply = client.post(ABOUT, background)
    assert reply.status_code == 302, text(reply)
    for number, codes in enumerate(PAGES, start=1):
        assert client.post(page_url(number), fields(codes)).status_code == 302


def submit_with(token, **background):
    """Open the link in a new browser, answer everything and submit; return that browser."""
    client, _ = open_link(token)
    answer_everything(client, **background)
    reply = client.post(REVIEW)
    assert reply.status_code == 302 and reply["Location"] == THANKS, text(reply)
    return client


@pytest.fixture
def invitation_wave(organization, instrument, value_streams):
    """The test wave (slug test-wave, so the questionnaire URLs are those of test_questionnaire), invitation only."""
    return make_wave(organization, instrument, value_streams, access=Wave.Access.INVITATION, head_count=50)


# --- tokens ------------------------------------------------------------------------------


def test_token_has_256_random_bits_and_only_its_hash_is_stored(invitation_wave, value_streams):
    pairs = invitations.create_invitations(invitation_wave, value_streams[0], "biz", 5)

    tokens = [token for _, token in pairs]
    assert len(set(tokens)) == 5
    for invitation, token in pairs:
        assert len(base64.urlsafe_b64decode(token + "=")) == 32  # 256 bits from secrets
        stored = Invitation.objects.get(pk=invitation.pk)
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        values = [str(getattr(stored, field.attname)) for field in Invitation._meta.concrete_fields]
        assert not any(token in value for value in values)


def test_invitations_are_for_a_value_stream_and_side_of_the_wave(invitation_wave, organization):
    foreign = organization.value_streams.create(name="Not in this wave")

    with pytest.raises(ValueError, match="not a value stream of the wave"):
        invitations.create_invitations(invitation_wave, foreign, "biz", 1)
    with pytest.raises(ValueError, match="not a side"):
        invitations.create_invitations(invitation_wave, invitation_wave.value_streams.first(), "ops", 1)
    assert not Invitation.objects.exists()


def test_a_token_finds_its_invitation_unused_or_revoked_and_a_used_one_like_an_unknown_one(
    invitation_wave, value_streams
):
    """What the link's page starts from (the page itself, for each case, is tested below)."""
    usable, used, revoked = invite(invitation_wave, value_streams[0], count=3)
    submit_with(used)
    invitations.revoke(Invitation.objects.get(token_hash=hash_token(revoked)))

    found = invitations.invitation_for_token(usable)
    assert found.token_hash == hash_token(usable) and found.state == "unused"
    assert invitations.invitation_for_token(revoked).state == "revoked"
    assert invitations.invitation_for_token(used) is None  # deleted at submission
    assert invitations.invitation_for_token("no-such-token") is None
    Wave.objects.filter(pk=invitation_wave.pk).update(status=Wave.Status.CLOSED)
    assert invitations.invitation_for_token(usable).wave.availability() == "closed"


# --- links for a mail merge --------------------------------------------------------------


def test_csv_rows_hold_value_stream_side_and_link(invitation_wave, value_streams):
    pairs = invitations.create_invitations(invitation_wave, value_streams[1], "it", 2)

    rows = list(invitations.invitations_csv_rows(pairs, build_url))

    assert invitations.CSV_HEADER == ["value_stream", "side", "link"]
    assert rows == [["Investing applications", "it", f"{BASE_URL}/i/{token}/"] for _, token in pairs]


def test_csv_quotes_a_value_stream_name_a_spreadsheet_would_run(invitation_wave, organization):
    stream = organization.value_streams.create(name="=HYPERLINK(1)")
    invitation_wave.value_streams.add(stream)
    give_head_counts(invitation_wave)

    [row] = invitations.invitations_csv_rows(
        invitations.create_invitations(invitation_wave, stream, "biz", 1), build_url
    )

    assert row[0] == "'=HYPERLINK(1)"


def test_invite_command_writes_a_csv_of_working_links(invitation_wave, value_streams, tmp_path, client):
    output = tmp_path / "links.csv"

    call_command(
        "invite", "test-wave", "--value-stream", "Financing applications", "--side", "biz",
        "--count", "3", "--output", str(output), "--base-url", BASE_URL,
    )  # fmt: skip

    with open(output, newline="", encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["value_stream", "side", "link"]
    assert len(rows) == 4 and {row[0] for row in rows[1:]} == {"Financing applications"}
    assert stat.S_IMODE(os.stat(output).st_mode) == 0o600  # live links: for the owner's eyes only
    assert Invitation.objects.filter(value_stream=value_streams[0], side="biz").count() == 3
    reply = client.get(rows[1][2].removeprefix(BASE_URL))
    assert reply.status_code == 302 and reply["Location"] == BASE


def test_invite_command_never_overwrites_a_links_file(invitation_wave, tmp_path):
    output = tmp_path / "links.csv"
    output.write_text("earlier links\n")

    with pytest.raises(CommandError, match="exists already"):
        call_command(
            "invite", "test-wave", "--value-stream", "Financing applications", "--side", "biz",
            "--count", "3", "--output", str(output), "--base-url", BASE_URL,
        )  # fmt: skip

    assert output.read_text() == "earlier links\n"
    assert not Invitation.objects.exists()


def test_invite_command_names_the_wave_s_value_streams_for_an_unknown_one(invitation_wave, tmp_path):
    with pytest.raises(CommandError, match='"Financing applications", "Investing applications"'):
        call_command(
            "invite", "test-wave", "--value-stream", "Payments", "--side", "biz",
            "--count", "3", "--output", str(tmp_path / "links.csv"), "--base-url", BASE_URL,
        )  # fmt: skip

    assert not (tmp_path / "links.csv").exists()


# --- links by e-mail ---------------------------------------------------------------------


def test_send_invitations_mails_each_address_its_own_working_link(invitation_wave, value_streams):
    sending = invitations.send_invitations(
        invitation_wave, value_streams[0], "it", ["ana@example.org", " ben@example.org\n", ""], build_url
    )

    assert sending.sent == ["ana@example.org", "ben@example.org"]
    assert [message.to for message in mail.outbox] == [["ana@example.org"], ["ben@example.org"]]
    message = mail.outbox[0]
    assert message.subject == 'Your personal link to the survey "Test wave"'
    assert "Financing applications" in message.body and "IT side" in message.body
    assert f"{BASE_URL}/i/" in message.body
    tokens = [token_in(message) for message in mail.outbox]
    assert tokens[0] != tokens[1]
    for token in tokens:
        assert open_link(token)[1]["Location"] == BASE
    assert set(Invitation.objects.values_list("email", flat=True)) == {"ana@example.org", "ben@example.org"}


def test_mail_speaks_the_wave_s_first_language_not_the_sender_s(invitation_wave, value_streams):
    invitation_wave.languages = ["de", "en"]  # a Swiss wave: German first
    invitation_wave.save()

    with translation.override("en"):  # the change manager's pages are in English
        invitations.send_invitations(invitation_wave, value_streams[0], "it", ["ana@example.org"], build_url)

    message = mail.outbox[0]
    assert message.subject == "Ihr persönlicher Link zur Umfrage «Test wave»"
    assert "Ihr persönlicher Link:" in message.body and "Your personal link" not in message.body


def test_mail_text_is_not_html_escaped(invitation_wave, organization):
    stream = organization.value_streams.create(name="R&D <tools>")
    invitation_wave.value_streams.add(stream)
    give_head_counts(invitation_wave)

    invitations.send_invitations(invitation_wave, stream, "biz", ["ana@example.org"], build_url)

    assert '"R&D <tools>"' in mail.outbox[0].body


def test_an_address_with_an_unused_invitation_gets_no_second_link(invitation_wave, value_streams):
    invitations.send_invitations(invitation_wave, value_streams[0], "biz", ["ana@example.org"], build_url)

    sending = invitations.send_invitations(
        invitation_wave, value_streams[1], "it", ["ANA@example.org", "ben@example.org", "ben@example.org"], build_url
    )

    assert sending.already_invited == ["ANA@example.org"]
    assert sending.sent == ["ben@example.org"]
    assert Invitation.objects.count() == 2 and len(mail.outbox) == 2


def test_an_address_that_has_answered_gets_no_second_link_and_looks_like_any_invited_one(
    invitation_wave, value_streams
):
    invitations.send_invitations(
        invitation_wave, value_streams[0], "biz", ["ana@example.org", "ben@example.org"], build_url
    )
    submit_with(token_in(mail.outbox[0]))  # Ana answers: her invitation, with her address, is gone
    assert not Invitation.objects.filter(email="ana@example.org").exists()

    sending = invitations.send_invitations(
        invitation_wave, value_streams[0], "biz", ["ana@example.org", "ben@example.org"], build_url
    )

    # Neither gets a second link, and the change manager cannot tell which of them has answered.
    assert sending.already_invited == ["ana@example.org", "ben@example.org"] and sending.sent == []
    assert len(mail.outbox) == 2 and Response.objects.count() == 1


def test_invited_addresses_are_kept_only_as_keyed_hashes(invitation_wave, value_streams):
    invitations.send_invitations(invitation_wave, value_streams[0], "biz", ["Ana@Example.org"], build_url)

    stored = InvitedAddress.objects.get()
    assert "ana" not in stored.address_hash.lower()
    assert stored.address_hash != hashlib.sha256(b"ana@example.org").hexdigest()  # keyed with the secret key
    assert stored.address_hash == invitations.address_hash(invitation_wave.pk, "ana@example.org")


def test_a_revoked_address_stays_invited_like_one_that_answered(invitation_wave, value_streams):
    """Forgetting a revoked address would tell who answered: only unused invitations can be revoked."""
    invitations.send_invitations(
        invitation_wave, value_streams[0], "biz", ["ana@example.org", "ben@example.org"], build_url
    )
    submit_with(token_in(mail.outbox[0]))  # Ana answers
    invitations.revoke(Invitation.objects.get())  # Ben's, the only one left

    sending = invitations.send_invitations(
        invitation_wave, value_streams[1], "biz", ["ana@example.org", "ben@example.org"], build_url
    )

    assert sending.sent == [] and sending.already_invited == ["ana@example.org", "ben@example.org"]
    assert InvitedAddress.objects.filter(wave=invitation_wave).count() == 2


def test_an_invitation_s_number_does_not_follow_the_order_of_the_list(invitation_wave, value_streams):
    """Numbered in list order, the invitation missing from the admin's list would name who answered."""
    addresses = [f"person{number:02}@example.org" for number in range(30)]

    sending = invitations.send_invitations(invitation_wave, value_streams[0], "biz", addresses, build_url)

    assert sending.sent == addresses  # sent in the order given
    assert list(Invitation.objects.order_by("pk").values_list("email", flat=True)) != addresses


def test_a_list_with_an_invalid_address_sends_nothing(invitation_wave, value_streams):
    with pytest.raises(ValueError, match="Not e-mail addresses: ben.example.org"):
        invitations.send_invitations(
            invitation_wave, value_streams[0], "biz", ["ana@example.org", "ben.example.org"], build_url
        )

    assert not Invitation.objects.exists() and mail.outbox == []


def test_links_the_mail_server_did_not_take_are_revoked(invitation_wave, value_streams):
    server = BrokenMailServer(accepted=1)

    with pytest.raises(invitations.SendingFailed) as failure:
        invitations.send_invitations(
            invitation_wave, value_streams[0], "biz", ["ana@example.org", "ben@example.org"], build_url, server
        )

    assert failure.value.sent == ["ana@example.org"] and failure.value.unsent == ["ben@example.org"]
    assert list(Invitation.objects.unused().values_list("email", flat=True)) == ["ana@example.org"]
    assert Invitation.objects.filter(revoked_on__isnull=False, email="").count() == 1
    assert open_link(token_in(server.outbox[0]))[1].status_code == 302
    # Ben's link never left, so nobody can have answered with it: his address may be sent one again.
    sending = invitations.send_invitations(
        invitation_wave, value_streams[0], "biz", ["ana@example.org", "ben@example.org"], build_url
    )
    assert sending.sent == ["ben@example.org"] and sending.already_invited == ["ana@example.org"]


def test_invite_command_mails_the_addresses_of_a_file(invitation_wave, value_streams, tmp_path):
    addresses = tmp_path / "people.txt"
    addresses.write_text("# Investing, business side\nana@example.org\n\nben@example.org\n")

    call_command(
        "invite", "test-wave", "--value-stream", "Investing applications", "--side", "biz",
        "--emails", str(addresses), "--base-url", BASE_URL,
    )  # fmt: skip

    assert sorted(message.to[0] for message in mail.outbox) == ["ana@example.org", "ben@example.org"]
    assert all(f"{BASE_URL}/i/" in message.body for message in mail.outbox)
    out = io.StringIO()
    call_command(
        "invite", "test-wave", "--value-stream", "Investing applications", "--side", "biz",
        "--emails", str(addresses), "--base-url", BASE_URL, stdout=out,
    )  # fmt: skip
    assert "Not sent to 2 addresses that were sent a link to this wave already" in out.getvalue()
    assert len(mail.outbox) == 2


# --- reminders ---------------------------------------------------------------------------


def test_reminders_go_to_unused_invitations_only(invitation_wave, value_streams):
    invitations.send_invitations(
        invitation_wave,
        value_streams[0],
        "biz",
        ["unused@example.org", "used@example.org", "revoked@example.org"],
        build_url,
    )
    invite(invitation_wave, value_streams[0])  # for a mail merge: no address to remind
    tokens = {message.to[0]: token_in(message) for message in mail.outbox}
    client, _ = open_link(tokens["used@example.org"])
    answer_everything(client)
    client.post(REVIEW)
    invitations.revoke(Invitation.objects.get(email="revoked@example.org"))
    mail.outbox.clear()

    reminded = invitations.send_reminders(invitation_wave, build_url)

    assert reminded == 1
    assert [message.to for message in mail.outbox] == [["unused@example.org"]]
    assert "replaces the one in our earlier e-mail" in mail.outbox[0].body


def test_a_reminder_replaces_the_link_and_keeps_the_answers(invitation_wave, value_streams):
    invitations.send_invitations(invitation_wave, value_streams[0], "biz", ["ana@example.org"], build_url)
    old_token = token_in(mail.outbox[0])
    client, _ = open_link(old_token)
    client.post(BASE)
    client.post(page_url(1), fields(PAGES[0]))

    invitations.send_reminders(invitation_wave, build_url)

    new_token = token_in(mail.outbox[1])
    assert new_token != old_token
    assert open_link(old_token)[1].status_code == 404
    later, reply = open_link(new_token)
    assert reply["Location"] == BASE
    assert "Continue where I left off" in text(later.get(BASE))
    page = text(later.get(page_url(1)))
    assert checked(page, "PCT1") == ["1"] and checked(page, "PCT3") == ["5"]


def test_reminders_need_an_open_wave(invitation_wave, value_streams):
    invitations.send_invitations(invitation_wave, value_streams[0], "biz", ["ana@example.org"], build_url)
    Wave.objects.filter(pk=invitation_wave.pk).update(status=Wave.Status.CLOSED)
    invitation_wave.refresh_from_db()

    with pytest.raises(ValueError, match="not open"):
        invitations.send_reminders(invitation_wave, build_url)

    with pytest.raises(CommandError, match="not open"):
        call_command("invite", "test-wave", "--remind", "--base-url", BASE_URL)
    assert len(mail.outbox) == 1


def test_a_reminder_the_mail_server_refuses_leaves_the_old_link_working(invitation_wave, value_streams):
    invitations.send_invitations(invitation_wave, value_streams[0], "biz", ["ana@example.org"], build_url)
    old_token = token_in(mail.outbox[0])

    with pytest.raises(invitations.SendingFailed):
        invitations.send_reminders(invitation_wave, build_url, BrokenMailServer(accepted=0))

    assert open_link(old_token)[1]["Location"] == BASE


def test_invite_command_sends_reminders(invitation_wave, value_streams):
    invitations.send_invitations(invitation_wave, value_streams[0], "biz", ["ana@example.org"], build_url)

    call_command("invite", "test-wave", "--remind", "--base-url", BASE_URL)

    assert len(mail.outbox) == 2 and mail.outbox[1].subject.startswith("Reminder:")


# --- the respondent with a personal link -------------------------------------------------


def test_the_link_leads_to_the_questionnaire_and_keeps_the_token_private(invitation_wave, value_streams):
    [token] = invite(invitation_wave, value_streams[0])

    client, reply = open_link(token)

    assert reply.status_code == 302 and reply["Location"] == BASE
    assert reply["Referrer-Policy"] == "no-referrer" and reply["Cache-Control"] == "no-store"
    intro = text(client.get(BASE))
    assert "Start the questionnaire" in intro
    assert "You came with a personal link" in intro


def test_the_same_link_resumes_on_another_device(invitation_wave, value_streams):
    [token] = invite(invitation_wave, value_streams[0])
    phone, _ = open_link(token)
    phone.post(BASE)
    phone.post(page_url(1), fields(PAGES[0]))

    desktop, _ = open_link(token)

    assert "Continue where I left off" in text(desktop.get(BASE))
    page = text(desktop.get(page_url(1)))
    assert checked(page, "PCT1") == ["1"] and checked(page, "PCT2") == ["2"] and checked(page, "PCT3") == ["5"]
    assert Draft.objects.get().key == f"inv-{Invitation.objects.get().pk}"  # keyed by the invitation, not a browser


def test_value_stream_and_side_come_from_the_invitation(invitation_wave, value_streams):
    [token] = invite(invitation_wave, value_streams[1], side="it")
    client, _ = open_link(token)
    client.post(BASE)

    page = text(client.get(ABOUT))
    reply = client.post(ABOUT, {"role": "po_sm"})

    assert "Investing applications" in page and "These come with your personal invitation." in page
    assert 'name="value_stream"' not in page and 'name="side"' not in page
    assert reply.status_code == 302 and reply["Location"] == page_url(1)
    data = Draft.objects.get().data
    assert (data["value_stream"], data["side"], data["role"]) == (value_streams[1].pk, "it", "po_sm")


@pytest.mark.parametrize(
    "posted",
    [
        {"value_stream": "OTHER", "side": "it"},
        {"side": "biz"},
        {"value_stream": "OTHER"},
        {"value_stream": ["OWN", "OTHER"]},
    ],
    ids=["other value stream", "other side", "other value stream only", "second value stream"],
)
def test_changing_the_invitation_s_value_stream_or_side_is_refused(invitation_wave, value_streams, posted):
    [token] = invite(invitation_wave, value_streams[1], side="it")
    client, _ = open_link(token)
    client.post(BASE)
    before = Draft.objects.get().data
    ids = {"OWN": str(value_streams[1].pk), "OTHER": str(value_streams[0].pk)}
    data = {
        name: [ids.get(v, v) for v in value] if isinstance(value, list) else ids.get(value, value)
        for name, value in posted.items()
    }

    reply = client.post(ABOUT, {**data, "role": "po_sm"})

    assert reply.status_code == 400
    assert "come with your personal invitation and cannot be changed" in text(reply)
    assert Draft.objects.get().data == before


def test_submitting_with_the_link_stores_the_response_and_uses_up_the_invitation(invitation_wave, value_streams):
    invitations.send_invitations(invitation_wave, value_streams[1], "it", ["ana@example.org"], build_url)
    client, _ = open_link(token_in(mail.outbox[0]))
    answer_everything(client, tenure_band="3-5")

    reply = client.post(REVIEW)

    assert reply.status_code == 302 and reply["Location"] == THANKS
    assert "Thank you!" in text(client.get(THANKS))
    response = Response.objects.get()
    assert (response.value_stream, response.side, response.tenure_band) == (value_streams[1], "it", "3-5")
    assert response.answers.count() == len(ANSWERS)
    assert not Invitation.objects.exists()  # deleted with its address: nothing names the person any more
    assert not Draft.objects.exists()


def test_after_a_submission_no_row_of_its_invitation_is_left(invitation_wave, value_streams):
    used, *others = invite(invitation_wave, value_streams[0], count=3)

    submit_with(used)

    assert Response.objects.count() == 1
    remaining = set(Invitation.objects.values_list("token_hash", flat=True))
    assert remaining == {hash_token(token) for token in others}
    assert not Invitation.objects.filter(token_hash=hash_token(used)).exists()
    assert Invitation.objects.unused().count() == 2


def test_a_used_link_looks_like_an_unknown_one_and_stores_nothing(invitation_wave, value_streams):
    [token] = invite(invitation_wave, value_streams[0])
    first, _ = open_link(token)
    second, _ = open_link(token)  # opened on a second device before the first one submitted
    answer_everything(first)
    first.post(REVIEW)

    used = open_link(token)[1]
    unknown = open_link("x" * 43)[1]
    second_review = second.post(REVIEW)
    second_start = second.post(BASE)

    assert used.status_code == unknown.status_code == 404
    assert used.content == unknown.content
    assert "It may have been used already" in text(used)
    assert "You have already answered this survey" in text(second_review)
    assert "You have already answered this survey" in text(second_start)
    assert Response.objects.count() == 1 and Answer.objects.count() == len(ANSWERS)
    assert not Draft.objects.exists()


@pytest.fixture(params=[Wave.Access.INVITATION, Wave.Access.OPEN])
def any_access_wave(request, organization, instrument, value_streams):
    """The test wave (slug test-wave) by personal invitation only, and with an open link as well."""
    return make_wave(organization, instrument, value_streams, access=request.param, head_count=50)


def test_a_device_whose_invitation_was_used_elsewhere_sees_already_submitted_everywhere(any_access_wave, value_streams):
    """The session still names the invitation, which no longer exists: never a new draft, not even by the open link."""
    [token] = invite(any_access_wave, value_streams[0])
    phone, _ = open_link(token)
    phone.post(BASE)  # started, then went on on the desktop
    desktop, _ = open_link(token)
    answer_everything(desktop)
    desktop.post(REVIEW)

    replies = [
        phone.get(BASE),
        phone.post(BASE),
        phone.get(ABOUT),
        phone.post(ABOUT, {"value_stream": value_streams[0].pk, "side": "biz"}),
        phone.get(page_url(1)),
        phone.post(page_url(1), fields(PAGES[0])),
        phone.get(REVIEW),
        phone.post(REVIEW),
        phone.get(THANKS),
    ]

    assert [reply.status_code for reply in replies] == [200] * len(replies)
    assert all("You have already answered this survey" in text(reply) for reply in replies)
    assert Response.objects.count() == 1 and not Draft.objects.exists()
    with pytest.raises(questionnaire.InvitationUsed):
        questionnaire.session_invitation(phone.session, any_access_wave)
    with pytest.raises(questionnaire.InvitationUsed):
        questionnaire.start_draft(phone.session, any_access_wave)
    assert not Draft.objects.exists()


def test_submitting_again_after_the_invitation_was_used_elsewhere_raises_already_submitted(
    invitation_wave, value_streams
):
    [token] = invite(invitation_wave, value_streams[0])
    phone, _ = open_link(token)
    answer_everything(phone)
    submit_with(token)  # the same link, on another device

    with pytest.raises(questionnaire.AlreadySubmitted):
        questionnaire.submit_draft(
            phone.session, invitation_wave, questionnaire.theme_pages(invitation_wave.instrument)
        )

    assert Response.objects.count() == 1


@pytest.mark.parametrize(
    "meanwhile",
    [
        lambda: Invitation.objects.all().delete(),  # as a concurrent submission with the same link commits
        lambda: Invitation.objects.update(revoked_on=timezone.localdate(), email=""),
    ],
    ids=["used", "revoked"],
)
def test_submission_fails_if_the_invitation_was_used_or_revoked_after_it_was_read(
    invitation_wave, value_streams, monkeypatch, meanwhile
):
    """The conditional DELETE in the submitting transaction is what refuses, and it rolls back the draft's deletion."""
    [token] = invite(invitation_wave, value_streams[0])
    client, _ = open_link(token)
    answer_everything(client)
    stale = Invitation.objects.get()
    meanwhile()
    monkeypatch.setattr(questionnaire, "session_invitation", lambda session, wave: stale)

    with pytest.raises(questionnaire.AlreadySubmitted):
        questionnaire.submit_draft(
            client.session, invitation_wave, questionnaire.theme_pages(invitation_wave.instrument)
        )

    assert not Response.objects.exists() and not Answer.objects.exists()
    assert Draft.objects.count() == 1
    assert [invitation.state for invitation in Invitation.objects.all()] in ([], ["revoked"])


@pytest.mark.parametrize("step", [ABOUT, page_url(1), REVIEW])
def test_a_step_whose_draft_went_with_a_submission_elsewhere_meanwhile_says_already_answered(
    invitation_wave, value_streams, monkeypatch, step
):
    """The other device commits after this request checked the invitation and before it reads the draft."""
    [token] = invite(invitation_wave, value_streams[0])
    phone, _ = open_link(token)
    answer_everything(phone)
    desktop, _ = open_link(token)
    find_draft = questionnaire.find_draft

    def after_the_other_device_submitted(session, wave):
        Invitation.objects.all().delete()
        Draft.objects.all().delete()
        return find_draft(session, wave)

    monkeypatch.setattr(questionnaire, "find_draft", after_the_other_device_submitted)

    reply = desktop.post(step)

    assert reply.status_code == 200 and "You have already answered this survey" in text(reply)


def test_a_revoked_link_looks_like_an_unknown_one(invitation_wave, value_streams):
    [token] = invite(invitation_wave, value_streams[0])
    invitations.revoke(Invitation.objects.get())

    revoked = open_link(token)[1]
    unknown = open_link("x" * 43)[1]

    assert revoked.status_code == unknown.status_code == 404
    assert "This link does not open a questionnaire" in text(revoked)
    assert revoked.content == unknown.content


def test_revoking_stops_a_questionnaire_in_progress_and_deletes_its_answers(invitation_wave, value_streams):
    invitations.send_invitations(invitation_wave, value_streams[0], "biz", ["ana@example.org"], build_url)
    client, _ = open_link(token_in(mail.outbox[0]))
    answer_everything(client)
    invitation = Invitation.objects.get()

    assert invitations.revoke(invitation) is True

    reply = client.post(REVIEW)
    assert reply.status_code == 403 and "This link does not open a questionnaire" in text(reply)
    assert not Response.objects.exists() and not Draft.objects.exists()
    assert (invitation.revoked_on, invitation.email) == (timezone.localdate(), "")
    assert invitations.revoke(invitation) is False


def test_a_used_invitation_cannot_be_revoked(invitation_wave, value_streams):
    [token] = invite(invitation_wave, value_streams[0])
    invitation = Invitation.objects.get()  # read before it is used, e.g. on an admin page
    submit_with(token)

    assert invitations.revoke(invitation) is False
    assert not Invitation.objects.exists() and Response.objects.count() == 1


def test_closing_erases_unused_links_addresses_and_drafts_and_keeps_the_responses(invitation_wave, value_streams):
    invitations.send_invitations(
        invitation_wave, value_streams[0], "biz", ["ana@example.org", "ben@example.org"], build_url
    )
    ana, ben = (token_in(message) for message in mail.outbox)
    submit_with(ana)
    client, _ = open_link(ben)
    answer_everything(client)  # Ben stops before the review: his answers wait in a draft
    other_wave = make_wave(
        invitation_wave.organization, invitation_wave.instrument, value_streams, slug="still-open", head_count=50
    )
    invitations.send_invitations(other_wave, value_streams[0], "biz", ["cleo@example.org"], build_url)
    Wave.objects.filter(pk=invitation_wave.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))

    call_command("close_waves", stdout=io.StringIO())

    invitation_wave.refresh_from_db()
    assert invitation_wave.status == Wave.Status.CLOSED  # re-opening it is a deliberate act
    assert not invitation_wave.invitations.exclude(email="").exists()
    assert not invitation_wave.invitations.unused().exists()
    assert not Draft.objects.filter(wave=invitation_wave).exists()
    assert not InvitedAddress.objects.filter(wave=invitation_wave).exists()
    assert Response.objects.filter(wave=invitation_wave).count() == 1  # answers stay
    # Re-opened, the old link still opens nothing.
    Wave.objects.filter(pk=invitation_wave.pk).update(status=Wave.Status.OPEN, closes_at=None)
    assert open_link(ben)[1].status_code == 404
    # The open wave keeps its invitation and address.
    assert other_wave.invitations.get().email == "cleo@example.org"
    assert InvitedAddress.objects.filter(wave=other_wave).count() == 1
    output = io.StringIO()
    call_command("close_waves", stdout=output)  # nothing left to erase
    assert "0 closed waves tidied" in output.getvalue()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"status": Wave.Status.CLOSED}, "This survey is closed"),
        ({"closes_at": timezone.now() - datetime.timedelta(minutes=1)}, "This survey is closed"),
        ({"status": Wave.Status.DRAFT}, "This survey is not open yet"),
    ],
    ids=["closed", "past its closing time", "not yet open"],
)
def test_a_link_to_a_wave_that_is_not_open_shows_the_unavailable_page(invitation_wave, value_streams, changes, message):
    [token] = invite(invitation_wave, value_streams[0])
    client, _ = open_link(token)
    answer_everything(client)
    Wave.objects.filter(pk=invitation_wave.pk).update(opens_at=timezone.now() - datetime.timedelta(days=5), **changes)

    link_reply = open_link(token)[1]
    review_reply = client.post(REVIEW)

    assert link_reply.status_code == 200 and message in text(link_reply)
    assert review_reply.status_code == 403 and message in text(review_reply)
    assert not Response.objects.exists()
    assert Invitation.objects.unused().count() == 1


def test_an_unused_invitation_stops_working_when_the_wave_closes(invitation_wave, value_streams):
    [token] = invite(invitation_wave, value_streams[0])
    Wave.objects.filter(pk=invitation_wave.pk).update(status=Wave.Status.CLOSED)

    assert "This survey is closed" in text(open_link(token)[1])
    assert not Draft.objects.exists()


# --- unlinkable --------------------------------------------------------------------------


def test_a_response_keeps_no_reference_to_an_invitation_and_no_time_of_day():
    for model in (Response, Invitation, Answer, Draft):
        fine_times = [
            field.name
            for field in model._meta.get_fields()
            if isinstance(field, (models.DateTimeField, models.TimeField))
        ]
        assert fine_times == [], model
    response_relations = {field.related_model for field in Response._meta.get_fields() if field.is_relation}
    invitation_relations = {field.related_model for field in Invitation._meta.get_fields() if field.is_relation}
    assert Invitation not in response_relations
    assert Response not in invitation_relations and Answer not in invitation_relations


def test_an_invitation_has_no_field_that_could_hold_a_response_or_a_time():
    """The whole list, so that a new field (a day of use, a response id as a number) has to pass a review here."""
    fields_ = {field.name: type(field) for field in Invitation._meta.concrete_fields}

    assert fields_ == {
        "id": models.BigAutoField,
        "wave": models.ForeignKey,
        "value_stream": models.ForeignKey,
        "side": models.CharField,
        "token_hash": models.CharField,
        "created_on": models.DateField,
        "revoked_on": models.DateField,
        "email": models.EmailField,
    }
    relations = {field.related_model for field in Invitation._meta.get_fields() if field.is_relation}
    assert relations == {Wave, ValueStream}  # nothing points to or from a Response, an Answer or a Draft


def test_after_submission_the_browser_session_holds_no_invitation(invitation_wave, value_streams):
    [token] = invite(invitation_wave, value_streams[0])
    client, _ = open_link(token)
    answer_everything(client)
    pk = Invitation.objects.get().pk

    client.post(REVIEW)

    session = dict(client.session.items())
    assert session[questionnaire.SESSION_INVITATIONS] == {}
    assert f"inv-{pk}" not in str(session) and pk not in session[questionnaire.SESSION_INVITATIONS].values()


def test_the_database_refuses_an_address_on_a_revoked_invitation(invitation_wave, value_streams):
    invitations.send_invitations(invitation_wave, value_streams[0], "biz", ["ana@example.org"], build_url)

    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.update(revoked_on=timezone.localdate())


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_no_live_row_shares_the_submitting_transaction_with_the_response(invitation_wave, value_streams):
    """PostgreSQL stamps each row version with the id of the transaction that wrote it (xmin).

    Had the submission updated the invitation, `SELECT xmin` would pair it with its response.
    Here only the response and its answers carry that id; every other live row of every table
    was written by another transaction.
    """
    if connection.vendor != "postgresql":
        pytest.skip("xmin is PostgreSQL's")
    used, *others = invite(invitation_wave, value_streams[0], count=3)
    invitations.send_invitations(invitation_wave, value_streams[0], "biz", ["ana@example.org"], build_url)
    open_link(others[0])[0].post(BASE)  # another respondent's draft in progress

    submit_with(used)

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text FROM {Response._meta.db_table}")
        [(response_xmin,)] = cursor.fetchall()
        sharing = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT count(*) FROM "{table}" WHERE xmin::text = %s', [response_xmin])
            count = cursor.fetchone()[0]
            if count:
                sharing[table] = count
        cursor.execute(f"SELECT xmin::text FROM {Invitation._meta.db_table}")
        invitation_xmins = {xmin for (xmin,) in cursor.fetchall()}

    # The probe works: the answers were written by the response's transaction, and it finds them.
    assert sharing == {Response._meta.db_table: 1, Answer._meta.db_table: len(ANSWERS)}
    assert len(invitation_xmins) >= 1 and response_xmin not in invitation_xmins
    assert Invitation.objects.count() == 3


# --- access: open link or invitations only -----------------------------------------------


def test_an_invitation_only_wave_refuses_the_open_link(client, invitation_wave, value_streams):
    replies = [
        client.get(BASE),
        client.post(BASE),
        client.post(ABOUT, {"value_stream": value_streams[0].pk, "side": "biz"}),
        client.post(page_url(1), fields(PAGES[0])),
        client.post(REVIEW),
    ]

    assert [reply.status_code for reply in replies] == [403] * 5
    assert all("This survey is answered with personal links only." in text(reply) for reply in replies)
    assert not Draft.objects.exists() and not Response.objects.exists()


def test_submitting_to_an_invitation_only_wave_without_an_invitation_is_refused(invitation_wave):
    with pytest.raises(questionnaire.InvitationRequired):
        questionnaire.submit_draft({}, invitation_wave, questionnaire.theme_pages(invitation_wave.instrument))


def test_an_invitation_opens_only_its_own_wave(invitation_wave, organization, instrument, value_streams):
    other = make_wave(
        organization, instrument, value_streams, slug="other-wave", access=Wave.Access.INVITATION, head_count=50
    )
    [token] = invite(other, value_streams[0])
    client, _ = open_link(token)

    assert client.get(BASE).status_code == 403
    assert client.get("/s/other-wave/").status_code == 200


def test_open_link_waves_answer_as_before(client, wave, value_streams):
    assert wave.access == Wave.Access.OPEN
    client.post(BASE)
    client.post(ABOUT, {"value_stream": value_streams[0].pk, "side": "biz"})
    for number, codes in enumerate(PAGES, start=1):
        client.post(page_url(number), fields(codes))

    assert client.post(REVIEW)["Location"] == THANKS
    assert Response.objects.count() == 1 and not Invitation.objects.exists()


def test_invitations_to_an_open_wave_work_too(wave, value_streams):
    give_head_counts(wave)
    [token] = invite(wave, value_streams[0], side="it")
    client, _ = open_link(token)
    answer_everything(client)

    client.post(REVIEW)

    assert Response.objects.get().side == "it" and not Invitation.objects.exists()


def test_a_new_invitation_on_a_shared_computer_is_a_new_respondent(invitation_wave, value_streams):
    first, second = invite(invitation_wave, value_streams[0], count=2)
    client, _ = open_link(first)
    answer_everything(client)
    client.post(REVIEW)

    open_link(second, client)
    answer_everything(client)
    reply = client.post(REVIEW)

    assert reply["Location"] == THANKS
    assert Response.objects.count() == 2 and Invitation.objects.unused().count() == 0


# --- rate limit --------------------------------------------------------------------------


def test_too_many_unknown_links_from_one_address_are_refused(invitation_wave, value_streams):
    [token] = invite(invitation_wave, value_streams[0])
    client = Client(REMOTE_ADDR="203.0.113.7")

    guesses = [client.get(link_path(f"guess{n}")).status_code for n in range(INVITATION_LOOKUPS.limit)]
    refused = client.get(link_path("one-more"))
    valid = client.get(link_path(token))

    assert guesses == [404] * INVITATION_LOOKUPS.limit
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 60
    assert "Too many attempts" in text(refused)
    assert valid.status_code == 302  # only failed lookups are refused (tests/privacy/test_rate_limit.py)


def test_valid_links_from_one_office_address_are_not_limited(invitation_wave, value_streams):
    tokens = invite(invitation_wave, value_streams[0], count=INVITATION_LOOKUPS.limit + 5)

    statuses = {Client(REMOTE_ADDR="203.0.113.7").get(link_path(token)).status_code for token in tokens}

    assert statuses == {302}


# --- admin -------------------------------------------------------------------------------


def test_admin_lists_invitations_without_tokens_and_revokes_them(admin_client, invitation_wave, value_streams):
    invitations.send_invitations(invitation_wave, value_streams[0], "biz", ["ana@example.org"], build_url)
    [token] = invite(invitation_wave, value_streams[0])
    stored = list(Invitation.objects.values_list("pk", "token_hash"))

    page = admin_client.get("/admin/surveys/invitation/").content.decode()
    reply = admin_client.post(
        "/admin/surveys/invitation/",
        {"action": "revoke_selected", "_selected_action": [pk for pk, _ in stored]},
    )

    assert all(token_hash not in page for _, token_hash in stored) and token not in page
    assert "ana@example.org" not in page
    assert reply.status_code == 302
    assert Invitation.objects.unused().count() == 0
    assert admin_client.get(f"/admin/surveys/invitation/{stored[0][0]}/change/").status_code == 200
    assert admin_client.get("/admin/surveys/invitation/?revoked_on__isempty=1").status_code == 200


# --- two submissions at once -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_simultaneous_submissions_with_one_link_store_one_response(
    invitation_wave, value_streams, connection_per_thread, attempt
):
    [token] = invite(invitation_wave, value_streams[0])
    phone, _ = open_link(token)
    desktop, _ = open_link(token)
    answer_everything(phone)
    start = threading.Barrier(2)
    replies = {}

    def submit(name, client):
        connection_per_thread()
        try:
            start.wait()
            replies[name] = client.post(REVIEW)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=pair) for pair in (("phone", phone), ("desktop", desktop))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stored = [name for name, reply in replies.items() if reply.status_code == 302 and reply["Location"] == THANKS]
    refused = [name for name, reply in replies.items() if "You have already answered this survey" in text(reply)]
    assert len(stored) == 1 and len(refused) == 1 and set(stored + refused) == {"phone", "desktop"}
    assert Response.objects.count() == 1 and Answer.objects.count() == len(ANSWERS)
    assert not Invitation.objects.exists() and not Draft.objects.exists()
