"""plotly.js (megabytes) is fetched only by pages with a chart, and then once; the charts still draw."""

import pytest

from tests.browser.conftest import DESKTOP, expect_all_drawn, log_in_as_demo, requires_chromium

pytestmark = requires_chromium


@pytest.mark.django_db(transaction=True)
def test_only_pages_with_charts_fetch_plotly(live_server, demo_wave, browser):
    context = browser.new_context(viewport=DESKTOP)
    fetched = []
    context.on("request", lambda request: fetched.append(request.url))
    page = context.new_page()
    log_in_as_demo(page, live_server.url)
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
