"""plotly.js (megabytes) is fetched only by pages with a chart, and then once; the charts still draw."""

import pytest

from surveys.demo import DEMO_USERNAME
from tests.browser.conftest import DEMO_PASSWORD, DESKTOP, expect_all_drawn, requires_chromium

pytestmark = requires_chromium


@pytest.mark.django_db(transaction=True)
def test_only_pages_with_charts_fetch_plotly(live_server, demo_wave, browser):
    context = browser.new_context(viewport=DESKTOP)
    fetched = []
    context.on("request", lambda request: fetched.append(request.url))
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(DEMO_USERNAME)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    base = f"/dashboard/waves/{demo_wave.slug}"

    for path in ("/dashboard/", f"{base}/", f"{base}/invitations/", f"{base}/set-up/"):
        fetched.clear()
        page.goto(live_server.url + path, wait_until="networkidle")
        assert page.locator("script[src*='charts.js']").count() == 1, path
        assert not [url for url in fetched if "plotly" in url], f"{path} fetched plotly.js without a chart"

    fetched.clear()
    page.goto(f"{live_server.url}{base}/organization/")
    charts = page.locator(".chart")
    expect_all_drawn(charts, charts.count())
    assert len([url for url in fetched if "plotly" in url]) == 1
    context.close()
