"""Languages: the respondent's pages in English, German and French, chosen on the intro page.

The central check walks the whole questionnaire once in English and once in another language
and requires that no text a respondent reads on an English page appears on the same page in
the other language — apart from names that are data (the wave, organization and value streams),
numbers, and the few words that are the same in every language.
"""

import datetime
import html
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from surveys.instrument_files import BUILT_IN_INSTRUMENT, load_built_in_instrument, read_instrument_file
from surveys.models import Response, Wave
from tests.conftest import make_wave
from tests.languages import (  # noqa: F401 — the two fixtures apply to every test here
    MESSAGE_BOUNDARY,
    compiled_catalogues,
    default_language_afterwards,
    page_language,
    text_nodes,
)

SLUG = "spring-survey"
BASE = f"/s/{SLUG}/"
ABOUT = BASE + "about-you/"
REVIEW = BASE + "review/"
THANKS = BASE + "thank-you/"
WAVE_TITLE = "Spring survey 2027"
# Names that are data (organization, value streams, wave) and the brand: taken out of the text
# before comparing. Whole text nodes that are alike in every language: each language's own name
# in the language choice, and "IT", the word for IT in English, German and French.
SAME_IN_EVERY_LANGUAGE = ["Test Bank", "Financing applications", "Investing applications", WAVE_TITLE, "AlignSurvey"]
SAME_WORDS = {"IT", "English", "Deutsch", "Français"}
OTHER_LANGUAGES = ["de", "fr"]
NOW = timezone.now()


@pytest.fixture
def built_in(db):
    return load_built_in_instrument().instrument


@pytest.fixture
def wave(organization, built_in, value_streams):
    return make_wave(organization, built_in, value_streams, slug=SLUG, title=WAVE_TITLE)


# --- reading pages as a respondent reads them -------------------------------------------


def language_text(reply):
    """The pieces of text written in some language: each text node cut into its sentences, data
    names taken out, without what is only digits and punctuation or alike in every language."""
    segments = set()
    for node in text_nodes(reply):
        for name in SAME_IN_EVERY_LANGUAGE:
            node = node.replace(name, " ")
        for segment in MESSAGE_BOUNDARY.split(node):
            segment = " ".join(segment.split())
            if re.search(r"[^\W\d_]", segment) and segment.strip(" .,:;!?") not in SAME_WORDS:
                segments.add(segment)
    return segments


def language_options(reply):
    """(value, lang attribute, label) of each option of the intro page's language choice."""
    form = re.search(r'<select id="language" name="language"[^>]*>(.*?)</select>', reply.content.decode(), re.S)
    if form is None:
        return []
    return [
        (value, lang, html.unescape(label))
        for value, lang, label in re.findall(r'<option value="([^"]*)" lang="([^"]*)"[^>]*>([^<]*)</option>', form[1])
    ]


def choose_language(client, language):
    """Choose `language` on the intro page, posting what its language form posts."""
    page = client.get(BASE).content.decode()
    form = re.search(r'<form method="post" action="([^"]*)"[^>]*class="language-choice[^"]*">(.*?)</form>', page, re.S)
    assert form is not None, "the intro page has no language choice"
    action, body = form.groups()
    next_url = html.unescape(re.search(r'name="next" value="([^"]*)"', body).group(1))
    reply = client.post(html.unescape(action), {"language": language, "next": next_url})
    assert reply.status_code == 302 and reply["Location"] == BASE
    return reply


def walk(client, language, value_stream):
    """Choose `language` on the intro page and answer the whole questionnaire; return every page
    on the way by name (including the pages that point out missing answers)."""
    choose_language(client, language)
    pages = {"intro": client.get(BASE)}
    client.post(BASE)
    pages["about you"] = client.get(ABOUT)
    pages["about you, nothing chosen"] = client.post(ABOUT, {})
    client.post(ABOUT, {"value_stream": value_stream.pk, "side": "biz", "role": "po_sm", "tenure_band": "3-5"})
    for number in range(1, 7):
        url = f"{BASE}questions/{number}/"
        page = client.get(url)
        pages[f"questions {number}"] = page
        codes = list(dict.fromkeys(re.findall(r'name="item-(\w+)"', page.content.decode())))
        assert codes, f"no statements on page {number}"
        if number == 1:
            pages["questions 1, one answer missing"] = client.post(url, {f"item-{codes[0]}": "2"})
            pages["review, incomplete"] = client.get(REVIEW)
        answers = {f"item-{code}": "NA" if code.endswith("4") else "4" for code in codes}
        assert client.post(url, answers).status_code == 302
    pages["review"] = client.get(REVIEW)
    assert client.post(REVIEW)["Location"] == THANKS
    pages["thank you"] = client.get(THANKS)
    pages["already answered"] = client.get(BASE)
    return pages


# --- no English on the pages of another language ----------------------------------------


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_a_respondent_in_another_language_sees_no_english_on_any_page(wave, value_streams, language):
    english = walk(Client(), "en", value_streams[0])
    other = walk(Client(), language, value_streams[0])

    assert list(other) == list(english)
    assert Response.objects.count() == 2
    for name, reply in other.items():
        assert reply.status_code == english[name].status_code == 200, name
        assert page_language(reply) == language, name
        assert page_language(english[name]) == "en", name
        english_text = language_text(english[name])
        assert english_text, name
        assert not english_text & language_text(reply), f"English on the {language} page {name!r}"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
@pytest.mark.parametrize(
    "changes",
    [
        {"opens_at": NOW + datetime.timedelta(days=3)},
        {"opens_at": NOW - datetime.timedelta(days=10), "closes_at": NOW - datetime.timedelta(days=1)},
        {"status": Wave.Status.CLOSED},
        {"access": Wave.Access.INVITATION},
    ],
    ids=["opens later", "past its closing date", "closed", "invitation only"],
)
def test_pages_instead_of_the_questionnaire_have_no_english_either(wave, language, changes):
    Wave.objects.filter(pk=wave.pk).update(**changes)

    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(BASE)
    other = Client(HTTP_ACCEPT_LANGUAGE=language).get(BASE)

    assert page_language(other) == language
    assert language_text(english) and not language_text(english) & language_text(other)


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_the_not_found_page_speaks_the_browsers_language(db, language):
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/s/no-such-wave/")
    other = Client(HTTP_ACCEPT_LANGUAGE=language).get("/s/no-such-wave/")

    assert other.status_code == english.status_code == 404
    assert language_text(english) and not language_text(english) & language_text(other)


# --- choosing the language --------------------------------------------------------------


def test_the_language_chosen_on_the_intro_page_sticks_across_pages(wave, value_streams):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the browser asks for English; the choice wins
    choose_language(client, "fr")
    client.post(BASE)

    about = client.get(ABOUT)
    client.post(ABOUT, {"value_stream": value_streams[0].pk, "side": "it"})
    questions = client.get(f"{BASE}questions/1/")

    assert page_language(about) == page_language(questions) == "fr"
    assert about["Content-Language"] == "fr"
    assert "Dans quel flux de valeur travaillez-vous ?" in text_nodes(about)  # (nodes collapse the no-break space)
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"


def test_without_a_choice_the_browsers_language_decides(wave):
    assert page_language(Client(HTTP_ACCEPT_LANGUAGE="de-CH,de;q=0.9,en;q=0.5").get(BASE)) == "de"
    assert page_language(Client(HTTP_ACCEPT_LANGUAGE="fr-CH").get(BASE)) == "fr"
    assert page_language(Client().get(BASE)) == "en"


def test_the_intro_offers_every_language_of_the_instrument_each_in_itself(wave):
    options = language_options(Client().get(BASE))

    assert options == [("en", "en", "English"), ("de", "de", "Deutsch"), ("fr", "fr", "Français")]


def test_the_intro_offers_only_the_languages_of_the_wave(wave):
    Wave.objects.filter(pk=wave.pk).update(languages=["fr", "de"])

    options = language_options(Client(HTTP_ACCEPT_LANGUAGE="fr").get(BASE))

    assert options == [("fr", "fr", "Français"), ("de", "de", "Deutsch")]


def test_the_intro_offers_only_languages_the_instrument_has(organization, instrument, value_streams):
    make_wave(organization, instrument, value_streams, slug=SLUG, languages=["en", "de", "fr"])  # no French texts

    options = language_options(Client().get(BASE))

    assert [value for value, _lang, _label in options] == ["en", "de"]


def test_a_wave_in_one_language_offers_no_choice_and_speaks_it(wave):
    Wave.objects.filter(pk=wave.pk).update(languages=["de"])

    page = Client(HTTP_ACCEPT_LANGUAGE="fr").get(BASE)

    assert language_options(page) == []
    assert 'action="/i18n/setlang/"' not in page.content.decode()
    assert page_language(page) == "de"


def _english_choice():
    """A browser that chose English earlier, perhaps for another wave."""
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.parametrize(
    "client", [lambda: Client(HTTP_ACCEPT_LANGUAGE="en"), _english_choice], ids=["browser", "earlier choice"]
)
def test_a_language_the_wave_does_not_offer_falls_back_to_the_waves_first(wave, value_streams, client):
    Wave.objects.filter(pk=wave.pk).update(languages=["fr", "de"])
    respondent = client()
    respondent.post(BASE)
    respondent.post(ABOUT, {"value_stream": value_streams[0].pk, "side": "biz"})

    intro, questions = respondent.get(BASE), respondent.get(f"{BASE}questions/1/")

    assert page_language(intro) == page_language(questions) == "fr"
    page = html.unescape(questions.content.decode())
    assert "Pensée centrée sur le produit" in page and "Product-Centric Thinking" not in page
    assert "Tout à fait d’accord" in page and "Strongly agree" not in page


def test_only_a_language_of_the_site_can_be_chosen(wave):
    client = Client()
    client.post("/i18n/setlang/", {"language": "it", "next": BASE})

    assert page_language(client.get(BASE)) == "en"


# --- the instrument's texts in the chosen language ----------------------------------------


@pytest.mark.parametrize(
    ("language", "dimension", "theme", "statement", "agree", "not_applicable"),
    [
        (
            "en",
            "Seek Value",
            "Product-Centric Thinking",
            "In my value stream, we work as a stable product team instead of being staffed anew for each project.",
            "Strongly agree",
            "Not applicable",
        ),
        (
            "de",
            "Wertorientierung",
            "Produktzentriertes Denken",
            "In meinem Value Stream arbeiten wir als stabiles Produktteam, statt für jedes Projekt neu "
            "zusammengestellt zu werden.",
            "Stimme voll und ganz zu",
            "Nicht zutreffend",
        ),
        (
            "fr",
            "Rechercher la valeur",
            "Pensée centrée sur le produit",
            "Dans mon flux de valeur, nous travaillons en équipe produit stable, au lieu d’être constitués à "
            "nouveau pour chaque projet.",
            "Tout à fait d’accord",
            "Sans objet",
        ),
    ],
)
def test_statements_and_scale_appear_in_the_chosen_language(
    wave, value_streams, language, dimension, theme, statement, agree, not_applicable
):
    client = Client()
    choose_language(client, language)
    client.post(BASE)
    client.post(ABOUT, {"value_stream": value_streams[0].pk, "side": "biz"})

    nodes = text_nodes(client.get(f"{BASE}questions/1/"))

    assert theme in nodes and statement in nodes and agree in nodes and not_applicable in nodes
    assert any(node.endswith(dimension) for node in nodes)


def test_the_review_shows_the_answers_in_the_chosen_language(wave, value_streams):
    pages = walk(Client(), "fr", value_streams[0])

    nodes = text_nodes(pages["review"])

    assert "4 — Plutôt d’accord" in nodes and "Sans objet" in nodes
    assert "Product owner ou scrum master" in nodes and "3 à 5 ans" in nodes and "Métier" in nodes


# --- dates ------------------------------------------------------------------------------

OPENS = datetime.datetime(2030, 3, 1, 7, 0, tzinfo=datetime.UTC)  # 08:00 in Zurich


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "March 1, 2030, 8 a.m."), ("de", "1. März 2030 08:00"), ("fr", "1 mars 2030 08:00")],
)
def test_the_opening_date_is_written_the_way_of_the_language(wave, language, shown):
    Wave.objects.filter(pk=wave.pk).update(opens_at=OPENS)

    page = " ".join(text_nodes(Client(HTTP_ACCEPT_LANGUAGE=language).get(BASE)))

    assert shown in page


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "until Dec. 24, 2099, 6 p.m."),
        ("de", "bis zum 24. Dezember 2099 18:00"),
        ("fr", "jusqu’au 24 décembre 2099 18:00"),
    ],
)
def test_the_intro_tells_until_when_to_answer_the_way_of_the_language(wave, language, shown):
    Wave.objects.filter(pk=wave.pk).update(closes_at=datetime.datetime(2099, 12, 24, 17, 0, tzinfo=datetime.UTC))

    page = " ".join(text_nodes(Client(HTTP_ACCEPT_LANGUAGE=language).get(BASE)))

    assert shown in page


# --- the built-in instrument in French ----------------------------------------------------


def _without_french(value):
    if isinstance(value, dict):
        return {key: _without_french(inner) for key, inner in value.items() if key != "fr"}
    if isinstance(value, list):
        return [_without_french(inner) for inner in value]
    return value


def _texts(document):
    """Every per-language text mapping of an instrument document."""
    yield document["title"]
    yield from document["scale"]["labels"].values()
    for dimension in document["dimensions"]:
        yield dimension["name"]
        for theme in dimension["themes"]:
            yield theme["name"]
            yield theme["description"]
            yield from (item["text"] for item in theme["items"])


def test_the_built_in_instrument_has_every_text_in_english_german_and_french():
    document = read_instrument_file(BUILT_IN_INSTRUMENT)

    assert document["languages"] == ["en", "de", "fr"]
    for texts in _texts(document):
        assert set(texts) == {"en", "de", "fr"}, texts["en"]
        assert len({texts["en"], texts["de"], texts["fr"]}) == 3, texts["en"]


def test_version_1_1_is_version_1_0_with_french_added():
    older = read_instrument_file(BUILT_IN_INSTRUMENT.with_name("vsm-oa-1.0.json"))
    newer = read_instrument_file(BUILT_IN_INSTRUMENT)

    assert (older["version"], newer["version"]) == ("1.0", "1.1")
    assert older["languages"] == ["en", "de"]
    unchanged = dict(_without_french(newer), version="1.0", languages=["en", "de"])
    assert unchanged == older
