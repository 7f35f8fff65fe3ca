"""Links for a value stream and side are bounded by its head count, fixed once the wave has opened.

The attack they stop is in tests/privacy/test_n_minus_one.py; here, what counts as a link and
what does not, and that the bound holds for requests at once.
"""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from surveys import invitations
from surveys.models import HeadCount, Invitation, Wave
from tests.conftest import BrokenMailServer, make_wave

build_url = invitations.link_builder("https://survey.example.org")


@pytest.fixture
def wave(organization, instrument, value_streams):
    wave = make_wave(organization, instrument, value_streams, access=Wave.Access.INVITATION, status=Wave.Status.DRAFT)
    HeadCount.objects.create(wave=wave, value_stream=value_streams[0], biz=3)
    return wave


def issued(wave, stream, side="biz"):
    return getattr(HeadCount.objects.get(wave=wave, value_stream=stream), f"{side}_links")


@pytest.mark.parametrize(
    ("status", "opens_in_days", "opened"),
    [
        (Wave.Status.DRAFT, -1, False),
        (Wave.Status.OPEN, 1, False),
        (Wave.Status.OPEN, -1, True),
        (Wave.Status.CLOSED, -1, True),
        (Wave.Status.CLOSED, 1, False),
    ],
)
def test_a_wave_has_opened_once_it_is_no_draft_and_its_opening_time_has_passed(status, opens_in_days, opened):
    wave = Wave(status=status, opens_at=timezone.now() + datetime.timedelta(days=opens_in_days))
    assert wave.has_opened() is opened


def test_links_up_to_the_head_count_are_made_and_no_more(wave, value_streams):
    invitations.create_invitations(wave, value_streams[0], "biz", 2)

    with pytest.raises(invitations.LinkLimitReached) as refused:
        invitations.create_invitations(wave, value_streams[0], "biz", 2)
    invitations.create_invitations(wave, value_streams[0], "biz", 1)

    assert (refused.value.head_count, refused.value.left, refused.value.wanted) == (3, 1, 2)
    assert Invitation.objects.count() == 3 and issued(wave, value_streams[0]) == 3
    assert invitations.links_left(wave, value_streams[0], "biz") == 0


@pytest.mark.parametrize(("stream", "side"), [(0, "it"), (1, "biz")])
def test_a_side_without_a_head_count_gets_no_links(wave, value_streams, stream, side):
    with pytest.raises(invitations.LinkLimitReached, match="it has none"):
        invitations.create_invitations(wave, value_streams[stream], side, 1)
    assert invitations.links_left(wave, value_streams[stream], side) is None
    assert not Invitation.objects.exists()


def test_used_and_revoked_links_keep_their_places(wave, value_streams):
    """Else revoking and making new links, or answering and making new ones, would give links without end."""
    invitations.create_invitations(wave, value_streams[0], "biz", 3)
    Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.OPEN)
    for invitation in Invitation.objects.all()[:2]:
        invitations.revoke(invitation)
    Invitation.objects.filter(revoked_on__isnull=True).delete()  # as a submission deletes it

    with pytest.raises(invitations.LinkLimitReached):
        invitations.create_invitations(wave, value_streams[0], "biz", 1)
    assert issued(wave, value_streams[0]) == 3


def test_links_the_mail_server_never_took_give_their_places_back(wave, value_streams):
    people = ["ana@example.org", "ben@example.org", "cleo@example.org"]

    with pytest.raises(invitations.SendingFailed):
        invitations.send_invitations(wave, value_streams[0], "biz", people, build_url, BrokenMailServer(accepted=1))
    assert issued(wave, value_streams[0]) == 1
    sending = invitations.send_invitations(wave, value_streams[0], "biz", people, build_url)

    assert sending.sent == people[1:] and sending.already_invited == people[:1]
    assert issued(wave, value_streams[0]) == 3


def test_an_address_already_invited_takes_no_place_and_a_refused_list_stores_nothing(wave, value_streams):
    invitations.send_invitations(wave, value_streams[0], "biz", ["ana@example.org", "ben@example.org"], build_url)

    with pytest.raises(invitations.LinkLimitReached) as refused:
        invitations.send_invitations(
            wave, value_streams[0], "biz", ["ana@example.org", "cleo@example.org", "dan@example.org"], build_url
        )
    sending = invitations.send_invitations(
        wave, value_streams[0], "biz", ["ana@example.org", "cleo@example.org"], build_url
    )

    assert (refused.value.left, refused.value.wanted) == (1, 2)
    assert sending.sent == ["cleo@example.org"] and sending.already_invited == ["ana@example.org"]
    assert len(mail.outbox) == 3 and Invitation.objects.count() == 3 and issued(wave, value_streams[0]) == 3


def test_reminders_make_no_new_links(wave, value_streams):
    invitations.send_invitations(wave, value_streams[0], "biz", ["ana@example.org"], build_url)
    Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.OPEN)
    wave.refresh_from_db()

    assert invitations.send_reminders(wave, build_url) == 1
    assert issued(wave, value_streams[0]) == 1 and Invitation.objects.count() == 1


def test_the_database_refuses_more_links_than_the_head_count(wave, value_streams):
    with pytest.raises(IntegrityError), transaction.atomic():
        HeadCount.objects.filter(wave=wave).update(biz_links=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        HeadCount.objects.filter(wave=wave).update(it_links=1)  # no IT head count: no IT links


def test_a_head_count_cannot_change_once_the_wave_has_opened(wave, value_streams):
    head_count = HeadCount.objects.get(wave=wave)
    head_count.biz = 4
    head_count.full_clean()  # a draft: fine
    Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.OPEN)

    with pytest.raises(ValidationError, match="Fixed: the wave has opened"):
        head_count.full_clean()
    with pytest.raises(ValidationError, match="Fixed: the wave has opened"):
        HeadCount(wave=wave, value_stream=value_streams[1], it=10).full_clean()
    HeadCount.objects.get(wave=wave).full_clean()  # unchanged: fine


def test_a_head_count_cannot_fall_below_the_links_issued(wave, value_streams):
    invitations.create_invitations(wave, value_streams[0], "biz", 2)
    head_count = HeadCount.objects.get(wave=wave)

    for lower in (1, None):
        head_count.biz = lower
        with pytest.raises(ValidationError, match="2 links were issued for Biz already"):
            head_count.full_clean()
    head_count.biz = 2
    head_count.full_clean()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_requests_at_once_cannot_pass_the_bound(
    organization, instrument, value_streams, connection_per_thread, attempt
):
    """On SQLite, IMMEDIATE transactions already let one writer in at a time; on PostgreSQL (CI),
    where two transactions read and write side by side, a check before the write would let both in."""
    wave = make_wave(organization, instrument, value_streams, access=Wave.Access.INVITATION, status=Wave.Status.DRAFT)
    HeadCount.objects.create(wave=wave, value_stream=value_streams[0], biz=3)
    start = threading.Barrier(2)
    outcomes = []

    def make_two_links():
        connection_per_thread()
        try:
            start.wait()
            invitations.create_invitations(wave, value_streams[0], "biz", 2)
            outcomes.append("made")
        except invitations.LinkLimitReached:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=make_two_links) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["made", "refused"]
    assert Invitation.objects.count() == 2 and issued(wave, value_streams[0]) == 2
