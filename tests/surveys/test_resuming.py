"""Coming back to a questionnaire goes on where the answers stop, and "Change" on the review returns
to the review: with the open link and with a personal link (issue 15's walk-through)."""

import re

from django.test import Client

from surveys import invitations
from surveys.models import Wave
from tests.conftest import give_head_counts
from tests.respondents import ABOUT, ANSWERS, BASE, PAGES, REVIEW, answer_pages, fields, page_url, start, text


def come_back(client):
    """Press "Continue where I left off" on the intro page."""
    return client.post(BASE)


def test_continuing_with_the_open_link_goes_to_the_first_page_with_an_unanswered_statement(client, wave, value_streams):
    start(client, value_streams[0])
    client.post(page_url(1), fields(PAGES[0]))
    client.post(page_url(2), fields(PAGES[1][:2]))  # half of page 2: not finished

    reply = come_back(client)

    assert reply.status_code == 302 and reply["Location"] == page_url(2)


def test_continuing_goes_to_an_unfinished_page_before_finished_ones(client, wave, value_streams):
    start(client, value_streams[0])
    client.post(page_url(1), fields(PAGES[0][:1]))  # page 1 half done ...
    client.post(page_url(2), fields(PAGES[1]))  # ... and page 2 answered in full

    assert come_back(client)["Location"] == page_url(1)


def test_continuing_with_every_statement_answered_goes_to_the_review(client, wave, value_streams):
    start(client, value_streams[0])
    answer_pages(client)

    assert come_back(client)["Location"] == REVIEW


def test_continuing_before_about_you_was_answered_goes_there(client, wave, value_streams):
    client.post(BASE)  # started, then left on "About you"

    assert come_back(client)["Location"] == ABOUT


def test_starting_afresh_still_begins_with_about_you(client, wave):
    assert come_back(client)["Location"] == ABOUT


def personal_link(wave, value_stream):
    give_head_counts(wave)
    [(_, token)] = invitations.create_invitations(wave, value_stream, "it", 1)
    return f"/i/{token}/"


def test_a_personal_link_starts_with_about_you_although_it_brings_value_stream_and_side(client, wave, value_streams):
    client.get(personal_link(wave, value_streams[0]))

    assert come_back(client)["Location"] == ABOUT


def test_a_personal_link_continues_on_another_device_at_the_first_unfinished_page(client, wave, value_streams):
    wave.access = Wave.Access.INVITATION
    wave.save()
    link = personal_link(wave, value_streams[0])
    client.get(link)
    client.post(BASE)
    client.post(ABOUT, {"role": "", "tenure_band": ""})
    client.post(page_url(1), fields(PAGES[0]))
    client.post(page_url(2), fields(PAGES[1]))

    other_device = Client()
    other_device.get(link)
    reply = come_back(other_device)

    assert reply["Location"] == page_url(3)


# --- "Change" on the review page -----------------------------------------------------------


def review_links(client):
    return dict(
        (label, href)
        for href, label in re.findall(
            r'<a class="small fw-normal ms-2" href="([^"]+)">Change<span class="visually-hidden"> ([^<]+)</span>',
            text(client.get(REVIEW)),
        )
    )


def answered_everything(client, value_stream):
    start(client, value_stream)
    answer_pages(client)


def test_changing_a_page_from_the_review_returns_to_the_review(client, wave, value_streams):
    answered_everything(client, value_streams[0])
    change_page_1 = next(href for href in review_links(client).values() if href.startswith(page_url(1)))

    page = text(client.get(change_page_1))
    reply = client.post(change_page_1, {**fields(PAGES[0], {**ANSWERS, "PCT1": "4"}), "return": "review"})

    assert "Save and back to the review" in page
    assert reply.status_code == 302 and reply["Location"] == REVIEW
    assert "4 — " in text(client.get(REVIEW))


def test_the_error_page_keeps_the_way_back_to_the_review(client, wave, value_streams):
    start(client, value_streams[0])
    answer_pages(client, pages=[PAGES[0]])

    reply = client.post(page_url(2) + "?return=review", {**fields(PAGES[1][:1]), "return": "review"})

    assert reply.status_code == 200
    assert '<input type="hidden" name="return" value="review">' in text(reply)
    completed = client.post(page_url(2), {**fields(PAGES[1]), "return": "review"})
    assert completed["Location"] == REVIEW


def test_changing_about_you_from_the_review_returns_to_the_review(client, wave, value_streams):
    answered_everything(client, value_streams[0])
    change_about = review_links(client)["About you"]

    reply = client.post(change_about, {"value_stream": value_streams[1].pk, "side": "it", "return": "review"})

    assert change_about == ABOUT + "?return=review"
    assert reply.status_code == 302 and reply["Location"] == REVIEW
    assert value_streams[1].name in text(client.get(REVIEW))


def test_topics_to_complete_named_on_the_review_return_to_it(client, wave, value_streams):
    start(client, value_streams[0])
    answer_pages(client, pages=[PAGES[0], PAGES[1]])
    client.get(page_url(3))

    review = text(client.get(REVIEW))

    assert f'class="alert-link" href="{page_url(3)}?return=review"' in review


def test_next_without_coming_from_the_review_still_goes_on_to_the_next_page(client, wave, value_streams):
    answered_everything(client, value_streams[0])

    assert client.post(page_url(1), fields(PAGES[0]))["Location"] == page_url(2)


# --- the error box of a theme page ---------------------------------------------------------


def test_the_error_box_links_to_the_first_answer_of_the_first_unanswered_statement(client, wave, value_streams):
    start(client, value_streams[0])

    page = text(client.post(page_url(2), fields(["SPS1", "SPS3"])))  # SPS2 and SPS4 left unanswered

    box = re.search(
        r'<div class="alert alert-danger" role="alert" id="form-errors" tabindex="-1">(.*?)</div>',
        page,
        re.S,
    )
    assert box, "no error box that can take the focus"
    [target] = re.findall(r'href="#([^"]+)"', box.group(1))
    first_radio = re.search(rf'<input type="radio"[^>]*\bid="{target}"[^>]*>', page).group(0)
    assert 'name="item-SPS2"' in first_radio
