"""The information radiator: a secret link per value stream, created and revoked by a change manager."""

import re

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.secret_links import RADIATOR_LOOKUPS, hash_token
from dashboards.models import RadiatorLink
from surveys.models import Organization, ValueStream, Wave
from surveys.releases import release_interim
from surveys.response_import import import_responses

from .conftest import HEADER, ORGANIZATION, row


def beta():
    return ValueStream.objects.get(organization__name=ORGANIZATION, name="Beta")


def create_link(admin_client, label="Kitchen, 3rd floor"):
    page = admin_client.post(reverse("dashboards:create_radiator_link", args=[beta().pk]), {"label": label})
    assert page.status_code == 200
    return page, re.search(r'id="radiator-url"[^>]*value="([^"]+)"', page.content.decode()).group(1)


def test_link_is_shown_once_and_only_its_hash_is_stored(admin_client, dash_wave):
    page, url = create_link(admin_client)
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 43  # 256 random bits, URL-safe
    assert page["Cache-Control"] == "no-store"
    link = RadiatorLink.objects.get()
    assert link.token_hash == hash_token(token) and token not in link.token_hash
    assert link.label == "Kitchen, 3rd floor" and link.created_by.username == "admin"
    stream_page = admin_client.get(reverse("dashboards:value_stream", args=[dash_wave.slug, beta().pk]))
    assert "Kitchen, 3rd floor" in stream_page.content.decode()
    assert token not in stream_page.content.decode()


def test_radiator_opens_without_login_with_large_read_only_figures(client, admin_client, dash_wave):
    _, url = create_link(admin_client)
    page = client.get(url)  # another client: no session, like a private window
    html = page.content.decode()
    assert page.status_code == 200
    assert "How Biz and IT see Beta" in html
    # Reloaded every 5 minutes by radiator.js, which a reader can pause; a meta refresh cannot be (WCAG 2.2.1).
    assert 'data-refresh-seconds="300"' in html and "js/radiator.js" in html
    assert "http-equiv" not in html
    assert page["Referrer-Policy"] == "no-referrer"
    assert "noindex" in page["X-Robots-Tag"]
    assert "<form" not in html and "csrf" not in html  # nothing to change from a wall screen
    assert 'data-static="true"' in html


def test_revoked_and_unknown_links_are_not_found(client, admin_client, dash_wave):
    _, url = create_link(admin_client)
    link = RadiatorLink.objects.get()
    stream_page = reverse("dashboards:value_stream", args=[dash_wave.slug, beta().pk])
    response = admin_client.post(reverse("dashboards:revoke_radiator_link", args=[link.pk]), {"next": stream_page})
    assert response.status_code == 302 and response["Location"] == stream_page
    assert client.get(url).status_code == 404
    assert client.get(reverse("dashboards:radiator", args=["not-a-token"])).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_revoking_never_redirects_to_another_site(admin_client, dash_wave):
    create_link(admin_client)
    link = RadiatorLink.objects.get()
    response = admin_client.post(
        reverse("dashboards:revoke_radiator_link", args=[link.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("dashboards:home")


def test_links_are_created_and_revoked_by_change_managers_of_the_organization_only(client, dash_wave):
    create = reverse("dashboards:create_radiator_link", args=[beta().pk])
    response = client.post(create)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    other = Organization.objects.create(name="Other Bank")
    outsider = get_user_model().objects.create_user("outsider")
    Membership.objects.create(user=outsider, organization=other, role=Membership.Role.CHANGE_MANAGER)
    client.force_login(outsider)
    assert client.post(create).status_code == 404
    assert not RadiatorLink.objects.exists()
    link, _ = RadiatorLink.create(beta(), None)
    assert client.post(reverse("dashboards:revoke_radiator_link", args=[link.pk])).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_radiator_follows_the_newest_wave_with_released_results(client, admin_client, dash_wave, instrument):
    _, url = create_link(admin_client)
    newer = Wave.objects.create(
        slug="next-quarter",
        title="Next quarter",
        organization=dash_wave.organization,
        instrument=instrument,
        status=Wave.Status.OPEN,
        opens_at=timezone.now(),  # after the dashboards' wave
        interim_results=True,
    )
    newer.value_streams.add(beta())
    import_responses(
        "\n".join([HEADER, *[row("Beta", side) for side in ("biz", "it") for _ in range(5)]]) + "\n",
        survey=newer.slug,
        instrument=instrument,
    )
    # Open, with answers, but nothing released: the screen keeps the last wave's results.
    assert "Next quarter" not in client.get(url).content.decode()
    release_interim(newer)
    page = client.get(url).content.decode()
    assert "Next quarter" in page and "interim results of" in page


def test_too_many_unknown_radiator_links_from_one_address_are_refused(admin_client, dash_wave):
    _, url = create_link(admin_client)
    wall = Client(REMOTE_ADDR="203.0.113.7")
    guesses = [wall.get(f"/radiator/guess{n}/").status_code for n in range(RADIATOR_LOOKUPS.limit)]
    refused = wall.get("/radiator/one-more/")
    assert guesses == [404] * RADIATOR_LOOKUPS.limit
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 60
    assert refused["Referrer-Policy"] == "no-referrer"
    assert wall.get(url).status_code == 200  # the real link, even from the address that guessed
    # The real link keeps refreshing on a wall screen elsewhere: only failed lookups count.
    screen = Client(REMOTE_ADDR="198.51.100.1")
    assert {screen.get(url).status_code for _ in range(RADIATOR_LOOKUPS.limit + 2)} == {200}


def test_an_unknown_radiator_link_is_not_found_and_the_page_keeps_its_address_private(client, dash_wave):
    reply = client.get("/radiator/not-a-real-token/")
    assert reply.status_code == 404
    assert reply["Referrer-Policy"] == "no-referrer" and reply["Cache-Control"] == "no-store"
    assert reply["X-Robots-Tag"] == "noindex, nofollow"
