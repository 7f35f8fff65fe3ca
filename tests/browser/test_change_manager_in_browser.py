"""A change manager in a real browser: log in, read the dashboards, open a radiator privately.

This is issue 4's "done when": the demo login reaches the organization view, a value stream's
radar and gap table, the items page, and a radiator link that works in a private window. The
charts must be drawn by plotly.js from our own static files: every request stays on the server.
"""

import os
import shutil

import pytest
from django.contrib.auth import get_user_model

from surveys.demo import DEMO_USERNAME, DEMO_VALUE_STREAMS, seed_demo

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) or shutil.which("chromium") is None,
    reason="Debian's chromium is not installed (apt-get install chromium); browser tests skipped",
)
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop beside Django's sync ORM calls
PASSWORD = "a demo passphrase for the browser"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


def wait_for_charts(page, count):
    """Every chart of the page drawn: plotly adds its SVG and charts.js marks the container."""
    # A selector, not a JavaScript predicate: the pages' CSP forbids eval, as it should.
    page.locator(".chart-drawn").nth(count - 1).wait_for(timeout=20_000)
    assert page.locator(".chart-drawn svg.main-svg").count() >= count


@pytest.mark.django_db(transaction=True)
def test_change_manager_reads_the_dashboards_and_opens_a_radiator_privately(live_server, browser):
    seed_demo(responses=300)
    user = get_user_model().objects.get(username=DEMO_USERNAME)
    user.set_password(PASSWORD)
    user.save()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    elsewhere = []
    page.on(
        "request", lambda request: None if request.url.startswith(live_server.url) else elsewhere.append(request.url)
    )
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_label("Username").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboards"

    page.get_by_role("link", name="Organization view of How Biz and IT work together — demo wave").click()
    wait_for_charts(page, 1 + len(DEMO_VALUE_STREAMS) + 1)  # pooled radar, one per value stream, heatmap
    assert page.locator(".heatmaplayer").count() == 1

    page.get_by_role("navigation", name="This wave").get_by_role("link", name="Financing applications").click()
    wait_for_charts(page, 1)
    assert page.locator(".chart-drawn .scatterlayer .trace").count() == 2  # Biz and IT
    assert page.locator("table.gap-table tbody tr").count() == 6
    page.get_by_role("link", name="Dimensions").click()
    wait_for_charts(page, 1)
    assert page.locator("table.gap-table tbody tr").count() == 3
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this table as CSV").click()
    assert download.value.suggested_filename.endswith("-gaps-dimension.csv")

    page.get_by_role("navigation", name="This wave").get_by_role("link", name="Items").click()
    wait_for_charts(page, 6)
    page.get_by_text("Data table: Digital Harmony").click()
    assert page.get_by_role("table").filter(has_text="DH1").is_visible()

    page.get_by_role("navigation", name="This wave").get_by_role("link", name="Financing applications").click()
    page.get_by_label("Label (where the screen hangs)").fill("Kitchen, 3rd floor")
    page.get_by_role("button", name="Create a radiator link").click()
    link = page.locator("#radiator-url").input_value()

    private = browser.new_context(viewport={"width": 1920, "height": 1080})  # no cookies: a private window
    wall = private.new_page()
    wall.goto(link)
    assert wall.get_by_role("heading", level=1).inner_text() == "How Biz and IT see Financing applications"
    wait_for_charts(wall, 1)

    page.go_back()  # to the value stream page, which lists the active links
    page.reload()
    page.get_by_role("button", name="Revoke the link Kitchen, 3rd floor").click()
    assert wall.goto(link).status == 404  # the screen goes dark at once

    assert not elsewhere, f"requests left the server: {elsewhere}"
    assert not errors, f"console errors: {errors}"
