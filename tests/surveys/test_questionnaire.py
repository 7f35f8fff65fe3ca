"""The respondent's questionnaire: intro → about you → theme pages → review → thank you."""

import copy
import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from surveys import answer_codes, questionnaire
from surveys.instrument_files import load_instrument
from surveys.models import Answer, Draft, InstrumentVersion, Organization, Response, ValueStream, Wave
from tests.conftest import small_instrument_document
from tests.respondents import (
    ABOUT,
    ANSWERS,
    BASE,
    PAGES,
    REVIEW,
    THANKS,
    answer_pages,
    checked,
    fields,
    page_url,
    start,
    text,
)

FIELD_REQUIRED = "Please choose an answer, or “Not applicable” if it does not apply to you."


def complete(client, value_stream, side="biz", **background):
    """Walk through the whole questionnaire and submit it; return the review POST's reply."""
    start(client, value_stream, side, **background)
    answer_pages(client)
    return client.post(REVIEW)


def draft_answers():
    return Draft.objects.get().data["answers"]


def selected(page, name):
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.findall(r'<option value="([^"]*)" selected>', select)


# --- a complete submission -------------------------------------------------------------


def test_complete_submission_stores_one_response_with_every_answer(client, wave, value_streams):
    reply = complete(client, value_streams[1], side="it", role="po_sm", tenure_band="3-5")

    assert reply.status_code == 302 and reply["Location"] == THANKS
    response = Response.objects.get()
    assert response.wave == wave
    assert response.value_stream == value_streams[1]
    assert (response.side, response.role, response.tenure_band) == ("it", "po_sm", "3-5")
    assert not isinstance(response.submitted_on, datetime.datetime)
    assert response.submitted_on == timezone.localdate()
    stored = dict(response.answers.values_list("item__code", "value"))
    assert stored == {code: None if value == "NA" else int(value) for code, value in ANSWERS.items()}
    assert stored["PCT3"] == 5  # raw as posted, not reverse-coded
    assert stored["SPS3"] is None  # not applicable: a row without a value
    assert Answer.objects.count() == 9
    # The answer codes the dashboards read say the same, in questionnaire order.
    coded, not_applicable = answer_codes.decode(bytes(response.answer_codes), 1, 9, wave.instrument.scale_min)
    order = [item.code for item in wave.instrument.ordered_items()]
    decoded = zip(order, coded[0], not_applicable[0], strict=True)
    assert {code: None if na else int(value) for code, value, na in decoded} == stored


def test_complete_submission_shows_the_thank_you_page(client, wave, value_streams):
    complete(client, value_streams[0])

    reply = client.get(THANKS)

    assert reply.status_code == 200
    assert "Thank you!" in text(reply)
    assert "stored anonymously" in text(reply)


def test_submission_without_role_and_tenure_stores_them_empty(client, wave, value_streams):
    complete(client, value_streams[0], side="biz")

    response = Response.objects.get()
    assert (response.side, response.role, response.tenure_band) == ("biz", "", "")


def test_submission_deletes_the_draft(client, wave, value_streams):
    complete(client, value_streams[0])

    assert Response.objects.count() == 1
    assert not Draft.objects.exists()


def test_thank_you_page_without_submission_leads_to_the_intro(client, wave):
    reply = client.get(THANKS)

    assert reply.status_code == 302 and reply["Location"] == BASE


# --- missing answers -------------------------------------------------------------------


def test_missing_answer_keeps_given_answers(client, wave, value_streams):
    start(client, value_streams[0])

    reply = client.post(page_url(2), {"item-SPS1": "4", "item-SPS4": "NA"})

    assert reply.status_code == 200
    page = text(reply)
    assert "2 statements still need an answer. Your other answers are kept." in page
    assert checked(page, "SPS1") == ["4"]
    assert checked(page, "SPS4") == ["NA"]
    assert checked(page, "SPS2") == [] and checked(page, "SPS3") == []
    assert draft_answers() == {"SPS1": "4", "SPS4": "NA"}
    assert not Response.objects.exists()


def test_partial_post_keeps_answers_given_before_on_the_same_page(client, wave, value_streams):
    start(client, value_streams[0])
    client.post(page_url(2), {"item-SPS1": "4", "item-SPS2": "2"})

    reply = client.post(page_url(2), {"item-SPS3": "3", "item-SPS4": "1"})

    assert reply.status_code == 302 and reply["Location"] == page_url(3)
    assert draft_answers() == {"SPS1": "4", "SPS2": "2", "SPS3": "3", "SPS4": "1"}


def test_missing_answer_is_explained_next_to_the_item(client, wave, value_streams):
    start(client, value_streams[0])

    page = text(client.post(page_url(2), {"item-SPS1": "4", "item-SPS2": "2", "item-SPS4": "5"}))

    missing_block = page.split('id="div_id_item-SPS3"')[1].split('class="question"')[0]
    answered_block = page.split('id="div_id_item-SPS2"')[1].split('class="question"')[0]
    assert FIELD_REQUIRED in missing_block
    assert FIELD_REQUIRED not in answered_block


def test_page_shows_the_statements_to_rate(client, wave, value_streams):
    start(client, value_streams[0])

    page = text(client.get(page_url(1)))

    assert "We work in stable product teams." in page
    assert "IT is left out of idea generation." in page


def test_page_speaks_the_language_of_the_browser(client, wave, value_streams):
    start(client, value_streams[0])

    page = text(client.get(page_url(1), HTTP_ACCEPT_LANGUAGE="de"))

    assert "Wert anstreben" in page  # the dimension's German name
    assert "Stimme voll und ganz zu" in page and "Strongly agree" not in page


def test_about_you_without_side_keeps_the_draft_without_background(client, wave, value_streams):
    client.post(BASE)

    reply = client.post(ABOUT, {"value_stream": value_streams[0].pk})

    assert reply.status_code == 200
    assert "Please choose business or IT." in text(reply)
    assert "side" not in Draft.objects.get().data


# --- nothing is lost on reload, back, or coming back later -----------------------------


def test_answers_are_checked_again_when_a_page_is_revisited(client, wave, value_streams):
    start(client, value_streams[0])
    client.post(page_url(1), fields(PAGES[0]))
    client.get(page_url(2))
    client.get(BASE)

    page = text(client.get(page_url(1)))

    assert checked(page, "PCT1") == ["1"]
    assert checked(page, "PCT2") == ["2"]
    assert checked(page, "PCT3") == ["5"]


def test_back_button_saves_an_incomplete_page_without_complaint(client, wave, value_streams):
    start(client, value_streams[0])
    client.post(page_url(1), fields(PAGES[0]))

    reply = client.post(page_url(2), {"item-SPS2": "3", "previous": "1"})

    assert reply.status_code == 302 and reply["Location"] == page_url(1)
    assert draft_answers()["SPS2"] == "3"
    page = text(client.get(page_url(2)))
    assert checked(page, "SPS2") == ["3"]


def test_back_button_on_the_first_page_leads_to_about_you(client, wave, value_streams):
    start(client, value_streams[0])

    reply = client.post(page_url(1), {"item-PCT1": "2", "previous": "1"})

    assert reply.status_code == 302 and reply["Location"] == ABOUT
    assert draft_answers() == {"PCT1": "2"}


def test_about_you_is_prefilled_when_revisited(client, wave, value_streams):
    start(client, value_streams[1], side="it", role="po_sm", tenure_band="3-5")

    page = text(client.get(ABOUT))

    assert selected(page, "value_stream") == [str(value_streams[1].pk)]
    assert selected(page, "role") == ["po_sm"]
    assert selected(page, "tenure_band") == ["3-5"]
    side_checked = [tag for tag in re.findall(r"<input\b[^>]*>", page) if 'name="side"' in tag and " checked" in tag]
    assert len(side_checked) == 1 and 'value="it"' in side_checked[0]


def test_intro_offers_to_continue_where_the_respondent_left_off(client, wave, value_streams):
    assert "Start the questionnaire" in text(client.get(BASE))
    start(client, value_streams[0])

    page = text(client.get(BASE))

    assert "Continue where I left off" in page
    assert "Start the questionnaire" not in page


def test_continuing_from_the_intro_keeps_the_same_draft(client, wave, value_streams):
    start(client, value_streams[0])
    client.post(page_url(1), fields(PAGES[0]))

    client.post(BASE)

    assert Draft.objects.count() == 1
    assert draft_answers() == {code: ANSWERS[code] for code in PAGES[0]}


def test_coming_back_later_with_the_same_browser_finds_the_answers(client, wave, value_streams):
    start(client, value_streams[0])
    client.post(page_url(1), fields(PAGES[0]))
    later = Client()
    later.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value

    page = text(later.get(page_url(1)))

    assert checked(page, "PCT1") == ["1"] and checked(page, "PCT3") == ["5"]


def test_another_browser_starts_afresh(client, wave, value_streams):
    start(client, value_streams[0])
    client.post(page_url(1), fields(PAGES[0]))

    reply = Client().get(page_url(1))

    assert reply.status_code == 302 and reply["Location"] == BASE


# --- one submission per browser session ------------------------------------------------


def test_second_submission_is_refused_politely_and_stores_nothing(client, wave, value_streams):
    complete(client, value_streams[0])

    reply = client.post(REVIEW)

    assert reply.status_code == 200
    assert "You have already answered this survey" in text(reply)
    assert Response.objects.count() == 1 and Answer.objects.count() == 9


def test_after_submitting_the_questionnaire_link_shows_already_answered(client, wave, value_streams):
    complete(client, value_streams[0])

    reply = client.get(BASE)

    assert reply.status_code == 200
    assert "You have already answered this survey" in text(reply)
    assert "Start the questionnaire" not in text(reply)


def test_starting_again_after_submitting_creates_no_draft(client, wave, value_streams):
    complete(client, value_streams[0])

    client.post(BASE)
    client.post(ABOUT, {"value_stream": value_streams[0].pk, "side": "it"})
    client.post(page_url(1), fields(PAGES[0]))

    assert not Draft.objects.exists()
    assert Response.objects.count() == 1


# --- closed and not-yet-open waves -----------------------------------------------------

NOW = timezone.now()
UNAVAILABLE = {
    "closed": ({"status": Wave.Status.CLOSED}, "This survey is closed"),
    "past closing date": (
        {"opens_at": NOW - datetime.timedelta(days=10), "closes_at": NOW - datetime.timedelta(hours=1)},
        "This survey is closed",
    ),
    "draft": ({"status": Wave.Status.DRAFT}, "This survey is not open yet"),
    "opens in the future": ({"opens_at": NOW + datetime.timedelta(days=3)}, "This survey is not open yet"),
}


@pytest.mark.parametrize("kind", UNAVAILABLE)
def test_unavailable_wave_shows_a_clear_page(client, wave, kind):
    changes, message = UNAVAILABLE[kind]
    Wave.objects.filter(pk=wave.pk).update(**changes)

    reply = client.get(BASE)

    assert reply.status_code == 200
    assert message in text(reply)
    assert "Start the questionnaire" not in text(reply)


@pytest.mark.parametrize("kind", UNAVAILABLE)
def test_unavailable_wave_stores_nothing_from_any_step(client, wave, value_streams, kind):
    start(client, value_streams[0])
    answer_pages(client)  # a complete draft, not yet submitted
    before = copy.deepcopy(Draft.objects.get().data)
    changes, message = UNAVAILABLE[kind]
    Wave.objects.filter(pk=wave.pk).update(**changes)

    replies = [
        client.post(BASE),
        client.post(ABOUT, {"value_stream": value_streams[1].pk, "side": "it"}),
        client.post(page_url(1), {"item-PCT1": "4", "item-PCT2": "4", "item-PCT3": "4"}),
        client.post(REVIEW),
        Client().post(BASE),
    ]

    assert [reply.status_code for reply in replies] == [403] * 5
    assert all(message in text(reply) for reply in replies)
    assert Draft.objects.count() == 1 and Draft.objects.get().data == before
    assert not Response.objects.exists() and not Answer.objects.exists()


def test_wave_that_opens_later_tells_when_it_opens(client, wave):
    Wave.objects.filter(pk=wave.pk).update(opens_at=NOW + datetime.timedelta(days=3))

    assert "It opens on" in text(client.get(BASE))


def test_unknown_wave_is_not_found(client, wave):
    assert client.get("/s/no-such-wave/").status_code == 404


# --- tampered POSTs --------------------------------------------------------------------


def _other_organizations_stream(wave):
    organization = Organization.objects.create(name="Another Bank")
    return ValueStream.objects.create(organization=organization, name="Financing applications").pk


def _forbid_not_applicable(wave):
    InstrumentVersion.objects.filter(pk=wave.instrument_id).update(allows_not_applicable=False)


@pytest.fixture
def other_instrument(db):
    """A second instrument whose first item has a code the test instrument does not have."""
    document = small_instrument_document(code="other", version="1.0")
    document["dimensions"][0]["themes"][0]["items"][0]["code"] = "OTH1"
    return load_instrument(document).instrument


TAMPERED = [
    # (case, url, post data — a dict or a function of the wave, expected message, arrangement)
    ("unknown item", page_url(1), {"item-PCT1": "3", "item-XYZ9": "3"}, '"XYZ9" is not part of this page', None),
    (
        "item of another instrument",
        page_url(1),
        {"item-PCT1": "3", "item-OTH1": "3"},
        '"OTH1" is not part of this page',
        None,
    ),
    (
        "item of another page",
        page_url(1),
        {"item-PCT1": "3", "item-SPS1": "3"},
        '"SPS1" is not part of this page',
        None,
    ),
    ("value above the scale", page_url(1), {"item-PCT1": "9"}, '"9" is not an answer on the scale', None),
    ("value below the scale", page_url(1), {"item-PCT1": "0"}, '"0" is not an answer on the scale', None),
    ("value not a number", page_url(1), {"item-PCT1": "abc"}, '"abc" is not an answer on the scale', None),
    ("second value off the scale", page_url(1), {"item-PCT1": ["3", "7"]}, '"7" is not an answer on the scale', None),
    (
        "not applicable not allowed",
        page_url(1),
        {"item-PCT1": "3", "item-PCT2": "NA"},
        '"NA" is not an answer on the scale',
        _forbid_not_applicable,
    ),
    (
        "value stream of another organization",
        ABOUT,
        lambda wave: {"value_stream": _other_organizations_stream(wave), "side": "it"},
        "The chosen value stream is not part of this survey.",
        None,
    ),
    (
        "value stream not a number",
        ABOUT,
        {"value_stream": "abc", "side": "it"},
        "The chosen value stream is not part of this survey.",
        None,
    ),
    (
        "value stream that does not exist",
        ABOUT,
        {"value_stream": "987654", "side": "it"},
        "The chosen value stream is not part of this survey.",
        None,
    ),
    (
        "side neither biz nor it",
        ABOUT,
        lambda wave: {"value_stream": wave.value_streams.first().pk, "side": "both"},
        '"both" is not a valid choice for side',
        None,
    ),
    (
        "role not offered",
        ABOUT,
        lambda wave: {"value_stream": wave.value_streams.first().pk, "side": "it", "role": "ceo"},
        '"ceo" is not a valid choice for role',
        None,
    ),
    (
        "tenure in years",
        ABOUT,
        lambda wave: {"value_stream": wave.value_streams.first().pk, "side": "it", "tenure_band": "7"},
        '"7" is not a valid choice for tenure band',
        None,
    ),
]


@pytest.mark.parametrize(
    "url, data, message, arrange",
    [case[1:] for case in TAMPERED],
    ids=[case[0] for case in TAMPERED],
)
def test_tampered_post_is_refused_and_stores_nothing(
    client, wave, value_streams, other_instrument, url, data, message, arrange
):
    start(client, value_streams[0], side="biz")
    client.post(page_url(1), {"item-PCT1": "1", "item-PCT2": "2"})
    before = copy.deepcopy(Draft.objects.get().data)
    if arrange:
        arrange(wave)

    reply = client.post(url, data(wave) if callable(data) else data)

    assert reply.status_code == 400
    assert "This request was not accepted" in text(reply)
    assert message in text(reply)
    assert Draft.objects.get().data == before
    assert not Response.objects.exists()


def test_value_stream_of_unicode_digits_is_refused_as_tampered(client, wave, value_streams):
    start(client, value_streams[0], side="biz")
    before = copy.deepcopy(Draft.objects.get().data)

    reply = client.post(ABOUT, {"value_stream": "²", "side": "it"})

    assert reply.status_code == 400
    assert "The chosen value stream is not part of this survey." in text(reply)
    assert Draft.objects.get().data == before


def test_value_stream_removed_from_the_wave_before_submitting_stores_nothing(client, wave, value_streams):
    start(client, value_streams[1])
    answer_pages(client)
    wave.value_streams.remove(value_streams[1])

    reply = client.post(REVIEW)

    assert reply.status_code == 400
    assert "The chosen value stream is not part of this survey." in text(reply)
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert Draft.objects.count() == 1  # the draft survives: the transaction was rolled back


# --- the review --------------------------------------------------------------------------


def test_review_with_unanswered_items_lists_the_topics_to_complete(client, wave, value_streams):
    start(client, value_streams[0])
    client.post(page_url(1), fields(PAGES[0]))
    client.post(page_url(2), {"item-SPS1": "3", "previous": "1"})

    reply = client.post(REVIEW)

    assert reply.status_code == 200
    warning = re.search(r'<div class="alert alert-warning"[^>]*>(.*?)</div>', text(reply), re.S).group(1)
    assert "Please complete these topics" in warning
    assert "Structured Priority Staging" in warning and "Digital Harmony" in warning
    assert "Product-Centric Thinking" not in warning
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert Draft.objects.get().data["answers"]["SPS1"] == "3"


def test_review_shows_the_answers_given(client, wave, value_streams):
    start(client, value_streams[0], side="it")
    answer_pages(client)

    page = text(client.get(REVIEW))

    assert "Financing applications" in page
    assert "1 — Strongly disagree" in page  # PCT1
    assert "Not applicable" in page  # SPS3
    assert "No answer yet" not in page
    assert not Response.objects.exists()


# --- racing submissions ------------------------------------------------------------------


@pytest.fixture
def completed_draft_session(client, wave, value_streams):
    """The session data of a browser whose draft is complete but not yet submitted."""
    start(client, value_streams[0])
    answer_pages(client)
    return dict(client.session.items())


def test_two_racing_submissions_of_one_draft_store_one_response(wave, completed_draft_session):
    pages = questionnaire.theme_pages(wave.instrument)
    first, second = copy.deepcopy(completed_draft_session), copy.deepcopy(completed_draft_session)

    response = questionnaire.submit_draft(first, wave, pages)
    with pytest.raises(questionnaire.AlreadySubmitted):
        questionnaire.submit_draft(second, wave, pages)

    assert list(Response.objects.all()) == [response]
    assert Answer.objects.count() == 9
    assert questionnaire.has_submitted(first, wave)


def test_submission_that_loses_the_race_after_reading_the_draft_stores_nothing(
    wave, completed_draft_session, monkeypatch
):
    """Both requests have read the draft; only the one that deletes it stores a response."""
    pages = questionnaire.theme_pages(wave.instrument)
    stale = Draft.objects.get()
    questionnaire.submit_draft(copy.deepcopy(completed_draft_session), wave, pages)
    monkeypatch.setattr(questionnaire, "find_draft", lambda session, wave: stale)

    with pytest.raises(questionnaire.AlreadySubmitted):
        questionnaire.submit_draft(copy.deepcopy(completed_draft_session), wave, pages)

    assert Response.objects.count() == 1 and Answer.objects.count() == 9
