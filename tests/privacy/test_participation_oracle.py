"""Attack 4: nothing a change manager can do tells whether one invited person has answered.

The attack, as it worked: e-mail a list; someone answers (their invitation is deleted, the hash
of their address kept); revoke the unused links (which forgot their addresses); send to the same
list again: "Already invited, not sent again" named exactly the people who had answered. The
admin's search by address did the same: no row once that person had answered.

The test plays the whole story through the pages twice, once with Ana answering and once with
Ben answering instead, and requires the change manager to see the very same thing both times:
every page, notice, e-mail count and admin search. The same number of people answer in both
runs, so the counts per group that are allowed to be seen (responses, unused links) agree; what
differs is only who answered, and that must not show anywhere.
"""

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from surveys.models import HeadCount, Wave
from tests.conftest import make_wave

from .journeys import answer_with_link, change_manager, link_in, notice, page_text

PEOPLE = ["ana@example.org", "ben@example.org", "cleo@example.org"]
ADMIN_PERMISSIONS = ("surveys.view_invitation", "surveys.change_invitation")


@pytest.fixture
def wave(organization, instrument, value_streams):
    wave = make_wave(organization, instrument, value_streams, access=Wave.Access.INVITATION, status=Wave.Status.DRAFT)
    HeadCount.objects.create(wave=wave, value_stream=value_streams[0], biz=len(PEOPLE), it=4)
    return wave


def admin_rows(client, query=None):
    """How many invitations the admin lists to this person (searching for `query`), or its refusal."""
    reply = client.get(reverse("admin:surveys_invitation_changelist"), {"q": query} if query else {})
    return reply.context["cl"].result_count if reply.status_code == 200 else reply.status_code


def what_the_change_manager_sees(wave, stream, answerer):
    """The story, with `answerer` answering: everything the change manager sees, step by step."""
    manager = change_manager(wave.organization, admin_permissions=ADMIN_PERMISSIONS)
    invitations_page = reverse("dashboards:invitations", args=[wave.slug])
    overview = reverse("dashboards:wave", args=[wave.slug])
    send = {"action": "email", "email-value_stream": stream.pk, "email-side": "biz"}
    send["email-addresses"] = "\n".join(PEOPLE)
    revoke = {"action": "revoke", "revoke-value_stream": stream.pk, "revoke-side": "biz"}
    seen = {}

    def step(name, reply=None):
        seen[name] = {
            "notice": notice(reply) if reply is not None else None,
            "e-mails sent so far": len(mail.outbox),
            "invitations page": page_text(manager.get(invitations_page)),
            "overview": page_text(manager.get(overview)),
            "admin list": admin_rows(manager),
            "admin search for each person": [admin_rows(manager, address) for address in PEOPLE],
        }

    step("sent", manager.post(invitations_page, send))
    Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.OPEN)
    [message] = [message for message in mail.outbox if message.to == [answerer]]
    answer_with_link(link_in(message), wave)
    step("one has answered")
    seen["asked to remind"] = {"question": page_text(manager.post(invitations_page, {"action": "remind"}))}
    step("reminded", manager.post(invitations_page, {"action": "remind", "confirmed": "yes"}))
    seen["asked to revoke"] = {"question": page_text(manager.post(invitations_page, revoke))}
    step("revoked", manager.post(invitations_page, {**revoke, "confirmed": "yes"}))
    step("sent again", manager.post(invitations_page, send))
    return seen


def story(wave, stream, answerer):
    """One run of the story, undone afterwards so that the next run starts from the same database."""
    mail.outbox.clear()
    cache.clear()
    with transaction.atomic():
        seen = what_the_change_manager_sees(wave, stream, answerer)
        transaction.set_rollback(True)
    return seen


def test_nothing_the_change_manager_sees_tells_who_of_a_list_has_answered(wave, value_streams):
    with_ana = story(wave, value_streams[0], answerer="ana@example.org")
    with_ben = story(wave, value_streams[0], answerer="ben@example.org")

    assert with_ana["sent"]["notice"] == ("success", "Sent 3 invitations.")
    assert with_ana["sent again"]["notice"][0] == "warning"  # nobody gets a second link
    for step in with_ana:
        for what in with_ana[step]:
            assert with_ana[step][what] == with_ben[step][what], f"{what} after {step!r} tells who answered"
    assert len(mail.outbox) == 3 + 2  # the invitations and two reminders: no second link for anyone
