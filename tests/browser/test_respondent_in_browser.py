"""A respondent answers the built-in questionnaire in a real browser on a phone-sized screen."""

import os
import shutil

import pytest
from playwright.sync_api import expect

from surveys.instrument_files import load_built_in_instrument
from surveys.models import Answer, Response
from tests.conftest import make_wave

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) or shutil.which("chromium") is None,
    reason="Debian's chromium is not installed (apt-get install chromium); browser tests skipped",
)
# Playwright's sync API runs an event loop in this thread; the test's own database calls are
# plain synchronous ones, which Django would otherwise refuse next to a running loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser.new_page(viewport={"width": 375, "height": 667})
        browser.close()


@pytest.mark.django_db(transaction=True)
def test_respondent_answers_every_question_on_a_phone(live_server, page, organization, value_streams):
    instrument = load_built_in_instrument().instrument
    wave = make_wave(organization, instrument, value_streams, slug="phone-wave")

    page.goto(f"{live_server.url}/s/{wave.slug}/")
    expect(page.get_by_text("How your anonymity is protected").first).to_be_visible()
    page.get_by_role("button", name="Start the questionnaire").click()
    page.get_by_label("Which value stream do you work in?").select_option(label="Financing applications")
    page.get_by_label("Business", exact=True).check()
    page.get_by_role("button", name="Next").click()

    for _ in range(6):
        groups = page.locator("fieldset")
        # Leave the last statement open once: the page must say so and keep the others.
        for index in range(groups.count() - 1):
            groups.nth(index).get_by_label("Somewhat agree").check()
        page.get_by_role("button", name="Next").click()
        # Wait for the answer page to arrive before reading it: content() does not wait.
        expect(page.get_by_text("still needs an answer").first).to_be_visible()
        assert page.locator("input[type=radio]:checked").count() == groups.count() - 1
        page.locator("fieldset").last.get_by_label("Not applicable").check()
        page.get_by_role("button", name="Next").click()

    expect(page.get_by_text("Review your answers").first).to_be_visible()
    page.get_by_role("button", name="Submit my answers").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you!"

    response = Response.objects.get(wave=wave)
    assert response.side == "biz" and response.value_stream.name == "Financing applications"
    assert Answer.objects.filter(response=response).count() == 24
    assert Answer.objects.filter(response=response, value__isnull=True).count() == 6  # one NA per topic
