"""Attack: one bad actor behind an office's shared address tries to lock everyone there out.

The rate limit on secret links counts per client address, and an office's colleagues often
share one (NAT). Failed guesses from that address must never refuse a valid link.
"""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.secret_links import INVITATION_LOOKUPS, RADIATOR_LOOKUPS
from dashboards.models import RadiatorLink
from surveys import invitations
from tests.conftest import give_head_counts

OFFICE = "203.0.113.7"


def test_a_valid_invitation_opens_after_the_office_address_used_up_its_failed_guesses(wave, value_streams):
    give_head_counts(wave)
    [(_, token)] = invitations.create_invitations(wave, value_streams[0], "biz", 1)
    guesser = Client(REMOTE_ADDR=OFFICE)

    guesses = [guesser.get(f"/i/unknown-{n}/").status_code for n in range(INVITATION_LOOKUPS.limit)]
    colleague = Client(REMOTE_ADDR=OFFICE).get(invitations.invitation_path(token))
    one_more = guesser.get("/i/one-more/")

    assert guesses == [404] * INVITATION_LOOKUPS.limit
    assert colleague.status_code == 302 and colleague["Location"] == reverse("surveys:intro", args=[wave.slug])
    assert one_more.status_code == 429


def test_a_valid_radiator_link_shows_after_the_office_address_used_up_its_failed_guesses(wave, value_streams):
    manager = get_user_model().objects.create_user("manager")
    _, token = RadiatorLink.create(value_streams[0], manager, "Kitchen")
    guesser = Client(REMOTE_ADDR=OFFICE)

    guesses = [guesser.get(f"/radiator/unknown-{n}/").status_code for n in range(RADIATOR_LOOKUPS.limit)]
    wall = Client(REMOTE_ADDR=OFFICE).get(reverse("dashboards:radiator", args=[token]))
    one_more = guesser.get("/radiator/one-more/")

    assert guesses == [404] * RADIATOR_LOOKUPS.limit
    assert wall.status_code == 200
    assert one_more.status_code == 429


def test_a_revoked_invitation_counts_as_a_failed_guess(wave, value_streams):
    give_head_counts(wave)
    created = invitations.create_invitations(wave, value_streams[0], "biz", INVITATION_LOOKUPS.limit + 1)
    for invitation, _ in created:
        invitations.revoke(invitation)
    guesser = Client(REMOTE_ADDR=OFFICE)

    statuses = [guesser.get(invitations.invitation_path(token)).status_code for _, token in created]

    assert statuses == [404] * INVITATION_LOOKUPS.limit + [429]



def test_a_failed_lookup_leaves_no_client_address_in_the_shared_cache(serve_cache, wave):
    assert Client(REMOTE_ADDR=OFFICE).get("/i/unknown/").status_code == 404

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {connection.ops.quote_name(serve_cache)}")
        keys = [key for (key,) in cursor.fetchall()]

    assert len(keys) == 1 and "invitation-token" in keys[0]  # counted, under a keyed hash of the address
    assert OFFICE not in keys[0]
