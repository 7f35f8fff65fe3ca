"""Our .sav writer: SPSS readers get the values, labels and missing values back, batch by batch.

Two independent readers check the files: pyreadstat (ReadStat), and GNU PSPP where Debian's
`pspp` is installed (.ci/run installs it).
"""

import datetime
import io
import math
import shutil
import subprocess

import numpy as np
import pyreadstat
import pytest

from exports.codebook import SAV_MISSING_CODE
from exports.planning import plan_export
from exports.sav import SavVariable, SavWriter, creation_stamp, short_names
from exports.writers import write_export
from tests.exports.conftest import NA, SKIP, record

VARIABLES = [
    SavVariable("respondent", "Respondent number", "nominal"),
    SavVariable(
        "item_PCT1_raw",
        "PCT1 as answered: Wir arbeiten in stabilen Produktteams — äöü",
        "ordinal",
        value_labels={1: "Stimme gar nicht zu", 5: "Stimme voll zu", SAV_MISSING_CODE: "Not applicable"},
        missing_values=(SAV_MISSING_CODE,),
    ),
    SavVariable("item_PCT1_scored", "PCT1 as scored", "ordinal"),
    SavVariable("theme_PCT", "Theme score PCT", "scale", decimals=2),
]


def write(handle, batches, **options):
    writer = SavWriter(handle, VARIABLES, **options)
    for batch in batches:
        writer.write_cases([np.asarray(column, dtype=float) for column in batch])
    writer.close()


BATCHES = [
    [[1, 2], [5, SAV_MISSING_CODE], [1, math.nan], [3.25, math.nan]],
    [[3], [math.nan], [2], [1 / 3]],
]


def test_values_labels_and_missing_values_read_back(tmp_path):
    path = tmp_path / "cases.sav"
    with open(path, "wb") as handle:
        write(
            handle,
            BATCHES,
            file_label="Welle Zürich",
            notes=["k-anonymous with k = 5", "Zeile zwei: ü"],
            created=creation_stamp(datetime.date(2026, 3, 9)),
        )
    frame, meta = pyreadstat.read_sav(path, user_missing=True)
    assert meta.number_rows == 3
    assert list(frame.columns) == [variable.name for variable in VARIABLES]
    assert frame["respondent"].tolist() == [1, 2, 3]
    assert frame["item_PCT1_raw"].tolist()[:2] == [5, SAV_MISSING_CODE] and math.isnan(frame["item_PCT1_raw"][2])
    assert frame["theme_PCT"][2] == 1 / 3  # full precision, whatever the display format says
    assert math.isnan(frame["theme_PCT"][1]) and math.isnan(frame["item_PCT1_scored"][1])
    assert meta.column_names_to_labels["item_PCT1_raw"].endswith("— äöü")
    assert meta.variable_value_labels == {
        "item_PCT1_raw": {1: "Stimme gar nicht zu", 5: "Stimme voll zu", 999: "Not applicable"}
    }
    assert meta.missing_ranges == {"item_PCT1_raw": [{"lo": 999, "hi": 999}]}
    assert meta.variable_measure == {
        "respondent": "nominal",
        "item_PCT1_raw": "ordinal",
        "item_PCT1_scored": "ordinal",
        "theme_PCT": "scale",
    }
    assert meta.original_variable_types["item_PCT1_raw"] == "F8.0"
    assert meta.original_variable_types["theme_PCT"] == "F10.2"
    assert meta.file_label == "Welle Zürich" and meta.notes == ["k-anonymous with k = 5", "Zeile zwei: ü"]
    assert meta.file_encoding == "UTF-8"
    assert meta.creation_time == datetime.datetime(2026, 3, 9)  # the day only
    # Without user-missing values, "not applicable" reads as missing, as in SPSS.
    plain, _ = pyreadstat.read_sav(path)
    assert math.isnan(plain["item_PCT1_raw"][1])


class Stream(io.RawIOBase):
    """A write-only, unseekable file, like an HTTP response."""

    def __init__(self):
        self.chunks = []

    def writable(self):
        return True

    def write(self, data):
        self.chunks.append(bytes(data))
        return len(data)


def test_a_stream_that_cannot_seek_still_gives_a_readable_file(tmp_path):
    stream = Stream()
    write(stream, BATCHES)
    path = tmp_path / "streamed.sav"
    path.write_bytes(b"".join(stream.chunks))
    frame, meta = pyreadstat.read_sav(path)
    assert frame["respondent"].tolist() == [1, 2, 3]


def test_each_batch_is_written_before_the_next_is_read():
    stream = Stream()
    written_before = []

    def batches():
        for batch in BATCHES:
            written_before.append(sum(len(chunk) for chunk in stream.chunks))
            yield [np.asarray(column, dtype=float) for column in batch]

    writer = SavWriter(stream, VARIABLES)
    for batch in batches():
        writer.write_cases(batch)
    dictionary_size = written_before[0]
    assert written_before[1] == dictionary_size + 2 * len(VARIABLES) * 8  # the first batch's two cases are out


def test_a_batch_of_the_wrong_width_is_refused():
    writer = SavWriter(io.BytesIO(), VARIABLES)
    with pytest.raises(ValueError, match="3 columns given, the file has 4 variables"):
        writer.write_cases([np.zeros(1)] * 3)


def test_short_names_are_unique_spss_names():
    names = ["item_PCT1_raw", "item_PCT1_scored", "item_PCT2_raw", "respondent", "théma_x", "_x", "V2"]
    shorts = short_names(names)
    assert len(set(shorts)) == len(shorts)
    assert all(len(short) <= 8 and short[0].isalpha() and short.isascii() and short.isupper() for short in shorts)
    assert shorts[0] == "ITEM_PCT" and shorts[3] == "RESPONDE"


def test_long_labels_are_cut_without_breaking_a_character(tmp_path):
    long_label = "ä" * 200  # 400 bytes: SPSS keeps 255
    variables = [SavVariable("x", long_label, value_labels={1: "ö" * 100})]
    path = tmp_path / "cut.sav"
    with open(path, "wb") as handle:
        writer = SavWriter(handle, variables)
        writer.write_cases([np.ones(1)])
        writer.close()
    _, meta = pyreadstat.read_sav(path)
    assert meta.column_labels == ["ä" * 127]
    assert meta.variable_value_labels["x"][1] == "ö" * 60


# --------------------------------------------------------------------------------------------
# A second, independent reader: GNU PSPP
# --------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.skipif(shutil.which("pspp") is None, reason="GNU PSPP is not installed (apt-get install pspp)")
@pytest.mark.parametrize("layout", ["wide", "long"])
def test_pspp_reads_an_export_without_a_warning(build, tmp_path, layout):
    answers = [[1 + (i + j) % 5 for j in range(9)] for i in range(6)]
    answers[0][0], answers[1][0] = NA, SKIP
    wave = build([record("Financing", side, "po_sm", "1-3", a) for side in ("biz", "it") for a in answers])
    path = tmp_path / f"wave-{layout}.sav"
    write_export(plan_export(wave), "sav", layout, path)
    variable = "item_PCT1_raw" if layout == "wide" else "answer_raw"
    syntax = tmp_path / "read.sps"
    syntax.write_text(f"GET FILE='{path}'.\nFREQUENCIES side {variable}.\n", encoding="utf-8")
    result = subprocess.run(
        ["pspp", "-o", str(tmp_path / "out.csv"), str(syntax)], capture_output=True, text=True, timeout=60
    )
    output = (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in (output + result.stdout + result.stderr).lower()
    lines = output.splitlines()
    # Six people per side; in the long layout a row per answer, none for the one unanswered item per side.
    per_side = 6 if layout == "wide" else 6 * 9 - 1
    assert f"Valid,Business,{per_side},50.0%,50.0%,50.0%" in lines
    # "Not applicable" is a labelled user-missing value (one respondent per side chose it); an
    # unanswered item is system-missing ("."), and the long layout has no row for it.
    answer_table = [line for line in output.split("Table: ")[-1].splitlines() if line]
    first_missing = next(i for i, line in enumerate(answer_table) if line.startswith("Missing,"))
    missing = {line.split(",")[1]: int(line.split(",")[2]) for line in answer_table[first_missing:-1]}
    assert missing == ({".": 2, "Not applicable": 2} if layout == "wide" else {"Not applicable": 2})
    assert answer_table[2].startswith("Valid,Strongly disagree,")  # the scale's value labels
