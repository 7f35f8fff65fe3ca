"""Issue 15's walk-through, as a respondent meets it in the browser: the error box of a theme page
takes the focus and leads, by keyboard, to the first statement left unanswered; "Change" on the
review returns to the review; coming back continues at the first unfinished page; and a title given
per language on the set-up page is what a respondent in that language reads."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from accounts.models import Membership
from surveys.instrument_files import load_built_in_instrument
from tests.browser.conftest import PHONE, assert_meets_wcag, requires_chromium
from tests.conftest import make_wave

pytestmark = requires_chromium

TOPICS = 6
PASSWORD = "a passphrase for the browser test"


@pytest.fixture
def wave(transactional_db, organization, value_streams):
    return make_wave(organization, load_built_in_instrument().instrument, value_streams, slug="back-wave")


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=PHONE)
    yield context
    context.close()


def next_button(page):
    return page.locator("main form button.btn-primary[type=submit]")


def about_you(page):
    page.get_by_label("Which value stream do you work in?").select_option(label="Financing applications")
    page.get_by_label("Business", exact=True).check()
    next_button(page).click()


def answer_all(page):
    groups = page.locator("main form fieldset")
    for index in range(groups.count()):
        groups.nth(index).get_by_label("Somewhat agree").check()
    next_button(page).click()


def test_the_error_box_takes_the_focus_and_its_link_moves_it_to_the_first_unanswered_statement(
    live_server, context, wave
):
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{wave.slug}/")
    page.get_by_role("button", name="Start the questionnaire").click()
    about_you(page)
    groups = page.locator("main form fieldset")
    groups.first.get_by_label("Somewhat agree").check()  # the 2nd, 3rd and 4th statements left open
    next_button(page).click()

    errors = page.locator("#form-errors")
    expect(errors).to_be_focused()
    expect(errors).to_contain_text("3 statements still need an answer")
    page.keyboard.press("Tab")
    link = errors.get_by_role("link", name="Go to the first statement without an answer")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")

    second = page.locator("main form fieldset").nth(1)
    expect(second.get_by_role("radio").first).to_be_focused()
    page.keyboard.press("Space")  # and the keyboard answers it where the focus now is
    expect(second.get_by_role("radio").first).to_be_checked()
    assert_meets_wcag(page, "a theme page with its error box")


def test_coming_back_continues_where_the_answers_stop_and_change_on_the_review_returns_there(
    live_server, context, wave
):
    page = context.new_page()
    page.goto(f"{live_server.url}/s/{wave.slug}/")
    page.get_by_role("button", name="Start the questionnaire").click()
    about_you(page)
    answer_all(page)
    answer_all(page)
    expect(page.get_by_text("Topic 3 of 6")).to_be_visible()

    page.goto(f"{live_server.url}/s/{wave.slug}/")  # later, in the same browser
    page.get_by_role("button", name="Continue where I left off").click()
    expect(page.get_by_text("Topic 3 of 6")).to_be_visible()

    for _ in range(TOPICS - 2):
        answer_all(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your answers")
    page.get_by_role("link", name="Change Product-Centric Thinking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Product-Centric Thinking")
    page.locator("main form fieldset").first.get_by_label("Strongly agree").check()
    page.get_by_role("button", name="Save and back to the review").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Review your answers")
    expect(page.get_by_text("5 — Strongly agree")).to_be_visible()
    assert_meets_wcag(page, "the review after a change")


def test_a_german_title_given_on_the_set_up_page_is_what_a_respondent_in_german_reads(
    live_server, context, wave, organization
):
    manager = get_user_model().objects.create_user("manager", password=PASSWORD)
    Membership.objects.create(user=manager, organization=organization, role=Membership.Role.CHANGE_MANAGER)
    organization.names = {"de": "Testbank AG"}  # organizations and value streams: in the admin
    organization.save()
    organization.value_streams.filter(name="Financing applications").update(names={"de": "Finanzierung"})
    staff = context.new_page()
    staff.goto(f"{live_server.url}/accounts/login/")
    staff.get_by_label("Username").fill("manager")
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    staff.goto(f"{live_server.url}/dashboard/waves/{wave.slug}/set-up/")
    staff.get_by_text("The title in the respondents’ languages (optional)").click()
    staff.get_by_label("Title in German").fill("Zusammenarbeit 2027")
    assert_meets_wcag(staff, "the set-up page with the titles per language open")
    staff.get_by_role("button", name="Save the set-up").click()
    expect(staff).to_have_url(f"{live_server.url}/dashboard/waves/{wave.slug}/")
    expect(staff.get_by_role("heading", level=1)).to_contain_text(wave.title)  # staff pages: the title itself

    respondent = context.browser.new_context(viewport=PHONE)
    page = respondent.new_page()
    page.goto(f"{live_server.url}/s/{wave.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(wave.title)
    page.get_by_label("Language").select_option(label="Deutsch")
    page.get_by_role("button", name="Change language").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Zusammenarbeit 2027")
    expect(page.get_by_text("Testbank AG")).to_be_visible()
    page.get_by_role("button", name="Fragebogen starten").click()
    choice = page.locator("select[name=value_stream] option")
    expect(choice).to_contain_text(["Finanzierung", "Investing applications"])
    assert_meets_wcag(page, "About you, in German with German names")
    respondent.close()
