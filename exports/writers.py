"""Writing an export as CSV, JSON or SPSS (.sav).

Every format is written batch by batch of responses, so a wave of any size is written with flat
memory: CSV and JSON as a stream of byte chunks, SPSS through our own writer of the .sav format
(`sav.py`: its dictionary first, then the cases; pyreadstat could only write a whole data frame).

Every writer follows `codebook.variables`, so each file has exactly the codebook's columns.
"""

import json
import textwrap

import numpy as np

from surveys.models import NOT_APPLICABLE
from surveys.spreadsheets import formula_safe

from .codebook import CATEGORY, INTEGER, NUMBER, SAV_MISSING_CODE, build_codebook, variables
from .rows import WIDE
from .sav import SavVariable, SavWriter, creation_stamp

CSV, JSON, SAV = "csv", "json", "sav"
FORMATS = (CSV, JSON, SAV)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    JSON: "application/json",
    SAV: "application/x-spss-sav",
}
CSV_SPECIAL = (",", '"', "\r", "\n")
CSV_LINE_END = "\r\n"  # the csv module's default, and RFC 4180's


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
    """The column of `variable` for JSON: numbers, codes, NA for "not applicable", None when missing."""
    values = columns.values[variable.name]
    if variable.type == CATEGORY:
        result = values.decoded()
    else:
        result = _objects(values, variable)
    not_applicable = columns.not_applicable.get(variable.name)
    if not_applicable is not None:
        result[not_applicable] = NOT_APPLICABLE
    return result


def csv_cells(variable, columns):
    """The column of `variable` as CSV fields, quoted where needed ("" when missing)."""
    values = columns.values[variable.name]
    if variable.type == CATEGORY:
        return values.mapped(lambda value: _quoted(formula_safe(value)))
    result = _number_texts(values, variable.type == INTEGER)
    not_applicable = columns.not_applicable.get(variable.name)
    if not_applicable is not None:
        result[not_applicable] = NOT_APPLICABLE
    return result


def _number_texts(values, integer):
    """Numbers as text, "" for NaN, each distinct value formatted once.

    Formatting millions of numbers one by one is what would make a long file slow; answers and
    scores take few distinct values. Integers in a narrow range (answers, codes, the respondent
    numbers of a batch) index a table of their texts, which spares sorting them.
    """
    result = np.full(len(values), "", dtype=object)
    present = ~np.isnan(values)
    numbers = values[present]
    if not len(numbers):
        return result
    if integer:
        low, high = int(numbers.min()), int(numbers.max())
        if high - low <= max(len(numbers), 1024):
            table = np.array([str(number) for number in range(low, high + 1)], dtype=object)
            result[present] = table[(numbers - low).astype(np.intp)]
            return result
    unique, inverse = np.unique(numbers, return_inverse=True)
    convert = int if integer else float
    result[present] = np.array([repr(convert(value)) for value in unique.tolist()], dtype=object)[inverse.reshape(-1)]
    return result


def _quoted(text):
    """A CSV field as the csv module writes it (RFC 4180): quoted when it holds a comma, a quote or a line break."""
    if text is None:
        return ""
    if any(mark in text for mark in CSV_SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text


def sav_values(variable, columns):
    """The column of `variable` for SPSS: numbers, NaN for system-missing.

    Categories become their codes, "not given" the missing code; "not applicable" answers the
    missing code too (declared as user-missing in the file).
    """
    values = columns.values[variable.name]
    if variable.type == CATEGORY:
        codes = variable.sav_codes()
        return values.mapped(codes.__getitem__, dtype=float)
    not_applicable = columns.not_applicable.get(variable.name)
    if not_applicable is not None and not_applicable.any():
        values = values.copy()
        values[not_applicable] = SAV_MISSING_CODE
    return values


# --------------------------------------------------------------------------------------------
# Writers over column batches (pure: no database)
# --------------------------------------------------------------------------------------------


def csv_chunks(columns_of_file, batches):
    """CSV bytes: the header, then one chunk per batch."""
    yield (",".join(_quoted(variable.name) for variable in columns_of_file) + CSV_LINE_END).encode()
    for columns in batches:
        if not len(columns):
            continue
        cells = [csv_cells(variable, columns).tolist() for variable in columns_of_file]
        # Every cell is CSV text already: map, zip and str.join run in C, five times the csv module's speed.
        yield (CSV_LINE_END.join(map(",".join, zip(*cells, strict=True))) + CSV_LINE_END).encode()


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


def sav_variables(columns_of_file):
    """The file's variables as .sav variables: labels, value labels, declared missing values, measure."""
    result = []
    for variable in columns_of_file:
        value_labels, missing = {}, ()
        if variable.type == CATEGORY:
            codes = variable.sav_codes()
            value_labels = {codes[value]: label for value, label in variable.categories}
            if None in codes:
                missing = (SAV_MISSING_CODE,)
        elif variable.scale_labels:
            value_labels = _scale_labels(columns_of_file.scale_labels, variable.scale_reversed)
            if variable.not_applicable:
                value_labels[SAV_MISSING_CODE] = "Not applicable"
                missing = (SAV_MISSING_CODE,)
        result.append(
            SavVariable(
                variable.name,
                variable.label,
                variable.measure,
                decimals=2 if variable.type == NUMBER else 0,
                value_labels=value_labels,
                missing_values=missing,
            )
        )
    return result


def write_sav(columns_of_file, batches, handle, file_label="", notes=(), created=None):
    """An SPSS .sav file with variable labels, value labels and declared missing values, batch by batch."""
    writer = SavWriter(
        handle,
        sav_variables(columns_of_file),
        file_label=file_label,
        # SPSS keeps notes as document lines of at most 80 bytes.
        notes=[line for note in notes for line in textwrap.wrap(note, 78)],
        created=created,
    )
    for columns in batches:
        writer.write_cases([sav_values(variable, columns) for variable in columns_of_file])
    writer.close()


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
        with open(path, "wb") as handle:
            write_sav(
                FileColumns(plan, layout),
                plan.record_batches(layout, progress=progress),
                handle,
                file_label=plan.wave.title,
                notes=notes,
                created=creation_stamp(plan.created_on),
            )
        return
    with open(path, "wb") as handle:
        for chunk in export_chunks(plan, fmt, layout, progress=progress, codebook=codebook):
            handle.write(chunk)
