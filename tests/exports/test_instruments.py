"""The Instruments page: upload (good and bad files), who sees what, the preview that stores
nothing, the download that loads back to the same, the comparison with the version before, and
the wave set-up offering what the organization sees."""

import copy
import json

import pytest
import yaml
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Membership
from dashboards.forms import WaveForm
from surveys.instrument_files import export_instrument, load_instrument
from surveys.instrument_uploads import compare_documents, previous_version
from surveys.models import AuditEntry, InstrumentVersion, Item, Organization, ValueStream
from tests.conftest import make_wave, small_instrument_document, unanswered_response

pytestmark = pytest.mark.django_db

PAGE = reverse("exports:instruments")


def member(username, organization_name, role=Membership.Role.RESEARCHER):
    user = get_user_model().objects.create_user(username)
    organization, _ = Organization.objects.get_or_create(name=organization_name)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


def upload(client, document, name="mine.json"):
    body = yaml.safe_dump(document, allow_unicode=True) if name.endswith((".yaml", ".yml")) else json.dumps(document)
    return client.post(PAGE, {"file": SimpleUploadedFile(name, body.encode("utf-8"))})


def upload_bytes(client, name, body):
    return client.post(PAGE, {"file": SimpleUploadedFile(name, body)})


@pytest.fixture
def researcher(client):
    user = member("researcher", "Upload Bank")
    client.force_login(user)
    return user


def row_counts():
    """The number of rows in every table of every model (Django's own included)."""
    return {model._meta.db_table: model._default_manager.count() for model in apps.get_models()}


def version_two():
    """v2.0 of the small instrument: PCT2 reworded in German only, SPS4 removed, SPS5 added,
    DH renamed, a practice added to PCT."""
    document = small_instrument_document(version="2.0")
    themes = {theme["code"]: theme for d in document["dimensions"] for theme in d["themes"]}
    themes["PCT"]["items"][1]["text"]["de"] = "Wir kennen unsere Kundinnen und Kunden."
    themes["SPS"]["items"] = themes["SPS"]["items"][:3] + [{"code": "SPS5", "text": "A new priority statement."}]
    themes["DH"]["name"] = "Digital Togetherness"
    themes["PCT"]["practices"] = ["Keep product teams stable"]
    return document


# --- upload ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mine.json", "mine.yaml"])
def test_a_good_file_is_stored_for_the_uploaders_organizations_and_logged(client, researcher, name):
    response = upload(client, small_instrument_document(code="brought"), name)
    assert response.status_code == 302
    instrument = InstrumentVersion.objects.get(code="brought")
    assert instrument.items.count() == 9
    assert [o.name for o in instrument.organizations.all()] == ["Upload Bank"]
    assert instrument.uploaded_by == researcher
    entry = AuditEntry.objects.get(action=AuditEntry.Action.INSTRUMENT_UPLOADED)
    assert entry.organization.name == "Upload Bank" and entry.actor == "researcher"
    assert entry.details | {} == {"code": "brought", "version": "1.0", "outcome": "created", "file": name, "items": 9}
    page = client.get(response["Location"]).content.decode()
    assert "brought v1.0" in page and "stored as a new version" in page


def test_a_bad_file_names_every_problem_by_its_place_and_stores_nothing(client, researcher):
    document = small_instrument_document(code="broken")
    document["dimensions"][0]["themes"][0]["items"][1]["code"] = "PCT1"  # a duplicate
    del document["dimensions"][1]["themes"][0]["name"]
    document["scale"]["max"] = "five"
    before = row_counts()
    response = upload(client, document, "broken-file.json")
    assert response.status_code == 400
    page = response.content.decode()
    assert "dimensions[0].themes[0].items[1].code: item code &quot;PCT1&quot; is already used" in page
    assert "dimensions[1].themes[0]: missing key &quot;name&quot;" in page
    assert "scale.max: must be a whole number." in page
    # The chosen file is named, and the page says to choose it again (a browser cannot refill it).
    assert "broken-file.json was not stored" in page and "choose it again" in page
    assert row_counts() == before


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("bad.json", b'{"code": "x",\n "version": }', "bad.json: not valid JSON at line 2, column 13"),
        ("bad.yaml", b"code: [x\nversion: 1", "bad.yaml: not valid YAML at line"),
        ("bad.json", "café".encode("latin-1"), "bad.json: is not UTF-8 text."),
        ("notes.txt", b"{}", "notes.txt: must be a .json, .yaml or .yml file."),
        ("big.json", b" " * 1_000_001, "big.json: is larger than 1000 kB."),
    ],
)
def test_unreadable_files_say_where_and_store_nothing(client, researcher, name, body, message):
    before = row_counts()
    response = upload_bytes(client, name, body)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert row_counts() == before


def test_no_file_chosen_is_a_form_error(client, researcher):
    response = client.post(PAGE, {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_a_researcher_cannot_replace_a_version_others_use(client, researcher, instrument):
    """The same code and version as an instrument every organization sees: refused, unchanged."""
    changed = small_instrument_document()
    changed["dimensions"][0]["themes"][0]["items"][0]["text"]["en"] = "Something else."
    before, stored = row_counts(), export_instrument(instrument)
    response = upload(client, changed)
    assert response.status_code == 400
    assert "exists already and others use it; give your file a new version." in response.content.decode()
    assert row_counts() == before and export_instrument(instrument) == stored


def test_a_researcher_replaces_their_own_version_while_it_has_no_responses(client, researcher):
    upload(client, small_instrument_document(code="mine"))
    changed = small_instrument_document(code="mine")
    changed["dimensions"][0]["themes"][0]["items"][0]["text"]["en"] = "Reworded."
    response = upload(client, changed)
    assert response.status_code == 302
    item = Item.objects.get(instrument__code="mine", code="PCT1")
    assert item.text["en"] == "Reworded."
    outcomes = list(AuditEntry.objects.order_by("pk").values_list("details__outcome", flat=True))
    assert outcomes == ["created", "updated"]


def test_a_version_with_responses_is_frozen_and_the_page_says_so(client, researcher):
    upload(client, small_instrument_document(code="mine"))
    mine = InstrumentVersion.objects.get(code="mine")
    organization = Organization.objects.get(name="Upload Bank")
    stream = ValueStream.objects.create(organization=organization, name="Payments")
    unanswered_response(make_wave(organization, mine, [stream]), stream)
    changed = small_instrument_document(code="mine")
    changed["dimensions"][0]["themes"][0]["items"][0]["text"]["en"] = "Reworded."
    before = row_counts()
    response = upload(client, changed)
    assert response.status_code == 400
    assert "already has responses, so it is frozen" in response.content.decode()
    assert row_counts() == before


def test_an_administrators_upload_is_seen_everywhere_and_logged_without_an_organization(client):
    client.force_login(get_user_model().objects.create_superuser("root", password="x"))
    assert upload(client, small_instrument_document(code="for-all")).status_code == 302
    instrument = InstrumentVersion.objects.get(code="for-all")
    assert not instrument.organizations.exists()
    assert AuditEntry.objects.get(action=AuditEntry.Action.INSTRUMENT_UPLOADED).organization is None


# --- who sees what ----------------------------------------------------------------------------


def test_a_change_manager_cannot_upload_or_open_the_page(client):
    client.force_login(member("manager", "Upload Bank", Membership.Role.CHANGE_MANAGER))
    before = row_counts()
    assert client.get(PAGE).status_code == 403
    assert upload(client, small_instrument_document(code="sneaky")).status_code == 403
    assert row_counts() == before


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_another_organizations_researcher_does_not_see_an_uploaded_version(client, researcher, instrument):
    upload(client, small_instrument_document(code="private"))
    private = InstrumentVersion.objects.get(code="private")
    client = Client()  # a browser of their own
    client.force_login(member("other", "Other Bank"))
    page = client.get(PAGE).content.decode()
    assert "private v1.0" not in page
    assert "test-oa v1.0" in page  # the one every organization sees
    for url in (
        reverse("exports:instrument_download", args=[private.pk]),
        reverse("exports:instrument_compare", args=[private.pk]),
        reverse("exports:instrument_preview", args=[private.pk, "en", 1]),
    ):
        assert client.get(url).status_code == 404
    # Nor may they take its code and version.
    response = upload(client, small_instrument_document(code="private"))
    assert response.status_code == 400 and "others use it" in response.content.decode()


def test_the_wave_set_up_offers_what_the_organization_sees(client, researcher, instrument):
    upload(client, small_instrument_document(code="private"))
    own = Organization.objects.get(name="Upload Bank")
    other = Organization.objects.create(name="Other Bank")

    def offered(organization):
        return sorted(str(i) for i in WaveForm(organization=organization).fields["instrument"].queryset)

    assert offered(own) == ["private v1.0", "test-oa v1.0"]
    assert offered(other) == ["test-oa v1.0"]


# --- preview ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "item_text", "button"),
    [("en", "We work in stable product teams.", "Next"), ("de", "Wir arbeiten in stabilen Produktteams.", "Weiter")],
)
def test_the_preview_shows_a_page_as_respondents_see_it_and_stores_nothing(
    client, researcher, instrument, language, item_text, button
):
    before, session_before = row_counts(), dict(client.session)
    response = client.get(reverse("exports:instrument_preview", args=[instrument.pk, language, 1]))
    assert response.status_code == 200
    page = response.content.decode()
    assert item_text in page and f">{button}<" in page.replace("\n", "")
    assert f'<html lang="{language}">' in page
    assert 'id="preview-banner"' in page and "Nothing you choose here is stored." in page
    assert "Step 2 of 5" in page or "Schritt 2 von 5" in page
    # Next goes on to page 2 and stores nothing, even with answers posted.
    next_page = client.post(
        reverse("exports:instrument_preview", args=[instrument.pk, language, 1]),
        {"next": "1", f"item-{instrument.items.get(code='PCT1').pk}": "4"},
    )
    assert next_page["Location"] == reverse("exports:instrument_preview", args=[instrument.pk, language, 2])
    assert row_counts() == before
    assert dict(client.session) == session_before


def test_the_preview_knows_only_the_instruments_languages_and_pages(client, researcher, instrument):
    assert client.get(reverse("exports:instrument_preview", args=[instrument.pk, "fr", 1])).status_code == 404
    assert client.get(reverse("exports:instrument_preview", args=[instrument.pk, "en", 4])).status_code == 404


def test_the_last_pages_next_returns_to_the_instruments(client, researcher, instrument):
    response = client.post(reverse("exports:instrument_preview", args=[instrument.pk, "en", 3]), {"next": "1"})
    assert response["Location"] == f"{PAGE}#instrument-{instrument.pk}"


# --- download ---------------------------------------------------------------------------------


def test_the_download_loads_back_to_the_same_file(client, researcher, instrument):
    document = export_instrument(instrument) | {"code": "round-trip"}
    document["dimensions"][0]["themes"][0]["practices"] = [{"en": "Keep teams", "de": "Teams halten"}]
    upload(client, document)
    stored = InstrumentVersion.objects.get(code="round-trip")
    response = client.get(reverse("exports:instrument_download", args=[stored.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="round-trip-1.0.json"'
    assert json.loads(response.content) == document
    assert load_instrument(json.loads(response.content)).outcome == "unchanged"


# --- comparison -------------------------------------------------------------------------------


def test_the_comparison_lists_added_removed_and_reworded_items(client, researcher, instrument):
    upload(client, version_two())
    newer = InstrumentVersion.objects.get(code="test-oa", version="2.0")
    page = client.get(PAGE).content.decode()
    assert "Compare with v1.0" in page
    response = client.get(reverse("exports:instrument_compare", args=[newer.pk]))
    text = response.content.decode()
    assert "1 item added" in text and "SPS5" in text and "A new priority statement." in text
    assert "1 item removed" in text and "SPS4" in text
    assert "1 item reworded" in text and "Wir kennen unsere Kundinnen und Kunden." in text
    assert "Digital Togetherness" in text and "Keep product teams stable" in text


def test_compare_documents_per_language():
    old = export_shape(small_instrument_document())
    new = export_shape(version_two())
    comparison = compare_documents(old, new, "en")
    assert comparison.items_added == [("SPS5", "SPS", "A new priority statement.")]
    assert comparison.items_removed == [("SPS4", "SPS", "Priority statement 4.")]
    assert comparison.items_reworded == [
        ("PCT2", [("de", "Wir wissen, wer unser Kunde ist.", "Wir kennen unsere Kundinnen und Kunden.")])
    ]
    assert comparison.themes_renamed == [
        ("DH", [(language, "Digital Harmony", "Digital Togetherness") for language in ("en", "de")])
    ]
    assert comparison.practices_changed == [("PCT", ["Keep product teams stable"], [])]
    assert not comparison.scale_changed and not comparison.themes_added and not comparison.items_moved
    assert compare_documents(old, copy.deepcopy(old)).unchanged


def export_shape(document):
    from surveys.instrument_files import _normalized

    return _normalized(document)


def test_previous_version_follows_the_natural_order_of_versions(db):
    for version in ("1.9", "1.10", "2.0-beta", "1.2"):
        load_instrument(small_instrument_document(version=version))
    every = InstrumentVersion.objects.all()
    by_version = {i.version: i for i in every}
    assert previous_version(by_version["1.10"], every).version == "1.9"
    assert previous_version(by_version["1.9"], every).version == "1.2"
    assert previous_version(by_version["1.2"], every) is None
    assert previous_version(by_version["2.0-beta"], every).version == "1.10"
