"""A streaming writer of SPSS system files (.sav) for numeric variables: pure Python and numpy.

Why our own: pyreadstat (ReadStat) only writes a whole pandas data frame, so a .sav export held
every row in memory at once — 392 MB for the long layout of 100,000 responses, growing with the
wave. Every variable of an export is numeric (categories are written as codes with value labels),
and for numeric variables the format is simple: a dictionary of records, then each case as one
little-endian float64 per variable. So the dictionary is written first and the cases follow batch
by batch, in flat memory.

The layout follows the system file format as documented by GNU PSPP ("System File Format" in the
PSPP developers' guide): the file header, one variable record per variable, value labels, the
document (notes), the machine integer and float info, variable display parameters, long variable
names, the character encoding, the dictionary's end, then the data, uncompressed. pyreadstat
reads our files back in the tests (tests/exports/test_sav.py), labels and missing values included.
"""

import re
import struct
import sys
from dataclasses import dataclass, field

import numpy as np

SYSTEM_MISSING = -sys.float_info.max  # what SPSS reads as system-missing (our NaN)
HIGHEST = sys.float_info.max
LOWEST = np.nextafter(-sys.float_info.max, 0.0)
MEASURES = {"nominal": 1, "ordinal": 2, "scale": 3}
FORMAT_F = 5  # SPSS's format code for F (plain numbers)
VARIABLE_LABEL_LIMIT = 255  # bytes
VALUE_LABEL_LIMIT = 120  # bytes SPSS keeps of a value label
DOCUMENT_LINE = 80  # bytes per line of the document record
NUMBER_OF_CASES_OFFSET = 80  # where the header keeps the case count, patched once it is known


@dataclass
class SavVariable:
    """One numeric variable of a .sav file.

    name : up to 64 bytes, letters, digits and "_" (the export's names already are).
    decimals : shown after the point (0 for codes and answers, 2 for scores); the values are
        stored in full precision whatever this says.
    value_labels : value -> label.
    missing_values : up to three values that SPSS treats as user-missing.
    """

    name: str
    label: str = ""
    measure: str = "scale"
    decimals: int = 0
    value_labels: dict = field(default_factory=dict)
    missing_values: tuple = ()


def _padded(text, size, fill=b" "):
    data = text.encode() if isinstance(text, str) else text
    return _cut(data, size).ljust(size, fill)


def _cut(data, limit):
    """At most `limit` bytes, never splitting a UTF-8 character."""
    return data[:limit].decode(errors="ignore").encode() if len(data) > limit else data


def short_names(names):
    """Unique SPSS short names (at most 8 bytes, upper case) for long variable names."""
    taken, result = set(), []
    for number, name in enumerate(names, start=1):
        # SPSS names start with a letter and should not end with "_"; reserved words are never ours.
        candidate = re.sub(r"[^A-Z0-9_]", "_", name.upper())[:8].rstrip("_")
        if not candidate or not candidate[0].isalpha() or candidate in taken:
            candidate = f"V{number}"[:8]
            while candidate in taken:  # only when a long name itself looks like V<number>
                candidate = f"V{len(taken) + number}"[:8]
        taken.add(candidate)
        result.append(candidate)
    return result


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def creation_stamp(day):
    """The header's creation date and time for a day: "dd Mon yy" (English, whatever the locale), midnight.

    Only the day: an export says no time finer than the day it was made.
    """
    return f"{day.day:02d} {MONTHS[day.month - 1]} {day.year % 100:02d}", "00:00:00"


def _format(decimals):
    width = 8 if decimals == 0 else 10
    return (FORMAT_F << 16) | (width << 8) | decimals, width


def dictionary(variables, file_label="", notes=(), created=None, number_of_cases=-1):
    """The bytes of a .sav file before its data: the header and every dictionary record.

    created : a (date, time) pair of texts "dd Mon yy" and "hh:mm:ss"; number_of_cases: -1 when
    not known yet (the writer patches it when it closes a seekable file).
    """
    created_date, created_time = created or ("01 Jan 70", "00:00:00")
    parts = [
        b"$FL2",
        _padded("@(#) SPSS DATA FILE AlignSurvey", 60),
        struct.pack("<iiiii", 2, len(variables), 0, 0, number_of_cases),
        struct.pack("<d", 100.0),  # the compression bias (unused: the data are not compressed)
        _padded(created_date, 9),
        _padded(created_time, 8),
        _padded(file_label, 64),
        b"\0\0\0",
    ]
    names = [variable.name for variable in variables]
    shorts = short_names(names)
    for variable, short in zip(variables, shorts, strict=True):
        label = _cut(variable.label.encode(), VARIABLE_LABEL_LIMIT)
        missing = tuple(variable.missing_values)[:3]
        print_format, _ = _format(variable.decimals)
        parts.append(struct.pack("<iiiiii", 2, 0, 1 if label else 0, len(missing), print_format, print_format))
        parts.append(_padded(short, 8))
        if label:
            parts.append(struct.pack("<i", len(label)) + label.ljust(-(-len(label) // 4) * 4, b" "))
        parts.extend(struct.pack("<d", value) for value in missing)
    for index, variable in enumerate(variables, start=1):
        if variable.value_labels:
            parts.append(_value_labels(variable.value_labels, index))
    lines = [_padded(line, DOCUMENT_LINE) for line in notes]
    if lines:
        parts.append(struct.pack("<ii", 6, len(lines)) + b"".join(lines))
    # Machine integer info: version 1.0.0, machine -1, IEEE floats, compression 1 (always), little-endian, UTF-8.
    parts.append(_extension(3, 4, struct.pack("<8i", 1, 0, 0, -1, 1, 1, 2, 65001)))
    parts.append(_extension(4, 8, struct.pack("<3d", SYSTEM_MISSING, HIGHEST, LOWEST)))
    display = b"".join(
        struct.pack("<iii", MEASURES[variable.measure], _format(variable.decimals)[1], 1) for variable in variables
    )
    parts.append(_extension(11, 4, display))
    long_names = "\t".join(f"{short}={name}" for short, name in zip(shorts, names, strict=True)).encode()
    parts.append(_extension(13, 1, long_names))
    parts.append(_extension(20, 1, b"UTF-8"))
    parts.append(struct.pack("<ii", 999, 0))
    return b"".join(parts)


def _extension(subtype, size, data):
    return struct.pack("<iiii", 7, subtype, size, len(data) // size) + data


def _value_labels(labels, variable_index):
    entries = []
    for value, label in labels.items():
        text = _cut(str(label).encode(), VALUE_LABEL_LIMIT)
        entry = bytes([len(text)]) + text
        entries.append(struct.pack("<d", value) + entry.ljust(-(-len(entry) // 8) * 8, b" "))
    return struct.pack("<ii", 3, len(labels)) + b"".join(entries) + struct.pack("<iii", 4, 1, variable_index)


def case_bytes(columns):
    """The data of some cases: `columns` is a list of equal-length numeric arrays, one per variable.

    Row after row, each value a little-endian float64; NaN becomes system-missing.
    """
    matrix = np.empty((len(columns[0]) if columns else 0, len(columns)), dtype="<f8")
    for index, column in enumerate(columns):
        matrix[:, index] = column
    matrix[np.isnan(matrix)] = SYSTEM_MISSING
    return matrix.tobytes()


class SavWriter:
    """Writes a .sav file to an open binary file: the dictionary now, the cases batch by batch.

    A seekable file gets its number of cases written into the header on `close`; a stream keeps
    -1 ("not known"), which SPSS, PSPP and ReadStat accept.
    """

    def __init__(self, handle, variables, file_label="", notes=(), created=None):
        self.handle = handle
        self.width = len(variables)
        self.cases = 0
        handle.write(dictionary(variables, file_label, notes, created))

    def write_cases(self, columns):
        if len(columns) != self.width:
            raise ValueError(f"{len(columns)} columns given, the file has {self.width} variables")
        self.handle.write(case_bytes(columns))
        self.cases += len(columns[0]) if columns else 0

    def close(self):
        if self.handle.seekable():
            self.handle.seek(NUMBER_OF_CASES_OFFSET)
            self.handle.write(struct.pack("<i", self.cases))
            self.handle.seek(0, 2)
