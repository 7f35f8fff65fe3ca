"""Revoking links asks first, in a browser with JavaScript and without: the confirmation is a page
of its own, passes axe, and "No, go back" revokes nothing."""

import pytest
from playwright.sync_api import expect

from surveys.demo import DEMO_VALUE_STREAMS
from surveys.invitations import create_invitations
from surveys.models import Invitation, Side
from tests.browser.conftest import DESKTOP, log_in_as_demo, requires_chromium, wcag_violations

pytestmark = requires_chromium


def log_in(browser, server_url, **options):
    context = browser.new_context(viewport=DESKTOP, **options)
    page = context.new_page()
    log_in_as_demo(page, server_url)
    return context, page


def ask_to_revoke(page, stream):
    """On the invitations page: revoke the unused IT links of `stream`, up to the question."""
    revoke = page.locator("form", has=page.locator('input[name="action"][value="revoke"]'))
    revoke.get_by_label("Value stream").select_option(label=stream.name)
    revoke.get_by_label("Side").select_option("it")
    revoke.get_by_role("button", name="Revoke them").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Revoke all 3 unused links of {stream.name}, IT?")


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
@pytest.mark.django_db(transaction=True)
def test_revoking_asks_first_and_going_back_revokes_nothing(live_server, demo_wave, browser, javascript):
    stream = demo_wave.value_streams.get(name=DEMO_VALUE_STREAMS[2])
    create_invitations(demo_wave, stream, Side.IT, 3)

    context, page = log_in(browser, live_server.url, java_script_enabled=javascript)
    invitations = f"{live_server.url}/dashboard/waves/{demo_wave.slug}/invitations/"
    page.goto(invitations)
    ask_to_revoke(page, stream)
    if javascript:  # axe runs as a script
        assert not wcag_violations(page)
    page.get_by_role("link", name="No, go back").click()
    page.wait_for_url(invitations)
    assert Invitation.objects.unused().filter(value_stream=stream, side=Side.IT).count() == 3

    ask_to_revoke(page, stream)
    page.get_by_role("button", name="Yes, revoke them").click()
    expect(page.get_by_role("status")).to_contain_text("Revoked 3 unused links")
    assert Invitation.objects.unused().filter(value_stream=stream, side=Side.IT).count() == 0
    context.close()
