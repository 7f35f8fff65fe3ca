"""Charts and figures as a browser lays them out, in English, German and French: no radar label
is cut off at the edge of its chart (the organization page's small radars at three widths, the
radiator on a desktop and a wall screen), and no confidence interval or "< 0,001 *" breaks
across two lines in a narrow table. Measured in chromium, on the demo data of `make run`."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from dashboards.models import RadiatorLink
from surveys.demo import DEMO_USERNAME, DEMO_VALUE_STREAMS
from tests.browser.conftest import DESKTOP, PHONE, expect_all_drawn, log_in_as_demo, requires_chromium

pytestmark = requires_chromium

LANGUAGES = ("en", "de", "fr")
TABLET = {"width": 900, "height": 900}  # two small radars a row
WALL = {"width": 1920, "height": 1080}

# Every axis label (and radial tick, and legend) of each drawn chart that leaves the box of the
# chart's SVG, with its text and how far it sticks out.
LABELS_OUTSIDE = """charts => charts.flatMap(chart => {
  const box = chart.querySelector("svg.main-svg").getBoundingClientRect();
  return [...chart.querySelectorAll(".angularaxistick text, .radialaxistick text, .legend")].flatMap(label => {
    const r = label.getBoundingClientRect();
    const out = Math.max(box.left - r.left, r.right - box.right, box.top - r.top, r.bottom - box.bottom);
    return out > 0.5 ? [`${chart.dataset.figure}: "${label.textContent}" by ${Math.round(out)} px`] : [];
  });
})"""

# Every interval "[a; b]" and every p value with its star in the tables that a browser breaks
# over two lines.
FIGURES_BROKEN = """cells => cells.flatMap(cell => {
  const broken = [];
  const lines = range => new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size;
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/\\[[^\\]]*\\]/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      if (lines(range) > 1) broken.push(match[0]);
    }
  }
  if (cell.textContent.includes("*")) {
    const range = document.createRange();
    range.selectNodeContents(cell);
    if (lines(range) > 1) broken.push(cell.textContent.trim());
  }
  return broken;
})"""


def logged_in(browser, server_url, language, viewport):
    context = browser.new_context(viewport=viewport, locale=language)
    page = context.new_page()
    log_in_as_demo(page, server_url)
    return context, page


def labels_outside(page):
    charts = page.locator(".chart")
    expect_all_drawn(charts, charts.count())
    return charts.evaluate_all(LABELS_OUTSIDE)


@pytest.mark.django_db(transaction=True)
def test_no_radar_label_is_cut_off_on_the_organization_page_or_the_radiator(live_server, demo_wave, browser):
    stream = demo_wave.value_streams.get(name=DEMO_VALUE_STREAMS[2])
    _, token = RadiatorLink.create(stream, get_user_model().objects.get(username=DEMO_USERNAME))
    found = []
    for language in LANGUAGES:
        for viewport in (PHONE, TABLET, DESKTOP):
            context, page = logged_in(browser, live_server.url, language, viewport)
            page.goto(f"{live_server.url}/dashboard/waves/{demo_wave.slug}/organization/")
            expect(page.locator("html")).to_have_attribute("lang", language)
            found += [f"organization, {language}, {viewport['width']} px: {f}" for f in labels_outside(page)]
            context.close()
        for viewport in (DESKTOP, WALL):
            context = browser.new_context(viewport=viewport, locale=language)
            page = context.new_page()
            page.goto(f"{live_server.url}/radiator/{token}/")
            found += [f"radiator, {language}, {viewport['width']} px: {f}" for f in labels_outside(page)]
            context.close()

    assert not found, "labels cut off:\n" + "\n".join(found)


@pytest.mark.django_db(transaction=True)
def test_intervals_and_p_values_never_break_mid_figure_in_a_narrow_table(live_server, demo_wave, browser):
    stream = demo_wave.value_streams.get(name=DEMO_VALUE_STREAMS[2])
    found = []
    for language in LANGUAGES:
        context, page = logged_in(browser, live_server.url, language, PHONE)
        for path in (f"streams/{stream.pk}/", "organization/"):
            page.goto(f"{live_server.url}/dashboard/waves/{demo_wave.slug}/{path}")
            cells = page.locator("main table td")
            assert cells.count(), path
            found += [f"{path} ({language}): {figure}" for figure in cells.evaluate_all(FIGURES_BROKEN)]
        context.close()

    assert not found, "figures broken over two lines:\n" + "\n".join(found)
