"""The change manager's dashboards in a real browser, on the demo data of `make run`.

Issue's "done when": the demo login reaches the organization view, a value stream's radar and
gap table, the items page and a radiator link that works in a private window. The charts are
drawn by plotly.js in the browser, so only a browser shows that they really appear; and every
request must stay on our server, because the app has to work without network access.
"""

import csv

import pytest

from surveys.demo import DEMO_USERNAME, DEMO_VALUE_STREAMS
from tests.browser.conftest import (
    DEMO_PASSWORD,
    DESKTOP,
    assert_accessible,
    expect_all_drawn,
    requires_chromium,
    serious_violations,
)

pytestmark = requires_chromium

STREAM = DEMO_VALUE_STREAMS[2]  # "Financing applications": the demo's widest Biz–IT gaps
try:
    import axe_playwright_python  # noqa: F401  (requirements-dev.txt)

    HAS_AXE = True
except ImportError:
    HAS_AXE = False
# Serious axe-core findings on the dashboards, still to be fixed in the app. The journey test
# below skips only these rules, so any new violation fails it at once; the full check of each
# page is a strict xfail at the end of this module until they are fixed. Fixed? Empty this.
KNOWN_AXE_VIOLATIONS = {}
KNOWN_AXE_REASONS = "; ".join(f"{rule}: {why}" for rule, why in KNOWN_AXE_VIOLATIONS.items())


class Visit:
    """One browser context (a window with its own cookies) that records where its pages went."""

    def __init__(self, browser, **options):
        self.context = browser.new_context(**{"viewport": DESKTOP, **options})
        self.requests = []
        self.errors = []
        # On the context, not the page: pages opened later are recorded too.
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.context.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.context.on("weberror", lambda error: self.errors.append(str(error.error)))
        self.page = self.context.new_page()

    def assert_stayed_on(self, server_url):
        """No request left the server: no CDN, font service or analytics is needed."""
        elsewhere = [url for url in self.requests if not url.startswith(server_url)]
        assert self.requests and not elsewhere, f"requests to other hosts: {elsewhere}"

    def assert_no_errors(self):
        # A script blocked by the Content-Security-Policy or a plotly failure shows up here.
        assert not self.errors, f"errors in the browser console: {self.errors}"


@pytest.fixture
def visits(browser):
    opened = []

    def open_visit(**options):
        opened.append(Visit(browser, **options))
        return opened[-1]

    yield open_visit
    for visit in opened:
        visit.context.close()


def log_in(page, server_url):
    """Like a person: ask for the dashboards, get the login form, come back to the dashboards."""
    page.goto(f"{server_url}/dashboard/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server_url}/dashboard/")
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboards"


def open_organization_view(page, wave):
    # The link's accessible name says which wave; the earlier demo wave has one too.
    page.get_by_role("link", name=f"Organization view of {wave.title}", exact=True).click()
    page.get_by_role("heading", name="All value streams together").wait_for()


def wave_tab(page, name):
    return page.get_by_role("navigation", name="This wave").get_by_role("link", name=name, exact=True)


def open_value_stream(page, name):
    wave_tab(page, name).click()
    page.get_by_role("heading", level=2, name=name, exact=True).wait_for()


def gap_table(page, stream_name):
    return page.get_by_role("table", name=f"Biz and IT in {stream_name}")


def theme_names(wave):
    return [theme.name_text for theme in wave.instrument.themes.all()]


@pytest.mark.django_db(transaction=True)
def test_change_manager_reads_the_dashboards_and_shares_a_radiator(live_server, demo_wave, visits):
    from playwright.sync_api import expect

    themes = theme_names(demo_wave)
    dimensions = demo_wave.instrument.dimensions.count()
    assert (len(themes), dimensions) == (6, 3)  # the built-in instrument; the counts below rely on it
    manager = visits()
    page = manager.page

    # 1. Login, then the organization view: pooled radar, one radar per value stream, heatmap.
    log_in(page, live_server.url)
    open_organization_view(page, demo_wave)
    expect_all_drawn(page.get_by_role("region", name="All value streams together").locator(".chart"), 1)
    multiples = page.get_by_role("region", name="Each value stream")
    expect_all_drawn(multiples.locator(".chart"), len(DEMO_VALUE_STREAMS))
    for name in DEMO_VALUE_STREAMS:  # each small multiple is captioned with its value stream
        expect(multiples.get_by_role("link", name=name, exact=True)).to_be_visible()
    heatmap = page.get_by_role("region", name="Gaps by value stream and theme")
    expect_all_drawn(heatmap.locator(".chart"), 1)
    expect(heatmap.locator(".heatmaplayer")).to_have_count(1)
    manager.assert_stayed_on(live_server.url)
    if HAS_AXE:
        assert_accessible(page, skip_rules=KNOWN_AXE_VIOLATIONS)

    # 2. One value stream from the wave's tabs: radar and one gap-table row per theme, then per dimension.
    open_value_stream(page, STREAM)
    expect(wave_tab(page, STREAM)).to_have_attribute("aria-current", "page")
    expect_all_drawn(page.locator(".chart"), 1)
    expect(page.locator(".chart-drawn .scatterlayer .trace")).to_have_count(2)  # Biz and IT
    table = gap_table(page, STREAM)
    # Text, not roles: Playwright maps <th scope="colgroup"> (Biz, IT) to "cell", unlike browsers.
    expect(table.locator("thead tr").first.locator("th")).to_contain_text(["Theme", "Biz", "IT", "Gap"])
    expect(table.locator("tbody tr")).to_have_count(len(themes))
    if HAS_AXE:
        assert_accessible(page, skip_rules=KNOWN_AXE_VIOLATIONS)
    page.get_by_role("group", name="Compare by").get_by_role("link", name="Dimensions").click()
    expect(table.get_by_role("columnheader", name="Dimension", exact=True)).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(dimensions)
    expect_all_drawn(page.locator(".chart"), 1)
    # The table downloads as CSV, as shown: one row per dimension, the same means as on the page.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download this table as CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv"), download.suggested_filename
    with open(download.path(), newline="", encoding="utf-8") as handle:
        downloaded = list(csv.DictReader(handle))
    assert [row["level"] for row in downloaded] == ["dimension"] * dimensions
    assert {row["value_stream"] for row in downloaded} == {STREAM}
    biz_n, biz_mean = table.locator("tbody tr").first.locator("td").all_inner_texts()[:2]
    assert biz_n == downloaded[0]["biz_n"]
    assert abs(float(biz_mean.split()[0]) - float(downloaded[0]["biz_mean"])) <= 0.005

    # 3. The items page: a diverging bar chart per theme, each with its numbers in a <details> table.
    wave_tab(page, "Items").click()
    expect(page.get_by_role("heading", name="How each item was answered", exact=True)).to_be_visible()
    expect_all_drawn(page.locator(".chart"), len(themes))
    data_table = page.get_by_role("table", name="Answers per scale point")
    expect(data_table.first).to_be_hidden()  # closed <details> until asked for
    page.get_by_text(f"Data table: {themes[0]}", exact=True).click()
    expect(data_table.first).to_be_visible()
    expect(data_table.first.locator("tbody tr").first).to_contain_text("Biz")
    # The value stream filter narrows every chart and table to one stream.
    page.get_by_label("Value stream").select_option(label=STREAM)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name=f"How each item was answered in {STREAM}")).to_be_visible()
    expect_all_drawn(page.locator(".chart"), len(themes))
    manager.assert_stayed_on(live_server.url)

    # 4. A radiator link, opened in a private window (no cookies), then revoked.
    open_value_stream(page, STREAM)
    page.get_by_label("Label (where the screen hangs)").fill("Kitchen, 3rd floor")
    page.get_by_role("button", name="Create a radiator link").click()
    link_field = page.get_by_label("Link", exact=True)
    expect(link_field).not_to_be_editable()
    link = link_field.input_value()
    assert link.startswith(f"{live_server.url}/radiator/"), link

    wall = visits(viewport={"width": 1920, "height": 1080})  # a new context: nothing shared with the login
    assert wall.context.cookies() == []
    response = wall.page.goto(link)
    assert response.status == 200
    assert "/accounts/login/" not in wall.page.url
    expect(wall.page.get_by_role("heading", level=1)).to_have_text(f"How Biz and IT see {STREAM}")
    expect_all_drawn(wall.page.locator(".chart"), 1)
    expect(wall.page.locator(".modebar")).to_have_count(0)  # a static picture: nothing to click on a wall
    expect(wall.page.locator("table.radiator-table tbody tr")).to_have_count(len(themes))
    wall.assert_stayed_on(live_server.url)
    wall.assert_no_errors()

    # The creation page answered a POST; back on the value stream page, reload so the list is fresh.
    page.go_back()
    page.reload()
    links = page.get_by_role("table", name=f"Active radiator links of {STREAM}")
    expect(links).to_contain_text("Kitchen, 3rd floor")
    links.get_by_role("button", name="Revoke the link Kitchen, 3rd floor").click()
    expect(page.get_by_role("table", name=f"Active radiator links of {STREAM}")).to_have_count(0)
    # The wall screen reloads itself every five minutes: its next load finds nothing.
    assert wall.page.reload().status == 404
    assert wall.context.request.get(link).status == 404

    manager.assert_stayed_on(live_server.url)
    manager.assert_no_errors()


# Strict: once the known violations are fixed, the xfail turns into a failure that says to
# empty KNOWN_AXE_VIOLATIONS, which also ends the journey test's exemption. Only an assertion
# counts as the expected failure: a Playwright error (a link that is not there) still fails.
KNOWN_AXE_FAILURES = pytest.mark.xfail(
    bool(KNOWN_AXE_VIOLATIONS), strict=True, raises=AssertionError, reason=f"known axe violations: {KNOWN_AXE_REASONS}"
)


@pytest.mark.skipif(not HAS_AXE, reason="axe-playwright-python is not installed (requirements-dev.txt)")
@KNOWN_AXE_FAILURES
@pytest.mark.django_db(transaction=True)
def test_organization_view_and_value_stream_page_pass_axe(live_server, demo_wave, visits):
    """Every axe-core rule, on both pages, as people see them: with the charts drawn (plotly adds its toolbar then)."""
    page = visits().page
    log_in(page, live_server.url)
    found = []
    open_organization_view(page, demo_wave)
    expect_all_drawn(page.locator(".chart"), 2 + len(DEMO_VALUE_STREAMS))
    found += [f"organization view: {violation}" for violation in serious_violations(page)]
    open_value_stream(page, STREAM)
    expect_all_drawn(page.locator(".chart"), 1)
    found += [f"{STREAM}: {violation}" for violation in serious_violations(page)]
    assert not found, "axe-core found serious or critical violations:\n" + "\n".join(found)
