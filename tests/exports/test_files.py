"""The three formats round-trip: what is read back from CSV, JSON and .sav is what the wave holds."""

import csv
import io
import json
import math

import numpy as np
import pyreadstat
import pytest
from django.utils import translation

from assessments.report import score_wave
from exports.codebook import SAV_MISSING_CODE, build_codebook, codebook_markdown
from exports.planning import plan_export
from exports.writers import export_chunks, write_export
from tests.conftest import gather_newest
from tests.exports.conftest import NA, SKIP, record

pytestmark = pytest.mark.django_db

ITEM_CODES = ["PCT1", "PCT2", "PCT3", "SPS1", "SPS2", "SPS3", "SPS4", "DH1", "DH2"]
THEMES, DIMENSIONS = ["PCT", "SPS", "DH"], ["SV", "EP"]


@pytest.fixture
def varied_wave(build):
    """28 respondents in four groups of 7 (nobody suppressed), varied answers with NA and blanks."""
    rng = np.random.default_rng(7)
    records = []
    for stream, side, role, tenure in [
        ("Financing", "biz", "po_sm", "1-3"),
        ("Financing", "it", "team_member", "10+"),
        ("Investing", "biz", "", ""),
        ("Investing", "it", "executive", "lt1"),
    ]:
        for _ in range(7):
            answers = rng.integers(1, 6, size=9).tolist()
            for position in rng.choice(9, size=rng.integers(0, 4), replace=False):
                answers[position] = NA if rng.random() < 0.5 else SKIP
            records.append(record(stream, side, role, tenure, answers))
    return build(records)


def expected_rows(wave):
    """Per response, from the report's own gathering and scoring: a comparable tuple."""
    data = gather_newest(wave)
    reverse_coded, themes, dimensions = score_wave(data)
    rows = []
    for r in range(len(data.answers)):
        raw = tuple(
            "NA" if data.not_applicable[r, i] else None if math.isnan(data.answers[r, i]) else int(data.answers[r, i])
            for i in range(len(ITEM_CODES))
        )
        scored = tuple(None if math.isnan(v) else int(v) for v in reverse_coded[r])
        scores = tuple(None if math.isnan(v) else float(v) for v in [*themes[r], *dimensions[r]])
        side = "biz" if data.response_is_biz[r] else "it"
        rows.append((data.value_stream_names[data.response_value_stream[r]], side, raw, scored, scores))
    return sorted(rows, key=repr)


def comparable(record_by_name):
    """A file's row (column name -> value, already typed) as the tuple of `expected_rows`."""
    raw = tuple(record_by_name[f"item_{code}_raw"] for code in ITEM_CODES)
    scored = tuple(record_by_name[f"item_{code}_scored"] for code in ITEM_CODES)
    scores = tuple(record_by_name[f"theme_{code}"] for code in THEMES) + tuple(
        record_by_name[f"dimension_{code}"] for code in DIMENSIONS
    )
    return (record_by_name["value_stream"], record_by_name["side"], raw, scored, scores)


def typed_csv_row(row):
    def number(text, kind):
        if text == "":
            return None
        if text == "NA":
            return "NA"
        return kind(text)

    typed = dict(row)
    for code in ITEM_CODES:
        typed[f"item_{code}_raw"] = number(row[f"item_{code}_raw"], int)
        typed[f"item_{code}_scored"] = number(row[f"item_{code}_scored"], int)
    for name in [*(f"theme_{c}" for c in THEMES), *(f"dimension_{c}" for c in DIMENSIONS)]:
        typed[name] = number(row[name], float)
    typed["respondent"] = int(row["respondent"])
    return typed


def test_csv_round_trip_gives_the_wave_back(varied_wave):
    plan = plan_export(varied_wave)
    text = b"".join(export_chunks(plan, "csv", "wide")).decode()
    rows = [typed_csv_row(row) for row in csv.DictReader(io.StringIO(text))]
    assert len(rows) == 28
    assert sorted((comparable(row) for row in rows), key=repr) == expected_rows(varied_wave)
    assert [row["respondent"] for row in rows] == list(range(1, 29))
    # Role and tenure as collected (nothing needed generalizing); "not given" is an empty cell.
    assert {(row["role"], row["tenure"]) for row in rows if row["value_stream"] == "Investing"} == {
        ("", ""),
        ("executive", "lt1"),
    }


@pytest.mark.parametrize(("fmt", "layout"), [("csv", "long"), ("json", "wide")])
def test_the_file_does_not_depend_on_the_batch_size(varied_wave, fmt, layout):
    """Read 5 responses at a time or all at once, the census and the rows come out the same."""

    def export(batch_size):
        plan = plan_export(varied_wave, batch_size=batch_size, rng=np.random.default_rng(1))
        return b"".join(export_chunks(plan, fmt, layout)).decode(), plan.census

    (small_batches, census), (one_batch, census_at_once) = export(5), export(2000)
    assert small_batches == one_batch
    np.testing.assert_array_equal(census.counted, census_at_once.counted)


def test_json_round_trip_gives_the_wave_back_with_its_codebook(varied_wave):
    plan = plan_export(varied_wave)
    document = json.loads(b"".join(export_chunks(plan, "json", "wide")))
    assert document["codebook"]["privacy"]["records_written"] == 28
    records = document["records"]
    assert sorted((comparable(record) for record in records), key=repr) == expected_rows(varied_wave)
    names = [variable["name"] for variable in document["codebook"]["layouts"]["wide"]["variables"]]
    assert all(list(record) == names for record in records)
    assert {record["role"] for record in records if record["value_stream"] == "Investing"} == {None, "executive"}


def test_sav_round_trip_gives_the_wave_back_with_labels(varied_wave, tmp_path):
    plan = plan_export(varied_wave)
    path = tmp_path / "wave.sav"
    write_export(plan, "sav", "wide", path)
    frame, meta = pyreadstat.read_sav(path, user_missing=True)
    codebook = build_codebook(plan)
    variables = {v["name"]: v for v in codebook["layouts"]["wide"]["variables"]}
    assert list(frame.columns) == list(variables)

    def category(name, code):
        return next(c["value"] for c in variables[name]["categories"] if c["sav_code"] == code)

    def value(name, number):
        if isinstance(number, float) and math.isnan(number):
            return None
        if name.endswith("_raw") and number == SAV_MISSING_CODE:
            return "NA"
        return int(number) if name.startswith("item_") else float(number)

    records = []
    for row in frame.to_dict("records"):
        typed = {name: value(name, row[name]) for name in variables if name.startswith(("item_", "theme_", "dim"))}
        typed.update({name: category(name, row[name]) for name in ("value_stream", "side", "role", "tenure")})
        records.append(typed)
    assert sorted((comparable(r) for r in records), key=repr) == expected_rows(varied_wave)

    # Labels: every variable has one; categories, scale points and "not applicable" have value labels.
    assert all(meta.column_names_to_labels[name] for name in variables)
    assert "We work in stable product teams." in meta.column_names_to_labels["item_PCT1_raw"]
    assert meta.variable_value_labels["side"] == {1: "Business", 2: "IT"}
    assert meta.variable_value_labels["item_PCT1_raw"][5] == "Strongly agree"
    assert meta.variable_value_labels["item_PCT1_raw"][SAV_MISSING_CODE] == "Not applicable"
    assert meta.variable_value_labels["item_PCT3_scored"][5] == "Strongly disagree (reverse-coded)"
    assert meta.variable_value_labels["role"][SAV_MISSING_CODE] == "Not given"
    assert meta.missing_ranges["item_PCT1_raw"] == [{"lo": SAV_MISSING_CODE, "hi": SAV_MISSING_CODE}]
    # Read without user-missing values, "not applicable" is missing, as SPSS treats it.
    plain, _ = pyreadstat.read_sav(path)
    assert (plain["item_PCT1_raw"] != SAV_MISSING_CODE).all()


def test_long_layout_holds_every_answer_of_the_wide_rows(varied_wave, tmp_path):
    plan = plan_export(varied_wave)  # one plan: both files share the respondent numbers
    wide = {
        row["respondent"]: row
        for row in (
            typed_csv_row(r) for r in csv.DictReader(io.StringIO(b"".join(export_chunks(plan, "csv")).decode()))
        )
    }
    long_text = b"".join(export_chunks(plan, "csv", "long")).decode()
    answers = list(csv.DictReader(io.StringIO(long_text)))
    expected = sum(row[f"item_{code}_raw"] is not None for row in wide.values() for code in ITEM_CODES)
    assert len(answers) == expected  # one row per answer; an unanswered item has none
    for answer in answers:
        row = wide[int(answer["respondent"])]
        code = answer["item"]
        raw = row[f"item_{code}_raw"]
        assert answer["answer_raw"] == str(raw)
        assert answer["answer_scored"] == (
            "" if row[f"item_{code}_scored"] is None else str(row[f"item_{code}_scored"])
        )
        theme_score = row[f"theme_{answer['theme']}"]
        assert answer["theme_score"] == ("" if theme_score is None else repr(theme_score))
        assert answer["reverse_worded"] == ("1" if code == "PCT3" else "0")
        assert answer["value_stream"] == row["value_stream"] and answer["role"] == row["role"]

    write_export(plan, "sav", "long", tmp_path / "long.sav")
    frame, meta = pyreadstat.read_sav(tmp_path / "long.sav", user_missing=True)
    assert len(frame) == expected
    item_labels = meta.variable_value_labels["item"]
    assert {item_labels[code].split(":")[0] for code in frame["item"].unique()} == set(ITEM_CODES)
    assert item_labels[1] == "PCT1: We work in stable product teams."
    assert "answer_scored" not in meta.variable_value_labels  # its numbers read differently per item


def test_codebook_describes_every_variable_with_item_text_theme_and_scoring(varied_wave):
    codebook = build_codebook(plan_export(varied_wave))
    wide = {v["name"]: v for v in codebook["layouts"]["wide"]["variables"]}
    pct3 = wide["item_PCT3_scored"]
    assert pct3["item"] == {
        "code": "PCT3",
        "text": {"en": "IT is left out of idea generation.", "de": "Die IT wird bei Ideen aussen vor gelassen."},
        "theme": "PCT",
        "dimension": "SV",
        "reverse_worded": True,
    }
    assert "6 − answer" in pct3["label"]
    assert all(v["label"] for v in wide.values())
    assert codebook["instrument"]["scale"]["labels"]["1"] == "Strongly disagree"
    assert "half" in codebook["scoring"]["theme_score"]
    assert "free text" in " ".join(codebook["privacy"]["not_in_any_export"])
    markdown = codebook_markdown(codebook)
    assert "| `item_PCT3_scored` |" in markdown and "read backwards" in markdown
    assert "Records in the wave: 28; written: 28; suppressed: 0." in markdown


def test_the_markdown_codebook_keeps_text_as_typed_and_every_table_row_whole(varied_wave):
    """Markdown, not HTML: names are not entity-escaped; a pipe or line break typed into a name
    cannot end a table cell or row early."""
    codebook = build_codebook(plan_export(varied_wave))
    codebook["wave"]["title"] = 'R&D <"Alpha"> wave'
    codebook["instrument"]["themes"][0]["name"] = "Product | centric\nthinking"
    codebook["layouts"]["wide"]["variables"][1]["categories"][0]["label"] = "Financing | Loans"
    with translation.override("de"):  # the researcher's language does not change the file
        markdown = codebook_markdown(codebook)

    assert markdown.startswith('# Codebook: R&D <"Alpha"> wave\n')
    assert "| PCT | Product \\| centric thinking | PCT1, PCT2, PCT3 |" in markdown
    assert "Financing = Financing \\| Loans (.sav 1)" in markdown
    table_rows = [line for line in markdown.splitlines() if line.startswith("|")]
    assert all(line.endswith("|") and line.count("|") - line.count("\\|") == 6 for line in table_rows)
    assert markdown.endswith(" |\n") and not markdown.endswith("\n\n")


def test_nothing_identifying_is_in_any_file(varied_wave):
    plan = plan_export(varied_wave)
    header = b"".join(export_chunks(plan, "csv")).decode().splitlines()[0].split(",")
    assert not {"id", "pk", "submitted_on", "token", "email", "created_on"} & set(header)
    long_header = b"".join(export_chunks(plan, "csv", "long")).decode().splitlines()[0].split(",")
    assert not any(("date" in name or "time" in name or "_on" in name) for name in header + long_header)


def test_rows_come_in_a_new_random_order_not_the_order_of_answering(build):
    records = [record("A", "biz", answers=[1 + i % 5] * 9) for i in range(40)]
    wave = build(records)
    orders = set()
    for seed in range(3):
        plan = plan_export(wave, rng=np.random.default_rng(seed))
        rows = list(csv.DictReader(io.StringIO(b"".join(export_chunks(plan, "csv")).decode())))
        orders.add(tuple(row["item_PCT1_raw"] for row in rows))
    stored_order = tuple(str(1 + i % 5) for i in range(40))
    assert stored_order not in orders and len(orders) == 3


def test_names_typed_like_formulas_are_defused_in_csv_only(build):
    wave = build([record("=cmd()", "biz") for _ in range(5)])
    plan = plan_export(wave)
    rows = list(csv.DictReader(io.StringIO(b"".join(export_chunks(plan, "csv")).decode())))
    assert {row["value_stream"] for row in rows} == {"'=cmd()"}
    document = json.loads(b"".join(export_chunks(plan, "json")))
    assert {r["value_stream"] for r in document["records"]} == {"=cmd()"}


def test_a_wave_whose_groups_are_all_hidden_exports_a_header_and_no_rows(build, tmp_path):
    wave = build([record("A", "biz") for _ in range(3)])  # 3 < k = 5
    plan = plan_export(wave)
    text = b"".join(export_chunks(plan, "csv")).decode()
    assert text.splitlines()[0].startswith("respondent,value_stream,side,role,tenure,item_PCT1_raw")
    assert len(text.splitlines()) == 1
    assert json.loads(b"".join(export_chunks(plan, "json")))["records"] == []
    write_export(plan, "sav", "wide", tmp_path / "empty.sav")
    frame, _ = pyreadstat.read_sav(tmp_path / "empty.sav")
    assert len(frame) == 0


def test_a_response_without_any_answer_is_a_row_of_empty_answers(build):
    wave = build([record("A", "biz", answers=[SKIP] * 9)] + [record("A", "biz") for _ in range(5)])
    rows = list(csv.DictReader(io.StringIO(b"".join(export_chunks(plan_export(wave), "csv")).decode())))
    empty = [row for row in rows if row["item_PCT1_raw"] == ""]
    assert len(rows) == 6 and len(empty) == 1
    assert all(value == "" for name, value in empty[0].items() if name.startswith(("item_", "theme_", "dimension_")))


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_csv_is_written_exactly_as_the_csv_module_would_quote_it(build, layout):
    name = 'Client, "data"\napps'  # a comma, quotes and a line break, as people type names
    wave = build([record(name, "biz", answers=[1 + i % 5, NA, SKIP, 4, 5, 1, 2, 3, 4]) for i in range(5)])
    text = b"".join(export_chunks(plan_export(wave), "csv", layout)).decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert {row[1] for row in rows[1:]} == {name}
    assert len(rows) == 1 + (5 if layout == "wide" else 5 * 8)
    again = io.StringIO(newline="")
    csv.writer(again).writerows(rows)
    assert again.getvalue() == text
