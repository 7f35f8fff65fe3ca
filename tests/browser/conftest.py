"""What every browser test shares: Debian's chromium through Playwright, and axe-core's verdicts.

A test module marks itself with `pytestmark = requires_chromium`, asks for the `browser` fixture
(one chromium per module) and calls `assert_accessible` / `assert_meets_wcag` on a page as a
person sees it. The site runs under a Content-Security-Policy without 'unsafe-eval': wait with
Playwright's locators and expect(), never with page.wait_for_function and a string.
"""

import os
import re

import pytest
from django.contrib.auth import get_user_model

from surveys.demo import DEMO_USERNAME, DEMO_WAVE_SLUG, seed_demo
from surveys.models import Wave

CHROMIUM = "/usr/bin/chromium"
requires_chromium = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium); browser tests skipped",
)
# Playwright's sync API runs an event loop in this thread; the tests' own database calls are
# plain synchronous ones, which Django would otherwise refuse next to a running loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}
# The success criteria of WCAG 2.1 at levels A and AA, as axe-core tags its rules.
WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per test module; each test opens its own contexts (cookie jars) in it.

    Module scope, not session: Playwright's loop must not outlive the browser tests, or the
    other tests of the run would find it in their thread.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


def axe_violations(page, *, keep=lambda violation: True, skip_rules=()):
    """axe-core's violations on `page` that `keep` accepts, one readable entry per element.

    `skip_rules` turns rules off by id.
    """
    from axe_playwright_python.sync_playwright import Axe

    options = {"resultTypes": ["violations"]}
    if skip_rules:
        options["rules"] = {rule: {"enabled": False} for rule in skip_rules}
    results = Axe().run(page, options=options)
    return [
        f"{violation['id']} ({violation['impact']}): {' '.join(node['target'])} — {node['html'][:160]}\n"
        f"    {' '.join(node['failureSummary'].split())}{related_elements(node)}"
        for violation in results.response["violations"]
        if keep(violation)
        for node in violation["nodes"]
    ]


def is_serious(violation):
    return violation["impact"] in ("serious", "critical")


def is_wcag_or_serious(violation):
    """A violation of a WCAG 2.1 A or AA rule, of any impact, or a serious one of any other rule."""
    return bool(set(violation["tags"]) & set(WCAG_21_AA)) or is_serious(violation)


def serious_violations(page, skip_rules=()):
    """Every axe-core rule's violations of impact serious or critical."""
    return axe_violations(page, keep=is_serious, skip_rules=skip_rules)


def wcag_violations(page):
    """Violations of WCAG 2.1 A and AA rules of any impact, and serious ones of every other rule (one axe run)."""
    return axe_violations(page, keep=is_wcag_or_serious)


def related_elements(node, shown=3):
    """The elements a finding is about when they are not the node itself (e.g. focusable children)."""
    related = [r["html"][:120] for check in node["any"] + node["all"] + node["none"] for r in check["relatedNodes"]]
    if not related or related[0] == node["html"][: len(related[0])]:
        return ""
    more = f" and {len(related) - shown} more" if len(related) > shown else ""
    return "\n    about: " + ", ".join(related[:shown]) + more


def assert_accessible(page, skip_rules=()):
    violations = serious_violations(page, skip_rules)
    assert not violations, "axe-core found serious or critical violations:\n" + "\n".join(violations)


def assert_meets_wcag(page, where=""):
    """No WCAG 2.1 A/AA violation of any impact, and nothing serious from axe-core's other rules."""
    violations = wcag_violations(page)
    assert not violations, f"axe-core found violations on {where or page.url}:\n" + "\n".join(violations)


# --- the demo of `make run`, for the staff pages ----------------------------------------------

DEMO_PASSWORD = "a known passphrase for the demo login"
CHART_TIMEOUT = 20_000  # ms; plotly.min.js is large and the first draw parses it


@pytest.fixture
def demo_wave(transactional_db):
    """What `make run` seeds, with a password we know (seed_demo makes a random one)."""
    seed_demo(responses=300)
    user = get_user_model().objects.get(username=DEMO_USERNAME)
    user.set_password(DEMO_PASSWORD)
    user.save()
    return Wave.objects.select_related("instrument").get(slug=DEMO_WAVE_SLUG)


def expect_drawn(chart):
    """charts.js marks a chart once plotly has drawn it; plotly's SVG must then be inside."""
    from playwright.sync_api import expect

    # expect() polls with Playwright's own script, not page-level eval, which the CSP forbids.
    expect(chart).to_have_class(re.compile(r"\bchart-drawn\b"), timeout=CHART_TIMEOUT)
    expect(chart.locator("svg.main-svg").first).to_be_attached()


def expect_all_drawn(charts, count):
    from playwright.sync_api import expect

    expect(charts).to_have_count(count)
    for index in range(count):
        expect_drawn(charts.nth(index))


def log_in_as_demo(page, server_url):
    """Log the demo change manager in through the login form and land on the dashboards.

    The fields are found by name, not label, so this works whatever the page's language."""
    page.goto(f"{server_url}/accounts/login/")
    page.locator("input[name=username]").fill(DEMO_USERNAME)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{server_url}/dashboard/")
