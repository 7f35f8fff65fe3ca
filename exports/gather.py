"""Reading a wave's final release for an export, in batches: the only module of `exports` that queries the database.

An export reads the release twice: once to count (the census the anonymization decides on), once
to write. Each pass reads `BATCH_SIZE` responses at a time, one query a batch, and turns each
batch into the report's arrays the way the assessment reads a whole release
(`assessments.gather.read_structure` and `release_arrays`), so memory stays flat however large
the wave, and the report and the file see the same value streams and answers.

Each response of the census is known by a *grid cell*: one number for its value stream, side,
role and tenure (`decode_cells`), so a pass keeps two integers per response, never its answers.
"""

from dataclasses import dataclass

import numpy as np
from django.db import connection

from assessments.gather import WaveData, named_value_streams, read_structure, release_arrays
from surveys.models import Response, Role, Side, TenureBand

BATCH_SIZE = 2_000

# Codes of the quasi-identifiers as stored; "" is "not given" for the optional ones.
SIDE_CODES = (Side.BIZ.value, Side.IT.value)
ROLE_CODES = ("", *Role.values)
TENURE_CODES = ("", *TenureBand.values)
CELLS_PER_VALUE_STREAM = len(SIDE_CODES) * len(ROLE_CODES) * len(TENURE_CODES)


class WaveChanged(Exception):
    """The wave lost responses between the census and the writing: the plan no longer holds."""


def release_structure(wave, release):
    """What the responses of `release` are read against (`assessments.gather.read_structure`), in a few queries."""
    return read_structure(wave, release, named_value_streams(wave, release))


def grid_size(structure):
    """The number of possible cells of a release (an `assessments.gather.ReleaseStructure`)."""
    return len(structure.value_streams) * CELLS_PER_VALUE_STREAM


def cell_positions(cells):
    """Positions of grid cell numbers: value stream index, and positions in SIDE_CODES, ROLE_CODES, TENURE_CODES."""
    cells = np.asarray(cells, dtype=np.int64)
    rest, tenure = np.divmod(cells, len(TENURE_CODES))
    rest, role = np.divmod(rest, len(ROLE_CODES))
    stream, side = np.divmod(rest, len(SIDE_CODES))
    return stream, side, role, tenure


def decode_cells(cells):
    """Value stream index, side, role and tenure codes of grid cell numbers."""
    stream, side, role, tenure = cell_positions(cells)
    return (
        stream,
        np.array(SIDE_CODES, dtype=object)[side],
        np.array(ROLE_CODES, dtype=object)[role],
        np.array(TENURE_CODES, dtype=object)[tenure],
    )


@dataclass
class ResponseBatch:
    """Some responses of the wave as arrays, rows in the order of `response_ids`."""

    response_ids: np.ndarray
    cells: np.ndarray  # grid cell number of each response (see decode_cells)
    data: WaveData  # the batch as the report's arrays: answers, not_applicable, value stream, side


def census_batches(structure, batch_size=BATCH_SIZE):
    """Every response of the release, `batch_size` at a time (one query a batch).

    Step by step of the release (each adds a group's responses), and within a step in primary-key
    order: the index on (wave, step) then hands the rows over in order. Asked for "step at most
    n, in primary-key order", SQLite read every row of the wave and sorted them, for every batch.
    """
    stream_index = {vs.pk: index for index, vs in enumerate(structure.value_streams)}
    for number in range(1, structure.release.number + 1):
        last_id = 0
        while True:
            rows = list(
                Response.objects.filter(wave=structure.wave, released_in=number, pk__gt=last_id)
                .order_by("pk")
                .values_list("pk", "value_stream_id", "side", "role", "tenure_band", "answer_codes")[:batch_size]
            )
            if not rows:
                break
            yield _census_batch(structure, rows, stream_index)
            if len(rows) < batch_size:
                break
            last_id = rows[-1][0]


def _census_batch(structure, rows, stream_index):
    columns = np.array([row[:5] for row in rows], dtype=object).reshape(-1, 5)
    response_ids = columns[:, 0].astype(np.int64)
    streams = _codes(columns[:, 1], stream_index)
    sides = _codes(columns[:, 2], {code: index for index, code in enumerate(SIDE_CODES)})
    roles = _codes(columns[:, 3], {code: index for index, code in enumerate(ROLE_CODES)})
    tenures = _codes(columns[:, 4], {code: index for index, code in enumerate(TENURE_CODES)})
    cells = ((streams * len(SIDE_CODES) + sides) * len(ROLE_CODES) + roles) * len(TENURE_CODES) + tenures
    return _batch(structure, response_ids, cells, b"".join(row[5] for row in rows))


def written_batches(structure, response_ids, cells, batch_size=BATCH_SIZE):
    """The given responses in the given order (the file's), `batch_size` at a time (one query a batch).

    `cells` are their grid cell numbers, known from the census, so only the answer codes are read.
    """
    for start in range(0, len(response_ids), batch_size):
        batch_ids = np.asarray(response_ids[start : start + batch_size], dtype=np.int64)
        yield _batch(structure, batch_ids, cells[start : start + batch_size], _answer_codes_in_order(batch_ids))


def _codes(values, index):
    """Map stored values to their index; a value outside the known codes is a bug, not a category."""
    unique, inverse = np.unique(values, return_inverse=True)
    try:
        mapped = np.array([index[value] for value in unique.tolist()], dtype=np.int64)
    except KeyError as error:
        raise ValueError(f"unknown stored value {error.args[0]!r}: the export knows no such category") from error
    return mapped[inverse].reshape(-1)


def _batch(structure, response_ids, cells, codes):
    stream, side, _, _ = decode_cells(cells)
    data = release_arrays(structure, stream, side == Side.BIZ.value, codes)
    return ResponseBatch(np.asarray(response_ids, dtype=np.int64), np.asarray(cells, dtype=np.int64), data)


def _answer_codes_in_order(response_ids):
    """The answer codes of the given responses, joined in the given order (one query).

    Raises WaveChanged if a response no longer exists.
    """
    if not len(response_ids):
        return b""
    response_table = connection.ops.quote_name(Response._meta.db_table)
    placeholders = ", ".join(["%s"] * len(response_ids))
    with connection.cursor() as cursor:
        # Plain SQL: the ORM's IN lookup prepares each of the thousands of ids one by one.
        cursor.execute(
            f"SELECT id, answer_codes FROM {response_table} WHERE id IN ({placeholders})",  # noqa: S608
            response_ids.tolist(),
        )
        codes = dict(cursor.fetchall())
    if len(codes) != len(response_ids):
        raise WaveChanged("responses of the wave were deleted while it was being exported; export it again")
    return b"".join(codes[pk] for pk in response_ids.tolist())
