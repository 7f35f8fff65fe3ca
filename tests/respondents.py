"""The small test instrument's questionnaire walked through as a respondent walks it (Django's
test client): its addresses, a full set of answers, and helpers that post them. Shared by the
questionnaire, invitation and privacy tests."""

import html
import re

BASE = "/s/test-wave/"
ABOUT = BASE + "about-you/"
REVIEW = BASE + "review/"
THANKS = BASE + "thank-you/"
PAGES = [["PCT1", "PCT2", "PCT3"], ["SPS1", "SPS2", "SPS3", "SPS4"], ["DH1", "DH2"]]
# Raw answers as a respondent gives them: PCT3 is reverse-worded and must be stored as posted.
ANSWERS = {
    "PCT1": "1",
    "PCT2": "2",
    "PCT3": "5",
    "SPS1": "3",
    "SPS2": "4",
    "SPS3": "NA",
    "SPS4": "5",
    "DH1": "2",
    "DH2": "1",
}


def page_url(number):
    return f"{BASE}questions/{number}/"


def fields(codes, answers=ANSWERS):
    return {f"item-{code}": answers[code] for code in codes}


def start(client, value_stream, side="biz", **background):
    """Intro → about you; returns the about-you response (a redirect to page 1)."""
    client.post(BASE)
    return client.post(ABOUT, {"value_stream": value_stream.pk, "side": side, **background})


def answer_pages(client, answers=ANSWERS, pages=PAGES):
    for number, codes in enumerate(pages, start=1):
        reply = client.post(page_url(number), fields(codes, answers))
        assert reply.status_code == 302, reply.content.decode()


def checked(page, code):
    """The values of the radios of item `code` that the page renders checked."""
    values = []
    for tag in re.findall(r"<input\b[^>]*>", page):
        if f'name="item-{code}"' in tag and re.search(r"\schecked\b", tag):
            values.append(re.search(r'value="([^"]*)"', tag).group(1))
    return values


def text(reply):
    """The page as a user reads it (entities such as &quot; resolved)."""
    return html.unescape(reply.content.decode())
