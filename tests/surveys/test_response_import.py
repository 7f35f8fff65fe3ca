"""Importing responses from CSV: all or nothing, every error with its line number."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from surveys.models import Answer, Organization, Response, ValueStream, Wave
from surveys.response_import import MAX_REPORTED_ERRORS, ImportRefused, import_responses

HEADER = "value_stream,side,role,tenure_years,PCT1,PCT2,PCT3,SPS1,SPS2,SPS3,SPS4,DH1,DH2"


def csv_text(*rows, header=HEADER):
    return "\n".join([header, *rows]) + "\n"


def run_import(instrument, text, **options):
    options.setdefault("survey", "pilot")
    options.setdefault("organization_name", "Import Bank")
    return import_responses(text, instrument=instrument, **options)


def test_import_creates_wave_organization_and_value_streams(instrument):
    text = csv_text(
        "Financing,Biz,po_sm,2.5,1,2,3,4,5,NA,,1,2",
        "Financing,it,,12,5,5,1,4,4,4,4,2,2",
        "Investing,BIZ,team_member,0.5,3,3,3,3,3,3,3,3,3",
    )
    result = run_import(instrument, text, threshold=4)

    wave = Wave.objects.get(slug="pilot")
    assert result.created_wave and result.responses == 3
    assert wave.organization.name == "Import Bank" and wave.anonymity_threshold == 4
    assert wave.status == Wave.Status.CLOSED
    assert sorted(wave.value_streams.values_list("name", flat=True)) == ["Financing", "Investing"]
    first = Response.objects.get(value_stream__name="Financing", side="biz")
    assert (first.role, first.tenure_band) == ("po_sm", "1-3")
    answers = dict(first.answers.values_list("item__code", "value"))
    assert answers["PCT1"] == 1 and answers["PCT3"] == 3  # raw values, not reverse-coded
    assert answers["SPS3"] is None  # NA: an answer row without a value
    assert "SPS4" not in answers  # empty cell: not answered, no row
    assert Response.objects.get(side="it").tenure_band == "10+"
    assert Answer.objects.count() == 9 + 8 + 9


def test_tenure_is_stored_as_a_band_never_as_years(instrument):
    run_import(instrument, csv_text("Financing,biz,,3,1,1,1,1,1,1,1,1,1", "Financing,biz,,4.9,1,1,1,1,1,1,1,1,1"))
    assert sorted(Response.objects.values_list("tenure_band", flat=True)) == ["3-5", "3-5"]


def test_semicolon_separated_file_from_a_spreadsheet_imports(instrument):
    text = csv_text("Financing;it;;;1;2;3;4;5;NA;;1;2", header=HEADER.replace(",", ";"))
    assert run_import(instrument, text).responses == 1


@pytest.mark.parametrize(
    "row, expected",
    [
        ("Financing,Biz,,,9,2,3,4,5,1,1,1,2", "line 2: PCT1: 9 is off the scale 1–5."),
        ("Financing,Biz,,,0,2,3,4,5,1,1,1,2", "line 2: PCT1: 0 is off the scale 1–5."),
        ("Financing,Biz,,,2.5,2,3,4,5,1,1,1,2", 'line 2: PCT1: "2.5" is not a whole number'),
        ("Financing,Biz,,,x,2,3,4,5,1,1,1,2", 'line 2: PCT1: "x" is not a whole number'),
        ("Financing,maybe,,,1,2,3,4,5,1,1,1,2", 'line 2: side "maybe" is not biz or it.'),
        (",Biz,,,1,2,3,4,5,1,1,1,2", "line 2: value_stream is empty."),
        ("Financing,Biz,ceo,,1,2,3,4,5,1,1,1,2", 'line 2: role "ceo" is unknown'),
        ("Financing,Biz,,many,1,2,3,4,5,1,1,1,2", 'line 2: tenure_years "many" is not a number.'),
        ("Financing,Biz,,,1,2,3,4,5,1,1,1", "line 2: has 12 fields, the header has 13."),
    ],
)
def test_bad_row_refuses_whole_file_naming_the_line(instrument, row, expected):
    good = "Investing,it,,,1,2,3,4,5,1,1,1,2"
    with pytest.raises(ImportRefused) as refused:
        run_import(instrument, csv_text(row, good))
    assert any(error.startswith(expected) for error in refused.value.errors), refused.value.errors
    assert not Response.objects.exists()
    assert not Wave.objects.exists() and not Organization.objects.exists() and not ValueStream.objects.exists()


@pytest.mark.parametrize(
    "header, expected",
    [
        (HEADER + ",comment", 'line 1: unknown column "comment"'),
        (HEADER.replace(",DH2", ""), "line 1: item columns missing: DH2."),
        (HEADER.replace("side,", ""), 'line 1: the required column "side" is missing.'),
    ],
)
def test_bad_header_refuses_file(instrument, header, expected):
    with pytest.raises(ImportRefused) as refused:
        run_import(instrument, csv_text(header=header))
    assert any(error.startswith(expected) for error in refused.value.errors), refused.value.errors
    assert not Response.objects.exists()


def test_not_applicable_refused_when_instrument_has_none(instrument):
    instrument.allows_not_applicable = False
    instrument.save()
    with pytest.raises(ImportRefused) as refused:
        run_import(instrument, csv_text("Financing,Biz,,,NA,2,3,4,5,1,1,1,2"))
    assert refused.value.errors == ['line 2: PCT1: "NA" but this instrument has no "not applicable".']


def test_errors_listed_in_line_order_and_capped_at_fifty(instrument):
    rows = [f"Financing,{'nope' if i % 2 else 'biz'},,,9,2,3,4,5,1,1,1,2" for i in range(80)]
    with pytest.raises(ImportRefused) as refused:
        run_import(instrument, csv_text(*rows))
    errors = refused.value.errors
    assert len(errors) == MAX_REPORTED_ERRORS
    assert refused.value.total == 80 + 40  # every off-scale cell plus every bad side
    line_numbers = [int(error.split(":")[0].removeprefix("line ")) for error in errors]
    assert line_numbers == sorted(line_numbers) and line_numbers[0] == 2


def test_import_into_existing_wave_with_other_instrument_is_refused(instrument, wave):
    from surveys.instrument_files import load_instrument
    from tests.conftest import small_instrument_document

    other = load_instrument(small_instrument_document(code="other")).instrument
    with pytest.raises(ImportRefused) as refused:
        import_responses(csv_text("Financing,biz,,,1,1,1,1,1,1,1,1,1"), survey=wave.slug, instrument=other)
    assert "uses instrument test-oa v1.0" in refused.value.errors[0]
    assert not Response.objects.exists()


def test_threshold_below_three_is_refused(instrument):
    with pytest.raises(ImportRefused, match="at least 3"):
        run_import(instrument, csv_text("Financing,biz,,,1,1,1,1,1,1,1,1,1"), threshold=2)


def test_command_prints_errors_and_stores_nothing(instrument, tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(csv_text("Financing,Biz,,,1,2,3,4,5,1,1,1,2", "Financing,xx,,,1,2,3,4,5,1,1,1,2"))
    with pytest.raises(CommandError) as error:
        call_command("import_responses", str(path), survey="pilot", instrument="test-oa", organization="Org")
    assert "nothing was stored" in str(error.value) and 'line 3: side "xx"' in str(error.value)
    assert not Response.objects.exists()


def test_command_imports_with_instrument_version(instrument, tmp_path, capsys):
    path = tmp_path / "answers.csv"
    path.write_text("\ufeff" + csv_text("Financing,Biz,,,1,2,3,4,5,1,1,1,2"))  # Excel's UTF-8 BOM
    call_command(
        "import_responses", str(path), survey="pilot", instrument="test-oa", instrument_version="1.0",
        organization="Org",
    )
    assert "Imported 1 responses into new wave 'pilot'" in capsys.readouterr().out
    assert Response.objects.get().wave.slug == "pilot"
