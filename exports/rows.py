"""The columns of an export file, batch by batch: pure functions over numpy arrays.

A batch of responses (the report's `WaveData` arrays) becomes a `Columns`: one array per
column, in a form that no file format has decided on yet (NaN for a missing number, None for a
category not given, a separate mask for "not applicable"). The writers turn that into CSV, JSON
or SPSS values; the codebook describes the same columns.
"""

import re
from dataclasses import dataclass, field

import numpy as np

from assessments.report import score_wave

WIDE, LONG = "wide", "long"
LAYOUTS = (WIDE, LONG)

QUASI_IDENTIFIER_COLUMNS = ("value_stream", "side", "role", "tenure")
SPSS_NAME_LIMIT = 64


@dataclass(frozen=True)
class CodedColumn:
    """A column of categories as positions into a few values: row i holds `values[codes[i]]`.

    A category column has many rows and few distinct values, so every writer turns the values
    into its own form once (CSV text, JSON, an SPSS code) and indexes with `codes`. A value may
    appear more than once (a generalized role: every position reads "any"); "" and None are
    "not given", which the writers see as None.
    """

    codes: np.ndarray
    values: tuple

    def __post_init__(self):
        object.__setattr__(self, "codes", np.asarray(self.codes, dtype=np.intp))
        object.__setattr__(self, "values", tuple(value or None for value in self.values))

    def __len__(self):
        return len(self.codes)

    def take(self, rows):
        return CodedColumn(self.codes[rows], self.values)

    def mapped(self, function, dtype=object):
        """`function` of each row's value, computed once per distinct value."""
        return np.array([function(value) for value in self.values], dtype=dtype)[self.codes]

    def decoded(self):
        """The row values as an object array (None where not given)."""
        return self.mapped(lambda value: value)


@dataclass
class Columns:
    """One batch of rows as column arrays.

    values : name -> array. Numbers are float with NaN for "no value"; categories and codes are
        `CodedColumn`s.
    not_applicable : name -> bool array, for the columns of raw answers: the respondent chose
        "not applicable" (the value there is NaN).
    """

    values: dict = field(default_factory=dict)
    not_applicable: dict = field(default_factory=dict)

    def __len__(self):
        return len(next(iter(self.values.values()))) if self.values else 0


@dataclass
class ColumnNames:
    """SPSS-safe, unique column names for the instrument's items, themes and dimensions."""

    item_raw: list = field(default_factory=list)
    item_scored: list = field(default_factory=list)
    theme: list = field(default_factory=list)
    dimension: list = field(default_factory=list)


def column_names(template):
    """Names from the codes: `item_<code>_raw`, `item_<code>_scored`, `theme_<code>`, `dimension_<code>`.

    Codes are free text in an instrument file; SPSS accepts letters, digits and "_" (up to 64
    bytes, starting with a letter), so anything else becomes "_" and a clash gets a number.
    """
    taken = {"respondent", *QUASI_IDENTIFIER_COLUMNS}

    def name(prefix, code, suffix=""):
        safe = re.sub(r"[^A-Za-z0-9_]", "_", code)[: SPSS_NAME_LIMIT - len(prefix) - len(suffix) - 4]
        candidate, number = f"{prefix}{safe}{suffix}", 2
        while candidate.lower() in taken:  # SPSS names ignore case
            candidate, number = f"{prefix}{safe}_{number}{suffix}", number + 1
        taken.add(candidate.lower())
        return candidate

    names = ColumnNames()
    for code in template.item_codes:
        names.item_raw.append(name("item_", code, "_raw"))
        names.item_scored.append(name("item_", code, "_scored"))
    names.theme = [name("theme_", code) for code in template.theme_codes]
    names.dimension = [name("dimension_", code) for code in template.dimension_codes]
    return names


def _quasi_identifier_columns(quasi_identifiers, rows=None):
    """The four quasi-identifier columns (`CodedColumn`s), of the given rows only if `rows` is given."""
    return {
        name: column if rows is None else column.take(rows)
        for name, column in zip(QUASI_IDENTIFIER_COLUMNS, quasi_identifiers, strict=True)
    }


def wide_columns(template, data, quasi_identifiers, first_respondent):
    """One row per response of the batch `data` (a `WaveData`).

    quasi_identifiers : (value stream names, sides, roles, tenures) as `CodedColumn`s, one row
        per response, already generalized.
    first_respondent : the number of the batch's first row in the file.
    """
    reverse_coded, theme_matrix, dimension_matrix = score_wave(data)
    names = column_names(template)
    n = len(data.answers)
    columns = Columns()
    columns.values["respondent"] = np.arange(first_respondent, first_respondent + n, dtype=float)
    columns.values.update(_quasi_identifier_columns(quasi_identifiers))
    for index in range(len(template.item_codes)):
        columns.values[names.item_raw[index]] = data.answers[:, index]
        columns.not_applicable[names.item_raw[index]] = data.not_applicable[:, index]
        columns.values[names.item_scored[index]] = reverse_coded[:, index]
    for index, name in enumerate(names.theme):
        columns.values[name] = theme_matrix[:, index]
    for index, name in enumerate(names.dimension):
        columns.values[name] = dimension_matrix[:, index]
    return columns


def long_columns(template, data, quasi_identifiers, first_respondent):
    """One row per answer of the batch (on the scale or "not applicable"; an unanswered item has no row).

    A response without any answer still gets one row, with no item, answer or score: every
    written response is in both layouts, so each combination of quasi-identifiers holds the same
    respondents in the long file as in the wide one (at least k), not only those who answered.
    """
    reverse_coded, theme_matrix, dimension_matrix = score_wave(data)
    n_themes, n_dimensions = len(template.theme_codes), len(template.dimension_codes)
    respondent = np.arange(first_respondent, first_respondent + len(data.answers), dtype=float)
    answered = ~np.isnan(data.answers) | data.not_applicable
    # A last column stands for "no answer at all": item, theme and dimension position n (None),
    # and every value NaN.
    rows, items = np.nonzero(np.column_stack([answered, ~answered.any(axis=1)]))
    themes = np.append(template.item_theme, n_themes)[items]
    dimensions = np.append(template.theme_dimension, n_dimensions)[themes]

    def with_empty_column(matrix, fill=np.nan):
        return np.column_stack([matrix, np.full(len(matrix), fill, dtype=matrix.dtype)])

    columns = Columns()
    columns.values["respondent"] = respondent[rows]
    columns.values.update(_quasi_identifier_columns(quasi_identifiers, rows))
    columns.values["item"] = CodedColumn(items, (*template.item_codes, None))
    columns.values["theme"] = CodedColumn(themes, (*template.theme_codes, None))
    columns.values["dimension"] = CodedColumn(dimensions, (*template.dimension_codes, None))
    columns.values["reverse_worded"] = np.append(template.item_reverse.astype(float), np.nan)[items]
    columns.values["answer_raw"] = with_empty_column(data.answers)[rows, items]
    columns.not_applicable["answer_raw"] = with_empty_column(data.not_applicable, False)[rows, items]
    columns.values["answer_scored"] = with_empty_column(reverse_coded)[rows, items]
    columns.values["theme_score"] = with_empty_column(theme_matrix)[rows, themes]
    columns.values["dimension_score"] = with_empty_column(dimension_matrix)[rows, dimensions]
    return columns
