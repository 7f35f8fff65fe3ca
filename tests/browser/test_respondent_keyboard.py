"""A respondent answers a whole wave on a phone-sized screen with the keyboard alone, stops half-way
and comes back.

Only keys: Tab and Shift+Tab move the focus, Space and the arrow keys answer a radio group (an
arrow key moves to the next answer and chooses it), Enter presses the focused button. The test
never clicks, checks or fills: what it does, a person without a mouse can do. It also looks at
each control it lands on: the focus must be plainly visible (the site's 3px outline).

What the product promises about coming back (docs/respondents.md, "What a respondent sees" and "With a
personal link"): through the open link, the answers are kept with the browser session, so the same
browser continues and another browser starts afresh; with a personal link, the answers are kept
with the invitation, so the same link continues on any device.
"""

import pytest
from playwright.sync_api import expect

from surveys.instrument_files import load_built_in_instrument
from surveys.invitations import create_invitations
from surveys.models import Answer, Draft, Invitation, Response, Side, Wave
from surveys.questionnaire import theme_pages
from tests.browser.conftest import PHONE, requires_chromium
from tests.conftest import make_wave

pytestmark = requires_chromium

# The answers in the order of the radio buttons: the five scale points, then "not applicable".
SCALE = ["1", "2", "3", "4", "5", "NA"]
THEME_PAGES = 6
ITEMS_PER_PAGE = 4
TAB_LIMIT = 40  # more Tab presses than any of our pages has stops


def has_focus(element):
    return element.evaluate("element => element === document.activeElement")


def tab_to(page, element, key="Tab"):
    """Press Tab (or Shift+Tab) until `element` has the focus, as a keyboard user does."""
    for _ in range(TAB_LIMIT):
        page.keyboard.press(key)
        if has_focus(element):
            return
    raise AssertionError(f"{key} never reached {element}")


def expect_focus_visible(element):
    """The focused control shows a real outline, not only Bootstrap's pale ring (1.4:1 on white)."""
    expect(element).to_be_focused()
    expect(element).not_to_have_css("outline-style", "none")
    width = element.evaluate("element => parseFloat(getComputedStyle(element).outlineWidth)")
    assert width >= 2, f"the focus outline is only {width}px wide"


def press_enter_on(page, button):
    expect_focus_visible(button)
    page.keyboard.press("Enter")


def choose(page, group, answer):
    """Answer the radio group that has the focus, still unanswered: Space takes the first answer,
    each arrow key moves to the next and chooses it."""
    position = SCALE.index(answer)
    if position == 0:
        page.keyboard.press("Space")
    for _ in range(position):
        page.keyboard.press("ArrowDown")
    chosen = group.get_by_role("radio").nth(position)
    expect(chosen).to_be_checked()
    expect(chosen).to_be_focused()


def answer_page(page, answers):
    """Tab into each statement's radio group in turn and answer it; one Tab stop per group."""
    groups = page.locator("main form fieldset")
    expect(groups).to_have_count(len(answers))
    tab_to(page, groups.first.get_by_role("radio").first)  # nothing chosen yet: Tab enters at the first answer
    expect_focus_visible(groups.first.get_by_role("radio").first)
    for index, answer in enumerate(answers):
        if index:
            page.keyboard.press("Tab")
            expect(groups.nth(index).get_by_role("radio").first).to_be_focused()
        choose(page, groups.nth(index), answer)


def expect_answers_kept(page, answers):
    groups = page.locator("main form fieldset")
    expect(groups).to_have_count(len(answers))
    for index, answer in enumerate(answers):
        expect(groups.nth(index).locator("input[type=radio]:checked")).to_have_value(answer)


def look_one_page_back(page, live_server, wave, number):
    """From page `number`, "Back" to the page before: its answers are kept; then on to `number` again."""
    back = page.get_by_role("button", name="Back")
    tab_to(page, back)
    press_enter_on(page, back)
    expect(page).to_have_url(f"{live_server.url}/s/{wave.slug}/questions/{number - 1}/")
    expect_answers_kept(page, page_answers(number - 1))
    tab_to(page, page.get_by_role("button", name="Next"))
    go_next(page, live_server, wave, f"questions/{number}/")


def go_next(page, live_server, wave, next_path):
    press_enter_on(page, page.get_by_role("button", name="Next"))
    expect(page).to_have_url(f"{live_server.url}/s/{wave.slug}/{next_path}")


def page_answers(number):
    """A different pattern on every page, "not applicable" included."""
    return [SCALE[(number + index * 2) % len(SCALE)] for index in range(ITEMS_PER_PAGE)]


def answer_theme_page_by_keyboard(page, live_server, wave, number):
    answers = page_answers(number)
    answer_page(page, answers)
    tab_to(page, page.get_by_role("button", name="Next"))
    following = f"questions/{number + 1}/" if number < THEME_PAGES else "review/"
    go_next(page, live_server, wave, following)


def submit_from_review(page, live_server, wave):
    submit = page.get_by_role("button", name="Submit my answers")
    expect(submit).to_be_enabled()
    page.keyboard.press("Shift+Tab")  # backwards from the top of the page: the last control comes first
    press_enter_on(page, submit)
    expect(page).to_have_url(f"{live_server.url}/s/{wave.slug}/thank-you/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")


def assert_one_response_with_every_answer(wave, value_stream, side):
    response = Response.objects.get(wave=wave)
    assert (response.value_stream, response.side) == (value_stream, side)
    stored = dict(Answer.objects.filter(response=response).values_list("item__code", "value"))
    expected = {
        item.code: None if answer == "NA" else int(answer)
        for page in theme_pages(wave.instrument)
        for item, answer in zip(page.items, page_answers(page.number), strict=True)
    }
    assert len(stored) == THEME_PAGES * ITEMS_PER_PAGE
    assert stored == expected
    assert not Draft.objects.filter(wave=wave).exists()


@pytest.fixture
def built_in_wave(organization, value_streams):
    def wave(**fields):
        return make_wave(organization, load_built_in_instrument().instrument, value_streams, **fields)

    return wave


@pytest.mark.django_db(transaction=True)
def test_open_link_answered_by_keyboard_resumes_in_the_same_browser(live_server, browser, built_in_wave, value_streams):
    wave = built_in_wave(slug="keyboard-wave")
    financing = value_streams[0]
    phone = browser.new_context(viewport=PHONE)
    page = phone.new_page()

    page.goto(f"{live_server.url}/s/{wave.slug}/")
    start = page.get_by_role("button", name="Start the questionnaire")
    tab_to(page, start)
    press_enter_on(page, start)

    # About you: type-ahead in the value stream list, Space on the side, Tab past the optional questions.
    expect(page).to_have_url(f"{live_server.url}/s/{wave.slug}/about-you/")
    value_stream = page.get_by_label("Which value stream do you work in?")
    tab_to(page, value_stream)
    expect_focus_visible(value_stream)
    page.keyboard.type("Financing")
    expect(value_stream).to_have_value(str(financing.pk))
    page.keyboard.press("Tab")
    business = page.get_by_label("Business", exact=True)
    expect_focus_visible(business)
    page.keyboard.press("Space")
    expect(business).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Next"))
    go_next(page, live_server, wave, "questions/1/")

    # Topic 1: answered, then one answer changed after going back with Shift+Tab.
    answer_page(page, page_answers(1))
    page.keyboard.press("Shift+Tab")
    third = page.locator("main form fieldset").nth(2)
    expect(third.locator("input:checked")).to_be_focused()  # Shift+Tab lands on the chosen answer
    page.keyboard.press("ArrowUp")  # and the arrow moves the choice
    expect(third.locator("input:checked")).to_have_value(SCALE[SCALE.index(page_answers(1)[2]) - 1])
    page.keyboard.press("ArrowDown")  # changed back: the answers stay those of page_answers(1)
    expect(third.locator("input:checked")).to_have_value(page_answers(1)[2])
    tab_to(page, page.get_by_role("button", name="Next"))
    go_next(page, live_server, wave, "questions/2/")

    # Topic 2: Enter inside a radio group submits the page, and goes forward, not back.
    answer_page(page, page_answers(2))
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/s/{wave.slug}/questions/3/")

    answer_theme_page_by_keyboard(page, live_server, wave, 3)

    # A break after three topics: the tab is closed; the browser, with its session cookie, stays.
    page.close()
    someone_else = browser.new_context(viewport=PHONE).new_page()  # another browser: the open link starts afresh
    someone_else.goto(f"{live_server.url}/s/{wave.slug}/")
    expect(someone_else.get_by_role("button", name="Start the questionnaire")).to_be_visible()
    someone_else.context.close()

    page = phone.new_page()
    page.goto(f"{live_server.url}/s/{wave.slug}/")
    resume = page.get_by_role("button", name="Continue where I left off")
    tab_to(page, resume)
    press_enter_on(page, resume)
    # On at the first topic left unanswered, with the answers so far kept (issue 15).
    expect(page).to_have_url(f"{live_server.url}/s/{wave.slug}/questions/4/")
    expect(page.get_by_text("12 of 24 questions answered")).to_be_visible()
    look_one_page_back(page, live_server, wave, 4)
    for number in range(4, THEME_PAGES + 1):
        answer_theme_page_by_keyboard(page, live_server, wave, number)

    expect(page.get_by_text("24 of 24 questions answered")).to_be_visible()
    submit_from_review(page, live_server, wave)
    assert_one_response_with_every_answer(wave, financing, Side.BIZ)
    phone.close()


@pytest.mark.django_db(transaction=True)
def test_personal_link_answered_by_keyboard_resumes_on_another_device(
    live_server, browser, built_in_wave, value_streams
):
    wave = built_in_wave(slug="keyboard-invitations", access=Wave.Access.INVITATION, head_count=5)
    investing = value_streams[1]
    [(invitation, token)] = create_invitations(wave, investing, Side.IT, 1)
    link = f"{live_server.url}/i/{token}/"

    first_device = browser.new_context(viewport=PHONE)
    page = first_device.new_page()
    page.goto(link)
    expect(page).to_have_url(f"{live_server.url}/s/{wave.slug}/")
    expect(page.get_by_text("You came with a personal link.")).to_be_visible()
    start = page.get_by_role("button", name="Start the questionnaire")
    tab_to(page, start)
    press_enter_on(page, start)

    # Value stream and side come with the invitation: shown, not asked; Tab goes past the optional questions.
    expect(page.get_by_label("Which value stream do you work in?")).to_have_count(0)
    expect(page.locator("main dl")).to_contain_text(investing.name)
    tab_to(page, page.get_by_role("button", name="Next"))
    go_next(page, live_server, wave, "questions/1/")
    for number in (1, 2):
        answer_theme_page_by_keyboard(page, live_server, wave, number)
    page.close()  # a break: the rest is answered on another device with the same link

    second_device = browser.new_context(viewport=PHONE)
    assert second_device.cookies() == []
    page = second_device.new_page()
    page.goto(link)
    resume = page.get_by_role("button", name="Continue where I left off")
    tab_to(page, resume)
    press_enter_on(page, resume)
    expect(page).to_have_url(f"{live_server.url}/s/{wave.slug}/questions/3/")  # the first topic left unanswered
    expect(page.get_by_text("8 of 24 questions answered")).to_be_visible()
    look_one_page_back(page, live_server, wave, 3)  # what the first device answered is here
    for number in range(3, THEME_PAGES + 1):
        answer_theme_page_by_keyboard(page, live_server, wave, number)
    submit_from_review(page, live_server, wave)

    assert_one_response_with_every_answer(wave, investing, Side.IT)
    assert not Invitation.objects.filter(pk=invitation.pk).exists()  # used up: deleted with the submission
    # The first device still holds the link's session: it is told, not offered a second questionnaire.
    page = first_device.new_page()
    page.goto(f"{live_server.url}/s/{wave.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have already answered this survey")
    first_device.close()
    second_device.close()
