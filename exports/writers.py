"""Writing an export as CSV, JSON or SPSS (.sav).

CSV and JSON are produced as a stream of byte chunks, one per batch of responses, so a wave of
any size is written with flat memory. An SPSS file cannot be streamed (pyreadstat writes a whole
data frame), so `write_sav` collects the columns first: memory grows with the file (see
benchmarks/bench_export.py for the measured figures).

Every writer follows `codebook.variables`, so each file has exactly the codebook's columns.
"""

import csv
import io
import json
import textwrap

import numpy as np

from .codebook import CATEGORY, INTEGER, ITEM_RAW, ITEM_SCORED, SAV_MISSING_CODE, build_codebook, variables
from .rows import WIDE

CSV, JSON, SAV = "csv", "json", "sav"
FORMATS = (CSV, JSON, SAV)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    JSON: "application/json",
    SAV: "application/x-spss-sav",
}
NOT_APPLICABLE_TEXT = "NA"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def filename(plan, fmt, layout):
    return f"{plan.wave.slug}-{layout}.{fmt}"


# --------------------------------------------------------------------------------------------
# Values per format: whole columns at a time, never a Python loop over answers
# --------------------------------------------------------------------------------------------


def _objects(values, variable):
    """A numeric column as Python values (int for integer variables), None where NaN."""
    result = np.full(len(values), None, dtype=object)
    present = ~np.isnan(values)
    if variable.type == INTEGER:
        result[present] = values[present].astype(np.int64).tolist()
    else:
        result[present] = values[present].tolist()
    return result


def text_values(variable, columns):
    """The column of `variable` for CSV or JSON: numbers, codes, NA for "not applicable", None when missing."""
    values = columns.values[variable.name]
    if variable.type == CATEGORY:
        result = values.copy()
    else:
        result = _objects(values, variable)
    not_applicable = columns.not_applicable.get(variable.name)
    if not_applicable is not None:
        result[not_applicable] = NOT_APPLICABLE_TEXT
    return result


def csv_cells(variable, columns):
    """The column of `variable` as CSV text ("" when missing).

    Numbers are formatted once per distinct value: answers and scores take few distinct values,
    and formatting millions of floats one by one is what would make a long file slow.
    """
    values = columns.values[variable.name]
    if variable.type == CATEGORY:
        return _spreadsheet_safe(values)
    result = np.full(len(values), "", dtype=object)
    present = ~np.isnan(values)
    unique, inverse = np.unique(values[present], return_inverse=True)
    convert = int if variable.type == INTEGER else float
    result[present] = np.array([repr(convert(value)) for value in unique.tolist()], dtype=object)[inverse.reshape(-1)]
    not_applicable = columns.not_applicable.get(variable.name)
    if not_applicable is not None:
        result[not_applicable] = NOT_APPLICABLE_TEXT
    return result


def _spreadsheet_safe(values):
    """Text starting like a formula gets a leading apostrophe: spreadsheets would run it (names are typed by people)."""
    # A category column holds few distinct texts: check those, not every row.
    risky = [value for value in set(values.tolist()) if isinstance(value, str) and value.startswith(FORMULA_STARTS)]
    if not risky:
        return values
    values = values.copy()
    for text in risky:
        values[values == text] = "'" + text
    return values


def sav_values(variable, columns):
    """The column of `variable` for SPSS, in the narrowest exact dtype (a long file has millions of rows).

    Categories become their codes (int16), "not applicable" and "not given" the missing code;
    answers fit float32 exactly (small integers, NaN when missing); scores stay float64.
    """
    values = columns.values[variable.name]
    if variable.type == CATEGORY:
        codes = variable.sav_codes()
        if not len(values):
            return np.zeros(0, dtype=np.int16)
        # "" stands for None (not given) here: no category's value is empty (rows.py turned "" into None).
        unique, inverse = np.unique(np.where(np.equal(values, None), "", values).astype(str), return_inverse=True)
        mapped = np.array([codes[value or None] for value in unique.tolist()], dtype=np.int16)
        return mapped[inverse.reshape(-1)]
    if variable.kind in (ITEM_RAW, ITEM_SCORED):
        values = values.astype(np.float32)
        not_applicable = columns.not_applicable.get(variable.name)
        if not_applicable is not None:
            values[not_applicable] = SAV_MISSING_CODE
        return values
    if variable.type == INTEGER:  # the respondent's number, the reverse-worded flag: never missing
        return values.astype(np.int32)
    return values.astype(np.float64)


# --------------------------------------------------------------------------------------------
# Writers over column batches (pure: no database)
# --------------------------------------------------------------------------------------------


def csv_chunks(columns_of_file, batches):
    """CSV bytes: the header, then one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([variable.name for variable in columns_of_file])
    yield buffer.getvalue().encode()
    for columns in batches:
        buffer.seek(0)
        buffer.truncate()
        cells = [csv_cells(variable, columns).tolist() for variable in columns_of_file]
        # zip over the column lists runs in C; the csv writer turns None into an empty cell.
        writer.writerows(zip(*cells, strict=True))
        yield buffer.getvalue().encode()


def json_chunks(columns_of_file, batches, codebook):
    """One JSON document, {"codebook": …, "records": [ {column: value}, … ]}, in chunks."""
    yield ('{"codebook": ' + json.dumps(codebook, ensure_ascii=False) + ',\n"records": [').encode()
    names = [variable.name for variable in columns_of_file]
    first = True
    for columns in batches:
        if not len(columns):
            continue
        cells = [text_values(variable, columns).tolist() for variable in columns_of_file]
        records = [dict(zip(names, row, strict=True)) for row in zip(*cells, strict=True)]
        text = json.dumps(records, ensure_ascii=False, allow_nan=False, separators=(",", ":"))[1:-1]
        yield (("" if first else ",\n") + text).encode()
        first = False
    yield b"]}\n"


def write_sav(columns_of_file, batches, path, file_label="", notes=()):
    """An SPSS .sav file with variable labels, value labels and declared missing values."""
    import pandas  # only the .sav writer needs pandas (through pyreadstat)
    import pyreadstat

    parts = {variable.name: [] for variable in columns_of_file}
    for columns in batches:
        for variable in columns_of_file:
            parts[variable.name].append(sav_values(variable, columns))
    frame = pandas.DataFrame(
        {
            variable.name: np.concatenate(parts.pop(variable.name)) if parts[variable.name] else np.zeros(0)
            for variable in columns_of_file
        },
        copy=False,
    )
    value_labels, missing = {}, {}
    for variable in columns_of_file:
        if variable.type == CATEGORY:
            codes = variable.sav_codes()
            value_labels[variable.name] = {codes[value]: label for value, label in variable.categories}
            if None in codes:
                missing[variable.name] = [SAV_MISSING_CODE]
        elif variable.scale_labels:
            value_labels[variable.name] = _scale_labels(columns_of_file.scale_labels, variable.scale_reversed)
            if variable.not_applicable:
                value_labels[variable.name][SAV_MISSING_CODE] = "Not applicable"
                missing[variable.name] = [SAV_MISSING_CODE]
    pyreadstat.write_sav(
        frame,
        str(path),
        file_label=file_label[:64],
        column_labels={variable.name: variable.label for variable in columns_of_file},
        variable_value_labels=value_labels,
        missing_ranges=missing,
        variable_measure={variable.name: variable.measure for variable in columns_of_file},
        # SPSS keeps notes as document lines of at most 80 bytes.
        note=[line for note in notes for line in textwrap.wrap(note, 78)] or None,
    )


# --------------------------------------------------------------------------------------------
# A plan's export
# --------------------------------------------------------------------------------------------


def _scale_labels(labels, reversed_scale):
    """Value labels of an item column; a reverse-worded item as scored reads the scale backwards."""
    if not reversed_scale:
        return dict(labels)
    low, high = min(labels), max(labels)
    return {point: f"{labels[low + high - point]} (reverse-coded)" for point in labels}


class FileColumns(list):
    """The variables of one file, with the instrument's scale labels (for .sav value labels)."""

    def __init__(self, plan, layout):
        super().__init__(variables(plan.structure, plan.generalization, layout))
        instrument = plan.structure.instrument
        self.scale_labels = {point: instrument.scale_label(point, "en") for point in instrument.scale_points}


def export_chunks(plan, fmt, layout=WIDE, progress=None, codebook=None):
    """The bytes of a CSV or JSON export of `plan`, as a generator of chunks."""
    columns_of_file = FileColumns(plan, layout)
    batches = plan.record_batches(layout, progress=progress)
    if fmt == CSV:
        return csv_chunks(columns_of_file, batches)
    if fmt == JSON:
        return json_chunks(columns_of_file, batches, codebook if codebook is not None else build_codebook(plan))
    raise ValueError(f"{fmt!r} cannot be streamed; use write_export")


def write_export(plan, fmt, layout, path, progress=None, codebook=None):
    """Write the export of `plan` to `path` in any format."""
    if fmt == SAV:
        privacy = (codebook or build_codebook(plan))["privacy"]
        notes = [
            f"AlignSurvey export of wave {plan.wave.slug}, {layout} layout, made {plan.created_on.isoformat()}.",
            f"k-anonymous with k = {privacy['k']}; generalization: {privacy['generalization']['description']}",
            f"Records written: {privacy['records_written']}; suppressed: {privacy['records_suppressed']}.",
            "See the codebook for every variable and the scoring rules.",
        ]
        write_sav(
            FileColumns(plan, layout),
            plan.record_batches(layout, progress=progress),
            path,
            file_label=plan.wave.title,
            notes=notes,
        )
        return
    with open(path, "wb") as handle:
        for chunk in export_chunks(plan, fmt, layout, progress=progress, codebook=codebook):
            handle.write(chunk)
