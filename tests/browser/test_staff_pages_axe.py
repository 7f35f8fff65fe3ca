"""The staff pages pass axe-core's WCAG 2.1 A and AA rules: login, dashboards (with action plans),
wave set-up, invitations, radiator, exports and codebook.

On the demo data of `make run`, as people see them: charts drawn (plotly adds its toolbar then),
forms also with their error messages. The dashboard journey (test_dashboards_in_browser.py)
checks the organization view and a value stream's page for serious findings; here they get the
same strict check as every other page.
"""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from dashboards.models import Action, FocusTheme, RadiatorLink
from surveys.demo import DEMO_EARLIER_WAVE_SLUG, DEMO_USERNAME, DEMO_VALUE_STREAMS
from surveys.instrument_files import export_instrument, load_instrument
from surveys.invitations import create_invitations
from surveys.models import Side, Wave
from tests.browser.conftest import (
    DEMO_PASSWORD,
    DESKTOP,
    expect_all_drawn,
    log_in_as_demo,
    requires_chromium,
    wcag_violations,
)
from tests.conftest import wave_waiting_for_results

pytestmark = requires_chromium


def findings(page, where):
    """axe-core's findings once every chart on the page is drawn, each marked with the page.

    Every <details> is opened first: axe skips hidden content, and the charts' data tables sit
    in closed ones until a reader asks for them.
    """
    charts = page.locator(".chart")
    expect_all_drawn(charts, charts.count())
    page.locator("details").evaluate_all("elements => elements.forEach(element => { element.open = true; })")
    return [f"{where}: {violation}" for violation in wcag_violations(page)]


def staff_pages(wave, stream):
    """(name, path) of every staff page a logged-in change manager and researcher of the demo opens."""
    base = f"/dashboard/waves/{wave.slug}"
    organization = wave.organization_id
    return [
        ("dashboards", "/dashboard/"),
        ("overview", f"{base}/"),
        ("organization view", f"{base}/organization/"),
        ("value stream", f"{base}/streams/{stream.pk}/"),
        ("value stream, dimensions", f"{base}/streams/{stream.pk}/?level=dimension"),
        ("organization view, dimensions", f"{base}/organization/?level=dimension"),
        ("items", f"{base}/items/"),
        ("report", f"{base}/report/"),
        ("value stream report", f"{base}/streams/{stream.pk}/report/"),
        ("items of a value stream, with its drivers", f"{base}/items/?value_stream={stream.pk}"),
        ("over time", f"/dashboard/organizations/{organization}/trends/"),
        ("audit log", f"/dashboard/organizations/{organization}/audit/"),
        ("new wave", f"/dashboard/organizations/{organization}/waves/new/"),
        ("invitations", f"{base}/invitations/"),
        ("exports", "/exports/"),
        ("instruments", "/instruments/"),
        ("instrument comparison", f"/instruments/{a_newer_instrument(wave.instrument).pk}/compare/"),
        ("codebook", f"/exports/waves/{DEMO_EARLIER_WAVE_SLUG}/codebook/"),
        ("what to keep in an export", f"/exports/waves/{DEMO_EARLIER_WAVE_SLUG}/choose/"),
        ("structural validity", f"/exports/waves/{DEMO_EARLIER_WAVE_SLUG}/structural-validity/"),
        ("password change", "/accounts/password/"),
        *waiting_pages(wave),
        ("wave set-up", f"{base}/set-up/"),  # last: the test goes on to fill in its form
    ]


def a_newer_instrument(instrument):
    """v9.0 of the demo's instrument (once), an item reworded and one removed: the comparison has rows."""
    document = export_instrument(instrument) | {"version": "9.0"}
    items = document["dimensions"][0]["themes"][0]["items"]
    items[0]["text"] = {language: f"{text} (9.0)" for language, text in items[0]["text"].items()}
    del items[-1]
    return load_instrument(document).instrument


def with_action_plans(demo, stream):
    """Action plans on the demo's value stream: a focus theme with its suggested practices and an
    action on both waves, so its page shows every part of the plan (the earlier wave's focus theme
    as a gap change) and the radiator shows the plan."""
    for wave in (Wave.objects.get(slug=DEMO_EARLIER_WAVE_SLUG), demo):
        FocusTheme.objects.create(wave=wave, value_stream=stream, theme_code="PH")
        Action.objects.create(wave=wave, value_stream=stream, theme_code="PH", what="Shared planning day", owner="Lead")


def waiting_pages(demo):
    """A wave of the demo's organization whose results are not released yet: its pages say so."""
    streams = list(demo.value_streams.order_by("name"))
    waiting = wave_waiting_for_results(demo.organization, demo.instrument, streams)
    return [
        ("no results yet", f"/dashboard/waves/{waiting.slug}/organization/"),
        ("overview, results to release", f"/dashboard/waves/{waiting.slug}/"),
    ]


@pytest.mark.django_db(transaction=True)
def test_staff_pages_pass_axe(live_server, demo_wave, browser):
    stream = demo_wave.value_streams.get(name=DEMO_VALUE_STREAMS[2])
    create_invitations(demo_wave, stream, Side.IT, 3)  # the invitations page then has its table
    _, radiator_token = RadiatorLink.create(stream, get_user_model().objects.get(username=DEMO_USERNAME))
    with_action_plans(demo_wave, stream)
    found = []

    visitor = browser.new_context(viewport=DESKTOP)  # nobody logged in
    page = visitor.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    found += findings(page, "login")
    page.get_by_label("Username").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("form .alert")).to_be_visible()
    found += findings(page, "login, wrong password")
    page.goto(f"{live_server.url}/radiator/{radiator_token}/")  # a wall screen needs no login
    found += findings(page, "radiator")
    visitor.close()

    staff = browser.new_context(viewport=DESKTOP)
    page = staff.new_page()
    log_in_as_demo(page, live_server.url)
    pages = staff_pages(demo_wave, stream)
    for where, path in pages:
        assert page.goto(live_server.url + path).status == 200, where
        found += findings(page, where)
    # The set-up form with an error: a wave needs a title.
    page.locator("#id_title").fill("")  # not by label: "Title in German" and the others match it too
    page.get_by_role("button", name="Save the set-up").click()
    expect(page.get_by_role("alert")).to_be_visible()
    found += findings(page, "wave set-up, with an error")
    # A theme page of an instrument previewed in German, and an instrument file with a mistake.
    newer = a_newer_instrument(demo_wave.instrument)
    page.goto(f"{live_server.url}/instruments/{newer.pk}/preview/de/1/")
    expect(page.locator("#preview-banner")).to_be_visible()
    found += findings(page, "instrument preview in German")
    page.goto(f"{live_server.url}/instruments/")
    page.get_by_label("Instrument file (JSON or YAML)").set_input_files(
        {"name": "broken.json", "mimeType": "application/json", "buffer": b'{"code": "x"}'}
    )
    page.get_by_role("button", name="Check and upload").click()
    expect(page.locator("#upload-errors")).to_be_visible()
    found += findings(page, "instruments, a file with mistakes")
    # An action without "what" on the value stream's action plan.
    page.goto(f"{live_server.url}/dashboard/waves/{demo_wave.slug}/streams/{stream.pk}/")
    page.get_by_role("button", name="Add the action").click()
    expect(page.locator("#action-plan .invalid-feedback").first).to_be_visible()
    found += findings(page, "value stream, action with an error")
    # A radiator link just created (shown once), then logging out.
    page.goto(f"{live_server.url}/dashboard/waves/{demo_wave.slug}/streams/{stream.pk}/")
    page.get_by_label("Label (where the screen hangs)").fill("Lobby")
    page.get_by_role("button", name="Create a radiator link").click()
    expect(page.get_by_label("Link", exact=True)).to_be_visible()
    found += findings(page, "radiator link created")
    page.get_by_role("button", name=f"Log out {DEMO_USERNAME}").click()
    page.wait_for_url("**/accounts/logout/")
    found += findings(page, "logged out")
    staff.close()

    assert not found, "axe-core found violations:\n" + "\n".join(found)


@pytest.mark.django_db(transaction=True)
def test_radiator_reloads_itself_until_paused(live_server, browser, value_streams):
    """WCAG 2.2.2: the wall screen's five-minute reload can be paused by whoever reads it."""
    manager = get_user_model().objects.create_user("manager")
    _, token = RadiatorLink.create(value_streams[0], manager)
    radiator = f"{live_server.url}/radiator/{token}/"
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    loads = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    page.clock.install()  # the page's timers run on a clock the test can move on
    page.goto(radiator)
    toggle = page.get_by_role("button", name="Pause updates")
    expect(page.get_by_role("status")).to_have_text("Refreshes every 5 minutes.")
    with page.expect_event("load"):
        page.clock.fast_forward("05:01")
    assert loads == [radiator, radiator]

    toggle.click()
    expect(page.get_by_role("status")).to_contain_text("Updates paused")
    expect(page.get_by_role("button", name="Resume updates")).to_be_visible()
    with pytest.raises(PlaywrightTimeoutError):  # twenty minutes on, no reload comes
        with page.expect_event("load", timeout=2_000):
            page.clock.fast_forward("20:00")
    expect(page.get_by_role("status")).to_contain_text("Updates paused")  # still the same page
    assert loads == [radiator, radiator]
    page.get_by_role("button", name="Resume updates").click()
    with page.expect_event("load"):
        page.clock.fast_forward("05:01")
    context.close()


@pytest.mark.parametrize("language", ["de", "fr"])
@pytest.mark.django_db(transaction=True)
def test_staff_pages_pass_axe_in_german_and_french(live_server, demo_wave, browser, language):
    """The translated staff pages, as a browser set to German or French gets them."""
    stream = demo_wave.value_streams.get(name=DEMO_VALUE_STREAMS[2])
    _, radiator_token = RadiatorLink.create(stream, get_user_model().objects.get(username=DEMO_USERNAME))
    with_action_plans(demo_wave, stream)
    context = browser.new_context(viewport=DESKTOP, locale=language)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    found = findings(page, f"login ({language})")
    page.locator("input[name=username]").fill(DEMO_USERNAME)  # by name: the labels are in the page's language
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    pages = [*staff_pages(demo_wave, stream), ("radiator", f"/radiator/{radiator_token}/")]
    for where, path in pages:
        assert page.goto(live_server.url + path).status == 200, where
        expect(page.locator("html")).to_have_attribute("lang", language)
        found += findings(page, f"{where} ({language})")
    context.close()
    assert not found, "axe-core found violations:\n" + "\n".join(found)
