"""The trends page in a real browser: wave labels are never cut off, however long the titles and narrow the screen.

plotly.js lays the chart out in the browser, so only a browser shows where the labels land: each
tick label of each chart must lie inside its chart's drawing.
"""

import pytest

from surveys.models import Wave
from tests.browser.conftest import DESKTOP, PHONE, expect_all_drawn, log_in_as_demo, requires_chromium

pytestmark = requires_chromium

LONG_TITLES = [
    "Quarterly business and IT alignment pulse survey of the whole bank, first half",
    "Zweite Befragungswelle zur Zusammenarbeit von Fachbereich und Informatik, Herbst",
]


def inside(box, outer):
    return (
        box["x"] >= outer["x"] - 0.5
        and box["y"] >= outer["y"] - 0.5
        and box["x"] + box["width"] <= outer["x"] + outer["width"] + 0.5
        and box["y"] + box["height"] <= outer["y"] + outer["height"] + 0.5
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.django_db(transaction=True)
def test_no_wave_label_of_the_trends_is_cut_off(live_server, demo_wave, browser, viewport, tmp_path):
    waves = Wave.objects.filter(organization=demo_wave.organization, instrument=demo_wave.instrument)
    waves = list(waves.order_by("opens_at"))
    assert len(waves) >= 2
    for wave, title in zip(waves, LONG_TITLES, strict=False):
        Wave.objects.filter(pk=wave.pk).update(title=title)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    log_in_as_demo(page, live_server.url)
    page.goto(f"{live_server.url}/dashboard/organizations/{demo_wave.organization_id}/trends/")
    charts = page.locator(".chart")
    count = charts.count()
    assert count >= 2
    expect_all_drawn(charts, count)
    checked = 0
    for index in range(count):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        drawing = chart.locator("svg.main-svg").first.bounding_box()
        for label in chart.locator("g.xtick text, g.ytick text").all():
            box = label.bounding_box()
            assert box and inside(box, drawing), f"chart {index}: label {label.text_content()!r} is cut off"
            checked += 1
        axis_title = chart.locator("text.ytitle").first.bounding_box()  # plotly.js 3 draws {"text": …} titles only
        assert axis_title and inside(axis_title, drawing), f"chart {index}: the axis title is missing or cut off"
        legend = chart.locator("g.legend").first.bounding_box()
        assert inside(legend, drawing), f"chart {index}: the legend is cut off"
    assert checked >= 2 * count
    page.screenshot(path=str(tmp_path / "trends.png"), full_page=True)
    context.close()
