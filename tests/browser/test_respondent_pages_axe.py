"""Every page a respondent can meet passes axe-core's WCAG 2.1 A and AA rules, in English, German and French.

Checked as people see them, on a phone: the intro, "About you" (also with its error), a theme
page (also with a missing answer), the review, the thank-you page, the "already answered" page,
a closed wave, a wave not open yet, an open link to an invitation-only wave, and a personal link
that opens nothing. German or French is chosen the way a respondent chooses it, on the intro page; the
choice (Django's language cookie) then holds for every page, the error pages included.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from surveys.instrument_files import load_built_in_instrument
from surveys.invitations import create_invitations
from surveys.models import Draft, Response, Side, Wave
from tests.browser.conftest import PHONE, assert_meets_wcag, requires_chromium
from tests.conftest import make_wave

pytestmark = requires_chromium

LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "fr": "Français"}


@pytest.fixture
def waves(organization, value_streams):
    """An open wave on the built-in instrument, and one wave for each page that refuses to open it."""
    instrument = load_built_in_instrument().instrument
    now = timezone.now()

    def wave(slug, **fields):
        return make_wave(organization, instrument, value_streams, slug=slug, title="How we work together", **fields)

    return {
        "open": wave("axe-wave"),
        "closed": wave(
            "axe-closed",
            status=Wave.Status.CLOSED,
            opens_at=now - datetime.timedelta(days=30),
            closes_at=now - datetime.timedelta(days=2),
        ),
        "not_open_yet": wave("axe-later", opens_at=now + datetime.timedelta(days=7)),
        "invitation_only": wave("axe-personal", access=Wave.Access.INVITATION, head_count=5),
    }


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE)
    yield context.new_page()
    context.close()


def check(page, where, language):
    """The page is in the respondent's language and axe-core finds nothing."""
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert_meets_wcag(page, f"{where} ({language})")


def next_button(page):
    return page.locator("main form button.btn-primary[type=submit]")  # "Next", in any language


def expect_announced_error(page):
    """The summary of what is missing is an alert, so a screen reader reads it out on arrival."""
    summary = page.locator(".alert-danger")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")


def expect_radio_groups_are_fieldsets(page):
    """Each statement's radios are one group named by the statement (fieldset and legend)."""
    radios = page.locator("form input[type=radio]")
    assert radios.count() > 0
    expect(page.locator("form input[type=radio]:not(fieldset input)")).to_have_count(0)
    groups = page.locator("form fieldset:has(input[type=radio])")
    for index in range(groups.count()):
        legend = groups.nth(index).locator("> legend")
        expect(legend).to_have_count(1)
        expect(legend).not_to_be_empty()


@pytest.mark.parametrize("language", ["en", "de", "fr"])
@pytest.mark.django_db(transaction=True)
def test_every_respondent_page_passes_axe(live_server, waves, value_streams, phone, language):
    page = phone
    wave = waves["open"]
    page.goto(f"{live_server.url}/s/{wave.slug}/")
    if language != "en":  # the respondent's own choice, on the intro page
        page.get_by_label("Language").select_option(label=LANGUAGE_NAMES[language])
        page.get_by_role("button", name="Change language").click()
        expect(page.locator("html")).to_have_attribute("lang", language)
    check(page, "intro", language)

    page.locator("main form:not(.language-choice) button[type=submit]").click()
    expect(page.locator("select#id_value_stream")).to_be_visible()
    check(page, "about you", language)

    next_button(page).click()  # nothing chosen: value stream and side are required
    expect_announced_error(page)
    expect_radio_groups_are_fieldsets(page)
    expect(page.locator("#id_value_stream")).to_have_attribute("aria-invalid", "true")
    check(page, "about you, with an error", language)
    page.locator("select#id_value_stream").select_option(label="Financing applications")
    page.locator("input[name=side][value=biz]").check()
    next_button(page).click()

    expect(page).to_have_url(f"{live_server.url}/s/{wave.slug}/questions/1/")
    expect_radio_groups_are_fieldsets(page)
    check(page, "a theme page", language)
    groups = page.locator("form fieldset")
    for index in range(groups.count() - 1):  # the last statement left open
        groups.nth(index).get_by_role("radio").nth(3).check()
    next_button(page).click()
    expect_announced_error(page)
    expect_radio_groups_are_fieldsets(page)
    expect(page.locator("form input[type=radio]:checked")).to_have_count(groups.count() - 1)
    # The open statement's group points at its message, and its radios are marked invalid.
    unanswered = page.locator("form fieldset[aria-describedby]")
    expect(unanswered).to_have_count(1)
    expect(page.locator(f"[id='{unanswered.get_attribute('aria-describedby')}']")).to_be_visible()
    expect(unanswered.locator("input[aria-invalid=true]")).to_have_count(6)
    check(page, "a theme page with a missing answer", language)

    # The other topics are answered as the phone test does it; here only their review matters.
    draft = Draft.objects.get(wave=wave)
    draft.data["answers"] = {item.code: "4" for item in wave.instrument.ordered_items()} | {"PCT1": "NA"}
    draft.save()
    page.goto(f"{live_server.url}/s/{wave.slug}/review/")
    expect(page).to_have_url(f"{live_server.url}/s/{wave.slug}/review/")
    check(page, "review", language)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/s/{wave.slug}/thank-you/")
    check(page, "thank you", language)
    assert Response.objects.filter(wave=wave).count() == 1

    page.goto(f"{live_server.url}/s/{wave.slug}/")  # the same browser again
    expect(page.get_by_role("heading", level=1)).not_to_have_text(wave.title)
    check(page, "already answered", language)

    refusals = [
        (f"/s/{waves['closed'].slug}/", 200, "a closed wave"),
        (f"/s/{waves['not_open_yet'].slug}/", 200, "a wave not open yet"),
        (f"/s/{waves['invitation_only'].slug}/", 403, "the open link of an invitation-only wave"),
        ("/i/this-link-opens-nothing-at-all-0123456789abcdef/", 404, "a personal link that opens nothing"),
    ]
    for path, status, where in refusals:
        assert page.goto(live_server.url + path).status == status, where
        check(page, where, language)

    # Last, since it opens the invitation-only wave in this browser: a personal link. The intro
    # says so, and "About you" shows the invitation's value stream and side instead of asking.
    [(_, token)] = create_invitations(waves["invitation_only"], value_streams[1], Side.IT, 1)
    page.goto(f"{live_server.url}/i/{token}/")
    expect(page).to_have_url(f"{live_server.url}/s/{waves['invitation_only'].slug}/")
    check(page, "intro with a personal link", language)
    page.locator("main form:not(.language-choice) button[type=submit]").click()
    expect(page.locator("main dl")).to_contain_text(value_streams[1].name)
    check(page, "about you with a personal link", language)
