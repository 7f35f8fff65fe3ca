"""Instrument files: loading, refusing bad files with the place of each problem, exporting."""

import copy
import io
import json
import re

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from surveys.instrument_files import (
    BUILT_IN_INSTRUMENT,
    MAX_NESTING,
    InstrumentFileError,
    InstrumentFrozenError,
    export_instrument,
    load_built_in_instrument,
    load_instrument,
    read_instrument_file,
)
from surveys.models import Dimension, InstrumentVersion, Item, Theme
from tests.conftest import small_instrument_document, unanswered_response


def row_counts():
    return {model.__name__: model.objects.count() for model in (InstrumentVersion, Dimension, Theme, Item)}


def write_json(path, document):
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def without_version(document):
    return {key: value for key, value in document.items() if key != "version"}


# --- loading a valid file --------------------------------------------------------------


def test_valid_document_is_stored_with_its_whole_tree(db):
    result = load_instrument(small_instrument_document())

    instrument = result.instrument
    assert result.outcome == "created"
    assert (instrument.code, instrument.version) == ("test-oa", "1.0")
    assert instrument.dimensions.count() == 2
    assert instrument.themes.count() == 3
    assert instrument.items.count() == 9
    assert list(instrument.themes.order_by("dimension__order", "order").values_list("code", flat=True)) == [
        "PCT",
        "SPS",
        "DH",
    ]
    assert [item.code for item in instrument.ordered_items()] == [
        "PCT1",
        "PCT2",
        "PCT3",
        "SPS1",
        "SPS2",
        "SPS3",
        "SPS4",
        "DH1",
        "DH2",
    ]
    assert list(instrument.items.filter(reverse=True).values_list("code", flat=True)) == ["PCT3"]
    assert dict(instrument.dimensions.values_list("code", "category")) == {"SV": "skills", "EP": "infrastructure"}


def test_texts_are_kept_per_language(db):
    instrument = load_instrument(small_instrument_document()).instrument

    pct1 = instrument.items.get(code="PCT1")
    assert pct1.text == {"en": "We work in stable product teams.", "de": "Wir arbeiten in stabilen Produktteams."}
    assert instrument.items.get(code="SPS2").text == "Priority statement 2."
    assert instrument.title == {"en": "Test instrument", "de": "Testinstrument"}
    assert instrument.languages == ["en", "de"]


def test_scale_and_its_labels_are_stored(db):
    instrument = load_instrument(small_instrument_document()).instrument

    assert (instrument.scale_min, instrument.scale_max, instrument.allows_not_applicable) == (1, 5, True)
    assert instrument.scale_points == [1, 2, 3, 4, 5]
    assert instrument.scale_label(1, "en") == "Strongly disagree"
    assert instrument.scale_label(5, "de") == "Stimme voll und ganz zu"


def test_loading_the_same_document_twice_changes_nothing(db):
    first = load_instrument(small_instrument_document())
    item_ids = sorted(Item.objects.values_list("pk", flat=True))
    counts = row_counts()

    second = load_instrument(small_instrument_document())

    assert second.outcome == "unchanged"
    assert second.instrument.pk == first.instrument.pk
    assert row_counts() == counts == {"InstrumentVersion": 1, "Dimension": 2, "Theme": 3, "Item": 9}
    assert sorted(Item.objects.values_list("pk", flat=True)) == item_ids


def test_changed_text_without_responses_updates_the_version(instrument):
    document = small_instrument_document()
    document["dimensions"][0]["themes"][0]["items"][1]["text"] = {
        "en": "We know our customers.",
        "de": "Wir kennen unsere Kunden.",
    }

    result = load_instrument(document)

    assert result.outcome == "updated"
    assert result.instrument.pk == instrument.pk
    assert Item.objects.get(code="PCT2").text["en"] == "We know our customers."
    assert row_counts() == {"InstrumentVersion": 1, "Dimension": 2, "Theme": 3, "Item": 9}


def test_changed_structure_without_responses_updates_the_version(instrument):
    document = small_instrument_document()
    document["dimensions"][1]["themes"][0]["items"].append({"code": "DH3", "text": "Tool statement 3."})

    assert load_instrument(document).outcome == "updated"
    assert instrument.items.filter(code="DH3").exists()
    assert instrument.items.count() == 10


@pytest.fixture
def answered(wave, value_streams):
    """The test instrument, with one response to a wave that uses it."""
    unanswered_response(wave, value_streams[0], "biz")
    return wave.instrument


def test_changed_file_for_a_version_with_responses_is_refused(answered):
    before = export_instrument(answered)
    item_ids = sorted(Item.objects.values_list("pk", flat=True))
    document = small_instrument_document()
    document["dimensions"][0]["themes"][0]["items"][2]["reverse"] = False

    with pytest.raises(InstrumentFrozenError, match="already has responses"):
        load_instrument(document)

    answered.refresh_from_db()
    assert export_instrument(answered) == before
    assert sorted(Item.objects.values_list("pk", flat=True)) == item_ids


def test_identical_file_for_a_version_with_responses_is_unchanged(answered):
    item_ids = sorted(Item.objects.values_list("pk", flat=True))

    assert load_instrument(small_instrument_document()).outcome == "unchanged"
    assert sorted(Item.objects.values_list("pk", flat=True)) == item_ids


def test_new_version_of_a_frozen_instrument_is_created_beside_it(answered):
    result = load_instrument(small_instrument_document(version="1.1"))

    assert result.outcome == "created"
    assert InstrumentVersion.objects.filter(code="test-oa").count() == 2


# --- refusing invalid files ------------------------------------------------------------


def _drop_item_text(document):
    del document["dimensions"][0]["themes"][0]["items"][1]["text"]


def _duplicate_dimension_code(document):
    document["dimensions"][1]["code"] = "SV"


def _item_code_in_two_themes(document):
    document["dimensions"][1]["themes"][0]["items"][0]["code"] = "PCT2"


def _scale(**changes):
    def change(document):
        document["scale"].update(changes)

    return change


def _label_off_the_scale(document):
    document["scale"]["labels"]["7"] = "Beyond agreement"


def _unknown_category(document):
    document["dimensions"][1]["category"] = "people"


def _no_themes(document):
    document["dimensions"][0]["themes"] = []


def _reverse_as_text(document):
    document["dimensions"][0]["themes"][1]["items"][0]["reverse"] = "yes"


INVALID = [
    # (case, change to the valid document, text the error message must contain)
    ("missing item text", _drop_item_text, 'dimensions[0].themes[0].items[1]: missing key "text".'),
    (
        "duplicate dimension code",
        _duplicate_dimension_code,
        'dimensions[1].code: dimension code "SV" is already used at dimensions[0].',
    ),
    (
        "item code in two themes",
        _item_code_in_two_themes,
        'dimensions[1].themes[0].items[0].code: item code "PCT2" is already used at dimensions[0].themes[0].items[1].',
    ),
    ("scale min equals max", _scale(min=5, max=5), "scale: min (5) must be smaller than max (5)."),
    ("scale min above max", _scale(min=5, max=1), "scale: min (5) must be smaller than max (1)."),
    ("scale of 12 points", _scale(min=1, max=12), "scale: must have 2 to 11 points, not 12."),
    ("scale end not a number", _scale(max="5"), "scale.max: must be a whole number."),
    ("label key off the scale", _label_off_the_scale, "scale.labels.7: 7 is not a point of the scale 1–5."),
    (
        "unknown category",
        _unknown_category,
        "dimensions[1].category: must be one of skills, processes, infrastructure.",
    ),
    ("theme without items list", _no_themes, "dimensions[0].themes: must be a non-empty list."),
    (
        "reverse flag not a boolean",
        _reverse_as_text,
        "dimensions[0].themes[1].items[0].reverse: must be true or false.",
    ),
]


@pytest.mark.parametrize("change, message", [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_invalid_file_is_refused_with_the_place_of_the_problem(db, tmp_path, change, message):
    document = small_instrument_document()
    change(document)
    path = write_json(tmp_path / "instrument.json", document)

    with pytest.raises(InstrumentFileError) as refused:
        read_instrument_file(path)

    assert message in refused.value.errors
    assert row_counts() == {"InstrumentVersion": 0, "Dimension": 0, "Theme": 0, "Item": 0}


@pytest.mark.parametrize("change, message", [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_invalid_document_is_not_loaded(db, change, message):
    document = small_instrument_document()
    change(document)

    with pytest.raises(InstrumentFileError, match=re.escape(message)):
        load_instrument(document)

    assert row_counts() == {"InstrumentVersion": 0, "Dimension": 0, "Theme": 0, "Item": 0}


def test_invalid_document_for_an_existing_version_leaves_it_as_it_was(instrument):
    before = export_instrument(instrument)
    document = small_instrument_document()
    _duplicate_dimension_code(document)

    with pytest.raises(InstrumentFileError):
        load_instrument(document)

    assert export_instrument(instrument) == before


def test_every_problem_of_a_file_is_listed(db):
    document = small_instrument_document()
    _drop_item_text(document)
    _unknown_category(document)

    with pytest.raises(InstrumentFileError) as refused:
        load_instrument(document)

    assert len(refused.value.errors) == 2


def test_bad_json_names_line_and_column(db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "code": "x",\n  "version" "1.0"\n}\n', encoding="utf-8")

    with pytest.raises(InstrumentFileError) as refused:
        read_instrument_file(path)

    assert "not valid JSON at line 3, column 13" in str(refused.value)
    assert str(path) in str(refused.value)
    assert not InstrumentVersion.objects.exists()


def test_bad_yaml_names_line_and_column(db, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("code: x\nversion: [1.0\n", encoding="utf-8")

    with pytest.raises(InstrumentFileError, match=r"not valid YAML at line \d+, column \d+"):
        read_instrument_file(path)


def test_missing_file_is_refused_with_a_message(db, tmp_path):
    with pytest.raises(InstrumentFileError, match="cannot be read"):
        read_instrument_file(tmp_path / "nowhere.json")


def test_file_that_is_not_an_object_is_refused(db, tmp_path):
    path = tmp_path / "list.json"
    path.write_text("[1, 2, 3]", encoding="utf-8")

    with pytest.raises(InstrumentFileError, match="document: must be an object"):
        read_instrument_file(path)


DEEP = "[" * 100_000 + "]" * 100_000  # valid JSON and YAML: 100,000 lists, each inside the one before


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", DEEP),
        ("deep.yaml", DEEP),
        ("deep.yml", "- " * 100_000 + "x\n"),  # the same nesting in YAML's block style
        ("deep-object.json", '{"a": ' * 100_000 + "1" + "}" * 100_000),
    ],
)
def test_a_file_that_nests_too_deeply_is_refused_with_a_clear_message(db, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError) as refused:
        call_command("load_instrument", str(path), stdout=io.StringIO())

    message = str(refused.value)
    assert "nothing was stored" in message
    assert f"{path}: the file nests too deeply: lists and objects more than {MAX_NESTING} levels" in message
    assert not InstrumentVersion.objects.exists()


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_valid_instrument_with_something_nested_too_deeply_in_it_is_refused(db, tmp_path, suffix):
    """Below what would break the parser, above what the format needs: refused before anything reads it."""
    document = small_instrument_document()
    document["notes"] = json.loads("[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1))
    path = tmp_path / f"instrument{suffix}"
    path.write_text(json.dumps(document) if suffix == ".json" else yaml.safe_dump(document), encoding="utf-8")

    with pytest.raises(InstrumentFileError, match="nests too deeply"):
        read_instrument_file(path)


def test_the_nesting_the_format_needs_is_within_the_limit(db):
    """document → dimensions → a dimension → themes → a theme → items → an item → its texts: 8 levels."""
    assert load_built_in_instrument().outcome == "created"


# --- YAML and exporting ----------------------------------------------------------------


def test_yaml_file_loads_like_the_json_file(db, tmp_path):
    path = tmp_path / "instrument.yaml"
    path.write_text(yaml.safe_dump(small_instrument_document(), allow_unicode=True), encoding="utf-8")

    instrument = load_instrument(read_instrument_file(path)).instrument

    assert instrument.items.count() == 9
    assert instrument.items.get(code="PCT3").reverse
    assert instrument.scale_label(2, "de") == "Stimme eher nicht zu"
    assert load_instrument(small_instrument_document()).outcome == "unchanged"


def test_yaml_with_number_keys_and_version_loads(db, tmp_path):
    document = small_instrument_document()
    text = yaml.safe_dump(document, allow_unicode=True).replace("version: '1.0'", "version: 2")
    text = text.replace("'1':", "1:").replace("'5':", "5:")
    path = tmp_path / "instrument.yml"
    path.write_text(text, encoding="utf-8")

    instrument = load_instrument(read_instrument_file(path)).instrument

    assert instrument.version == "2"
    assert instrument.scale_label(1, "en") == "Strongly disagree"
    assert instrument.scale_label(5, "en") == "Strongly agree"


def with_descriptions(document):
    """The test document with every optional text given, the shape export happens to round-trip."""
    for dimension in document["dimensions"]:
        for theme in dimension["themes"]:
            theme["description"] = {"en": f"About {theme['code']}.", "de": f"Über {theme['code']}."}
    return document


def test_export_writes_the_loaded_document(instrument):
    exported = export_instrument(instrument)
    original = small_instrument_document()

    assert (exported["code"], exported["version"], exported["title"]) == ("test-oa", "1.0", original["title"])
    assert exported["scale"] == {**original["scale"]}
    assert exported["dimensions"][0]["themes"][0]["items"][2] == {
        "code": "PCT3",
        "text": {"en": "IT is left out of idea generation.", "de": "Die IT wird bei Ideen aussen vor gelassen."},
        "reverse": True,
    }
    assert [
        [[item["code"] for item in theme["items"]] for theme in dimension["themes"]]
        for dimension in exported["dimensions"]
    ] == [[["PCT1", "PCT2", "PCT3"], ["SPS1", "SPS2", "SPS3", "SPS4"]], [["DH1", "DH2"]]]


@pytest.mark.parametrize("describe_everything", [False, True], ids=["optional-texts-absent", "all-texts-given"])
def test_export_round_trip_under_a_new_version(db, describe_everything):
    document = small_instrument_document()
    if describe_everything:
        document = with_descriptions(document)
    instrument = load_instrument(document).instrument
    exported = export_instrument(instrument)
    copy_document = copy.deepcopy(exported)
    copy_document["version"] = "2.0"

    result = load_instrument(copy_document)

    assert result.outcome == "created" and result.instrument.pk != instrument.pk
    again = export_instrument(result.instrument)
    assert again["version"] == "2.0"
    assert without_version(again) == without_version(exported)
    assert load_instrument(exported).outcome == "unchanged"


# --- management commands ---------------------------------------------------------------


def test_load_instrument_command_reports_created_then_unchanged(db, tmp_path):
    path = write_json(tmp_path / "instrument.json", small_instrument_document())
    out = io.StringIO()

    call_command("load_instrument", str(path), stdout=out)
    call_command("load_instrument", str(path), stdout=out)

    lines = out.getvalue().splitlines()
    assert "created" in lines[0] and "2 dimensions, 3 themes, 9 items" in lines[0]
    assert "unchanged" in lines[1]
    assert InstrumentVersion.objects.count() == 1


def test_load_instrument_command_lists_the_errors_of_a_bad_file(db, tmp_path):
    document = small_instrument_document()
    _drop_item_text(document)
    _unknown_category(document)
    path = write_json(tmp_path / "instrument.json", document)

    with pytest.raises(CommandError) as refused:
        call_command("load_instrument", str(path), stdout=io.StringIO())

    message = str(refused.value)
    assert "nothing was stored" in message
    assert 'dimensions[0].themes[0].items[1]: missing key "text".' in message
    assert "dimensions[1].category: must be one of" in message
    assert not InstrumentVersion.objects.exists()


def test_load_instrument_command_refuses_to_change_a_frozen_version(answered, tmp_path):
    document = small_instrument_document()
    document["title"] = "Renamed"
    path = write_json(tmp_path / "instrument.json", document)

    with pytest.raises(CommandError, match="frozen"):
        call_command("load_instrument", str(path), stdout=io.StringIO())

    answered.refresh_from_db()
    assert answered.title == {"en": "Test instrument", "de": "Testinstrument"}


def test_export_instrument_command_writes_the_document_as_json(instrument):
    out = io.StringIO()

    call_command("export_instrument", "test-oa", instrument_version="1.0", stdout=out)

    written = json.loads(out.getvalue())
    assert written == export_instrument(instrument)
    assert written["code"] == "test-oa" and written["version"] == "1.0"
    assert written["dimensions"][0]["themes"][0]["items"][0]["text"]["de"] == "Wir arbeiten in stabilen Produktteams."


def test_export_instrument_command_without_version_writes_the_newest(instrument):
    load_instrument(small_instrument_document(version="1.1"))
    out = io.StringIO()

    call_command("export_instrument", "test-oa", stdout=out)

    assert json.loads(out.getvalue())["version"] == "1.1"


def test_export_instrument_command_writes_a_file(instrument, tmp_path):
    path = tmp_path / "exported.json"

    call_command("export_instrument", "test-oa", instrument_version="1.0", output=str(path), stderr=io.StringIO())

    written = json.loads(path.read_text(encoding="utf-8"))
    assert written == export_instrument(instrument)


def test_export_instrument_command_names_the_known_instruments_for_an_unknown_one(instrument):
    with pytest.raises(CommandError, match="Known instruments: test-oa v1.0"):
        call_command("export_instrument", "nope", stdout=io.StringIO())


# --- the built-in instrument -----------------------------------------------------------


def test_exported_file_is_accepted_by_load_instrument(instrument, tmp_path):
    path = tmp_path / "exported.json"
    call_command("export_instrument", "test-oa", instrument_version="1.0", output=str(path), stderr=io.StringIO())
    out = io.StringIO()

    call_command("load_instrument", str(path), stdout=out)

    assert "unchanged" in out.getvalue()


@pytest.fixture
def built_in(db):
    return load_built_in_instrument()


def test_built_in_instrument_loads(built_in):
    assert built_in.outcome == "created"
    assert BUILT_IN_INSTRUMENT.name == "vsm-oa-1.1.json"
    assert (built_in.instrument.code, built_in.instrument.version) == ("vsm-oa", "1.1")


def test_built_in_instrument_has_one_dimension_per_category(built_in):
    instrument = built_in.instrument
    assert instrument.dimensions.count() == 3
    assert sorted(instrument.dimensions.values_list("category", flat=True)) == ["infrastructure", "processes", "skills"]


def test_built_in_instrument_has_six_themes_of_three_to_four_items(built_in):
    instrument = built_in.instrument
    themes = list(instrument.themes.all())
    assert len(themes) == 6
    assert all(3 <= theme.items.count() <= 4 for theme in themes), {t.code: t.items.count() for t in themes}
    assert all(dimension.themes.count() >= 1 for dimension in instrument.dimensions.all())


def test_built_in_instrument_has_english_and_german_texts(built_in):
    instrument = built_in.instrument
    for item in instrument.items.all():
        assert isinstance(item.text, dict), item.code
        assert item.text.get("en", "").strip() and item.text.get("de", "").strip(), item.code
        assert item.text["en"] != item.text["de"], item.code
    assert {"en", "de"} <= set(instrument.languages)


def test_built_in_instrument_has_a_reverse_worded_item_in_every_dimension(built_in):
    for dimension in built_in.instrument.dimensions.all():
        assert Item.objects.filter(theme__dimension=dimension, reverse=True).exists(), dimension.code


def test_built_in_instrument_uses_a_five_point_scale_with_not_applicable(built_in):
    instrument = built_in.instrument
    assert instrument.scale_points == [1, 2, 3, 4, 5]
    assert instrument.allows_not_applicable
    for point in instrument.scale_points:
        label = instrument.scale_labels[str(point)]
        assert label["en"].strip() and label["de"].strip()


def instrument_row_ids():
    """The primary keys of every instrument table, to show that a reload wrote nothing."""
    return {
        model.__name__: sorted(model.objects.values_list("pk", flat=True))
        for model in (InstrumentVersion, Dimension, Theme, Item)
    }


def test_loading_the_built_in_instrument_twice_changes_nothing(built_in):
    ids = instrument_row_ids()

    again = load_built_in_instrument()

    assert again.outcome == "unchanged"
    assert instrument_row_ids() == ids


def test_load_instrument_command_without_path_loads_the_built_in_instrument(db):
    out = io.StringIO()

    call_command("load_instrument", stdout=out)

    assert "vsm-oa v1.1 created" in out.getvalue()
    assert InstrumentVersion.objects.filter(code="vsm-oa", version="1.1").exists()
