"""The staff pages in German and French: no English left, numbers written the way of the language.

Each page is read twice, by a browser that asks for English and by one that asks for German or
French, on the demo of `make run` (the built-in instrument has every text in all three
languages). What the English page says in words must not appear on the other: only data (names
of the organization, value streams and waves, codes) and words alike in every language may.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from dashboards.models import RadiatorLink
from dashboards.templatetags.figures import magnitude
from exports.log import PAGE, log_export
from exports.planning import plan_export
from surveys import audit, invitations
from surveys.demo import DEMO_EARLIER_WAVE_SLUG, DEMO_USERNAME, DEMO_VALUE_STREAMS, DEMO_WAVE_SLUG, seed_demo
from surveys.instrument_files import export_instrument, load_instrument
from surveys.models import InstrumentVersion, Item, Wave
from tests.conftest import wave_waiting_for_results
from tests.languages import (  # noqa: F401 — the two fixtures apply to every test here
    MESSAGE_BOUNDARY,
    compiled_catalogues,
    default_language_afterwards,
    page_language,
    text_nodes,
)

OTHER_LANGUAGES = ["de", "fr"]
# Words alike in English, German and French: marks, abbreviations, each language's own name.
SAME_WORDS = {
    "IT",
    "Biz",
    "wg",
    "alpha",
    "CSV",
    "PNG",
    "JSON",
    "SPSS",
    "sav",
    "Markdown",
    "Admin",
    "AlignSurvey",
    "Holm",
}
SAME_WORDS |= {"CFI", "TLI", "RMSEA", "SRMR", "lavaan", "omega", "χ²"}  # fit indices, names
SAME_WORDS |= {"English", "Deutsch", "Français", "Items", "Hedges", "Total", "Dimension", "Item", "Instrument"}
# Words a language shares with English (German survey research says "Items" and "Dashboards" too).
SAME_IN = {
    "de": {"Dashboards", "Status", "Layout", "orange", "Optional", "Export", "Format", "Version", "Code"},
    "fr": {
        "Exports",
        "Pages",
        "page",
        "Codebook",
        "Format",
        "Dimensions",
        "Action",
        "Invitations",
        "Export",
        "Code",
        "Version",
        "Instruments",
    },
}


@pytest.fixture
def demo(db):
    seed_demo(responses=120)
    wave = Wave.objects.select_related("organization").get(slug=DEMO_WAVE_SLUG)
    user = get_user_model().objects.get(username=DEMO_USERNAME)
    _, token = RadiatorLink.create(wave.value_streams.get(name=DEMO_VALUE_STREAMS[2]), user)
    write_the_audit_log(wave, user)
    return wave, user, token


def write_the_audit_log(wave, user):
    """An entry of every kind the application writes, for the audit log's page."""
    stream = wave.value_streams.get(name=DEMO_VALUE_STREAMS[2])
    build_url = invitations.link_builder("https://survey.example.org")
    invitations.create_invitations(wave, stream, "it", 2, user=user)
    invitations.send_invitations(wave, stream, "biz", ["ana@example.org"], build_url, user=user)
    invitations.send_reminders(wave, build_url, user=user)
    invitations.revoke_invitations(wave.invitations.all(), user=user)
    earlier = Wave.objects.get(slug=DEMO_EARLIER_WAVE_SLUG)
    changes = [
        {"field": "title", "old": earlier.title, "new": wave.title},
        {"field": "status", "old": "draft", "new": "open"},
        {"field": "access", "old": "open", "new": "invitation"},
        {"field": "anonymity_threshold", "old": 5, "new": 6},
        {"field": "opens_at", "old": "2026-03-01 08:00", "new": "2026-03-02 08:00"},
        {"field": "head_count", "value_stream": stream.name, "side": "biz", "old": 20, "new": 24},
    ]
    audit.record("wave_changed", organization=wave.organization, wave=wave, user=user, changes=changes, channel="page")
    log_export(plan_export(earlier), "csv", "long", PAGE, user=user)
    audit.record(
        "instrument_uploaded",
        organization=wave.organization,
        user=user,
        code="vsm-oa",
        version="9.0",
        outcome="created",
        file="vsm-oa.json",
        items=24,
    )


def a_newer_version(instrument):
    """A version after the demo's instrument, one item reworded in every language and one removed:
    the Instruments page offers to compare them."""
    document = export_instrument(instrument) | {"version": "9.0"}
    theme = document["dimensions"][0]["themes"][0]
    theme["items"][0]["text"] = {language: f"{text} (9.0)" for language, text in theme["items"][0]["text"].items()}
    del theme["items"][-1]
    return load_instrument(document).instrument


def staff_pages(wave, token):
    stream = wave.value_streams.get(name=DEMO_VALUE_STREAMS[2])
    base = f"/dashboard/waves/{wave.slug}"
    return {
        "dashboards": "/dashboard/",
        "overview": f"{base}/",
        "organization": f"{base}/organization/",
        "organization, dimensions": f"{base}/organization/?level=dimension",
        "value stream": f"{base}/streams/{stream.pk}/",
        "items": f"{base}/items/",
        "report": f"{base}/report/",
        "value stream report": f"{base}/streams/{stream.pk}/report/",
        "over time": reverse("dashboards:trends", args=[wave.organization_id]),
        "audit log": reverse("dashboards:audit_log", args=[wave.organization_id]),
        "wave set-up": f"{base}/set-up/",
        "new wave": reverse("dashboards:wave_create", args=[wave.organization_id]),
        "invitations": f"{base}/invitations/",
        "exports": "/exports/",
        "what to keep in an export": reverse("exports:choose", args=[DEMO_EARLIER_WAVE_SLUG]),
        "instruments": reverse("exports:instruments"),
        "instrument comparison": reverse("exports:instrument_compare", args=[a_newer_version(wave.instrument).pk]),
        "structural validity": f"/exports/waves/{DEMO_EARLIER_WAVE_SLUG}/structural-validity/",
        "password": "/accounts/password/",
        "radiator": f"/radiator/{token}/",
        **waiting_pages(wave),
    }


def waiting_pages(demo):
    """A wave of the demo's organization whose results are not released yet: its pages say so."""
    streams = list(demo.value_streams.order_by("name"))
    waiting = Wave.objects.filter(slug="waiting-wave").first() or wave_waiting_for_results(
        demo.organization, demo.instrument, streams
    )
    return {
        "no results yet": f"/dashboard/waves/{waiting.slug}/organization/",
        "overview, results to release": f"/dashboard/waves/{waiting.slug}/",
    }


def words(reply, data_names, same=frozenset()):
    """The pieces of text written in some language, data names and words alike everywhere taken out."""
    segments = set()
    for node in text_nodes(reply):
        for name in data_names:
            node = node.replace(name, " ")
        for segment in MESSAGE_BOUNDARY.split(node):
            segment = " ".join(segment.split())
            letters = re.sub(r"[^\w]+", " ", segment).split()
            if [w for w in letters if not w.isdigit() and w not in SAME_WORDS | same and len(w) > 1]:
                segments.add(segment)
    return segments


def data_names(wave):
    names = [wave.organization.name, *DEMO_VALUE_STREAMS]
    names += list(Wave.objects.filter(organization=wave.organization).values_list("title", flat=True))
    names += list(Wave.objects.filter(organization=wave.organization).values_list("slug", flat=True))
    names += [DEMO_USERNAME, audit.operating_system_account(), str(wave.instrument)]
    names += ["python manage.py export_responses <wave> --format csv|json|sav [--layout wide|long]"]  # a command
    versions = InstrumentVersion.objects.all()
    names += [str(i) for i in versions] + [f"v{i.version}" for i in versions]  # "vsm-oa v1.1", "v9.0"
    names += [wave.instrument.code, f"{wave.instrument.code}.json"]  # an instrument's code and file name
    # A comparison of versions quotes the items in each of their languages: data, as respondents read them.
    names += [text for item in Item.objects.all() for text in item.text.values()]
    names += [f"python manage.py psychometrics {DEMO_EARLIER_WAVE_SLUG} [--json]"]  # a command
    names += ["http://testserver"]  # the questionnaire link on the overview: an address, not words
    return sorted(names, key=len, reverse=True)


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_staff_pages_have_no_english_in_another_language(demo, language):
    wave, user, token = demo
    english, other = Client(HTTP_ACCEPT_LANGUAGE="en"), Client(HTTP_ACCEPT_LANGUAGE=language)
    english.force_login(user)
    other.force_login(user)
    pages = staff_pages(wave, token)
    names = data_names(wave)
    instrument = wave.instrument
    codes = {*instrument.dimensions.values_list("code", flat=True), *instrument.themes.values_list("code", flat=True)}
    codes |= set(instrument.ordered_items().values_list("code", flat=True))
    same = SAME_IN[language] | codes
    for name, path in pages.items():
        english_reply, other_reply = english.get(path), other.get(path)
        assert english_reply.status_code == other_reply.status_code == 200, name
        assert page_language(other_reply) == language, name
        english_words = words(english_reply, names, codes)
        assert english_words, name
        left = english_words & words(other_reply, names, same)
        assert not left, f"English on the {language} page {name!r}: {sorted(left)}"


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_the_log_in_page_has_no_english_in_another_language(db, language):
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/")
    other = Client(HTTP_ACCEPT_LANGUAGE=language).get("/accounts/login/")
    assert page_language(other) == language
    left = words(english, []) & words(other, [], SAME_IN[language])
    assert not left, sorted(left)


def test_numbers_are_written_the_way_of_the_language(demo):
    wave, user, _ = demo
    pages = {}
    for language in ("en", "de", "fr"):
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(user)
        pages[language] = client.get(f"/dashboard/waves/{wave.slug}/organization/").content.decode()
    gap = re.search(r'<td class="text-end fw-semibold">([+−-]?\d+\.\d\d)</td>', pages["en"]).group(1)
    decimal_comma = gap.replace(".", ",")
    assert f">{decimal_comma}<" in pages["de"] and f">{decimal_comma}<" in pages["fr"]
    assert '"separators": ",.' in pages["de"] or '"separators":",.' in pages["de"]


def test_the_admin_stays_in_english(db):
    admin = get_user_model().objects.create_superuser("root", password="x")
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(admin)
    reply = client.get("/admin/")
    assert page_language(reply) == "en"


def test_effect_size_words_are_translated_and_a_missing_one_reads_as_nothing():
    assert magnitude("large") == "large" and magnitude(None) == ""
    with translation.override("de"):
        assert magnitude("large") == "gross"
