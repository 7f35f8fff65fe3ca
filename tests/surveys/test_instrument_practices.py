"""Practices in instrument files: the suggestions a theme brings to action plans, checked, stored,
exported and, for a version already loaded, updated without touching what is measured."""

import copy

import pytest

from surveys.instrument_files import (
    BUILT_IN_INSTRUMENT,
    InstrumentFileError,
    export_instrument,
    load_built_in_instrument,
    load_instrument,
    read_instrument_file,
)
from surveys.models import ACTION_TEXT_MAX_LENGTH, Item, Theme
from tests.conftest import make_wave, small_instrument_document, unanswered_response

PCT_PRACTICES = [
    {"en": "Keep product teams stable", "de": "Produktteams stabil halten"},
    "Invite IT to idea workshops",
]


def with_practices(document=None):
    document = document or small_instrument_document()
    document["dimensions"][0]["themes"][0]["practices"] = copy.deepcopy(PCT_PRACTICES)
    return document


def test_practices_are_stored_per_theme_as_given(db):
    instrument = load_instrument(with_practices()).instrument

    assert instrument.themes.get(code="PCT").practices == PCT_PRACTICES
    assert instrument.themes.get(code="SPS").practices == []


def test_practices_round_trip_through_export(db):
    document = with_practices()
    instrument = load_instrument(document).instrument

    exported = export_instrument(instrument)

    assert exported["dimensions"][0]["themes"][0]["practices"] == PCT_PRACTICES
    assert exported["dimensions"][0]["themes"][1]["practices"] == []
    assert load_instrument(exported).outcome == "unchanged"
    again = copy.deepcopy(exported)
    again["version"] = "2.0"
    assert export_instrument(load_instrument(again).instrument)["dimensions"] == exported["dimensions"]


def _practices(value):
    def change(document):
        document["dimensions"][0]["themes"][1]["practices"] = value

    return change


INVALID = [
    ("not-a-list", _practices("Plan together"), "dimensions[0].themes[1].practices: must be a list of practices"),
    ("empty-text", _practices(["Plan together", "  "]), "dimensions[0].themes[1].practices[1]: must be a non-empty"),
    ("number", _practices([3]), "dimensions[0].themes[1].practices[0]: must be a non-empty string or a mapping"),
    ("empty-language", _practices([{"en": "Plan", "de": ""}]), "dimensions[0].themes[1].practices[0]: must be"),
    (
        "too-long",
        _practices([{"en": "x" * (ACTION_TEXT_MAX_LENGTH + 1)}]),
        f"dimensions[0].themes[1].practices[0]: must be at most {ACTION_TEXT_MAX_LENGTH} characters",
    ),
]


@pytest.mark.parametrize("change, message", [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_bad_practices_are_refused_with_their_place(db, change, message):
    document = small_instrument_document()
    change(document)

    with pytest.raises(InstrumentFileError) as raised:
        load_instrument(document)

    assert any(error.startswith(message) for error in raised.value.errors), raised.value.errors
    assert not Theme.objects.exists()


def test_an_empty_list_of_practices_is_accepted(db):
    document = small_instrument_document()
    document["dimensions"][0]["themes"][0]["practices"] = []

    assert load_instrument(document).instrument.themes.get(code="PCT").practices == []


@pytest.fixture
def answered(wave, value_streams):
    unanswered_response(wave, value_streams[0], "biz")
    return wave.instrument


def test_new_practices_update_a_frozen_version_in_place_keeping_items_and_revision(answered):
    revision = answered.revision
    item_ids = sorted(Item.objects.values_list("pk", flat=True))

    result = load_instrument(with_practices())

    assert result.outcome == "practices updated"
    assert result.instrument.pk == answered.pk
    answered.refresh_from_db()
    assert answered.revision == revision
    assert sorted(Item.objects.values_list("pk", flat=True)) == item_ids
    assert answered.themes.get(code="PCT").practices == PCT_PRACTICES
    assert load_instrument(with_practices()).outcome == "unchanged"


def test_practices_and_a_changed_item_together_are_still_refused_for_a_frozen_version(answered):
    document = with_practices()
    document["dimensions"][0]["themes"][0]["items"][0]["text"] = "Changed."

    with pytest.raises(Exception, match="already has responses"):
        load_instrument(document)

    assert answered.themes.get(code="PCT").practices == []


THEMES = ["PCT", "SPS", "CCB", "ECW", "DH", "PH"]


def test_built_in_instrument_suggests_practices_for_every_theme_in_three_languages(db):
    instrument = load_built_in_instrument().instrument

    practices = dict(instrument.themes.values_list("code", "practices"))
    assert sorted(practices) == sorted(THEMES)
    for code in THEMES:
        assert len(practices[code]) >= 3, code
        for practice in practices[code]:
            assert sorted(practice) == ["de", "en", "fr"]
            assert all(text.strip() and not text.endswith(".") for text in practice.values())
    assert {"en": "Reserve days or shared rooms for face-to-face work of Biz and IT"}.items() <= next(
        p for p in practices["PH"] if p["en"].startswith("Reserve")
    ).items()


def test_an_answered_built_in_version_loaded_before_practices_existed_gets_them_on_the_next_load(
    organization, value_streams
):
    document = read_instrument_file(BUILT_IN_INSTRUMENT)
    before = copy.deepcopy(document)
    for dimension in before["dimensions"]:
        for theme in dimension["themes"]:
            del theme["practices"]
    old = load_instrument(before).instrument
    unanswered_response(make_wave(organization, old, value_streams), value_streams[0], "it")
    revision = old.revision

    result = load_built_in_instrument()

    assert (result.outcome, result.instrument.pk) == ("practices updated", old.pk)
    old.refresh_from_db()
    assert old.revision == revision
    assert all(len(practices) >= 3 for practices in old.themes.values_list("practices", flat=True))
