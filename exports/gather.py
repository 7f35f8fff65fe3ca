"""Reading a wave's final release for an export, in batches: the only module of `exports` that queries the database.

An export reads the release twice: once to count (the census the anonymization decides on), once
to write. Each pass reads `BATCH_SIZE` responses at a time with a constant number of queries per
batch, and turns each batch into numpy arrays as `assessments.gather` does for a whole wave, so
memory stays flat however large the wave.
"""

import dataclasses
import itertools
from dataclasses import dataclass

import numpy as np
from django.db import connection

from assessments.gather import NA_CODE, WaveData
from surveys import answer_codes
from surveys.models import Answer, Response, Role, Side, TenureBand, ValueStream

BATCH_SIZE = 2_000

# Codes of the quasi-identifiers as stored; "" is "not given" for the optional ones.
SIDE_CODES = (Side.BIZ.value, Side.IT.value)
ROLE_CODES = ("", *Role.values)
TENURE_CODES = ("", *TenureBand.values)


class WaveChanged(Exception):
    """The wave lost responses between the census and the writing: the plan no longer holds."""


@dataclass
class WaveStructure:
    """What an export needs to know about a wave besides its responses."""

    wave: object
    release: object  # the surveys.models.Release read: the wave's final one
    instrument: object
    items: list  # Item objects in questionnaire order (the columns of every answer matrix)
    themes: list
    dimensions: list
    value_streams: list  # in the report's order: the wave's by name, then any only old responses name
    template: WaveData  # the instrument's arrays, with no responses: a batch is this plus its rows

    @property
    def item_ids(self):
        return [item.pk for item in self.items]

    @property
    def cells_per_value_stream(self):
        return len(SIDE_CODES) * len(ROLE_CODES) * len(TENURE_CODES)

    @property
    def grid_size(self):
        """The number of possible cells: every combination of quasi-identifier codes."""
        return len(self.value_streams) * self.cells_per_value_stream

    def cell_positions(self, cells):
        """Positions of grid cell numbers: value stream index, and positions in SIDE_CODES, ROLE_CODES, TENURE_CODES."""
        cells = np.asarray(cells, dtype=np.int64)
        rest, tenure = np.divmod(cells, len(TENURE_CODES))
        rest, role = np.divmod(rest, len(ROLE_CODES))
        stream, side = np.divmod(rest, len(SIDE_CODES))
        return stream, side, role, tenure

    def decode_cells(self, cells):
        """Value stream index, side, role and tenure codes of grid cell numbers."""
        stream, side, role, tenure = self.cell_positions(cells)
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
    cells: np.ndarray  # grid cell number of each response (see WaveStructure.decode_cells)
    data: WaveData  # the batch as the report's arrays: answers, not_applicable, value stream, side


def read_structure(wave, release):
    """The instrument and value streams of `release` of `wave` (a few queries)."""
    instrument = wave.instrument
    items = list(instrument.ordered_items())
    themes = list(dict.fromkeys(item.theme for item in items))
    dimensions = list(dict.fromkeys(theme.dimension for theme in themes))
    value_streams = sorted(wave.value_streams.all(), key=lambda vs: vs.name)
    # Like assessments.gather: a response whose value stream was later removed from the wave
    # keeps its own name, after the wave's, so the report and the export agree on the cells.
    in_wave = {vs.pk for vs in value_streams}
    used = set(released(wave, release).values_list("value_stream_id", flat=True).distinct())
    extra = sorted(ValueStream.objects.filter(pk__in=used - in_wave), key=lambda vs: vs.name)
    value_streams += extra
    template = WaveData(
        slug=wave.slug,
        title=wave.title,
        anonymity_threshold=wave.anonymity_threshold,
        scale_min=instrument.scale_min,
        scale_max=instrument.scale_max,
        item_codes=[item.code for item in items],
        item_theme=np.array([themes.index(item.theme) for item in items], dtype=np.int64),
        item_reverse=np.array([item.reverse for item in items], dtype=bool),
        theme_codes=[theme.code for theme in themes],
        theme_names=[theme.name_text for theme in themes],
        theme_dimension=np.array([dimensions.index(theme.dimension) for theme in themes], dtype=np.int64),
        dimension_codes=[dimension.code for dimension in dimensions],
        dimension_names=[dimension.name_text for dimension in dimensions],
        value_stream_names=[vs.name for vs in value_streams],
        response_value_stream=np.zeros(0, dtype=np.int64),
        response_is_biz=np.zeros(0, dtype=bool),
        answers=np.zeros((0, len(items))),
        not_applicable=np.zeros((0, len(items)), dtype=bool),
    )
    return WaveStructure(wave, release, instrument, items, themes, dimensions, value_streams, template)


def released(wave, release):
    """The responses of `release` of `wave`."""
    return Response.objects.filter(wave=wave, released_in__lte=release.number)


def census_batches(structure, batch_size=BATCH_SIZE):
    """Every response of the release, `batch_size` at a time (two queries a batch).

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
                .values_list("pk", "value_stream_id", "side", "role", "tenure_band")[:batch_size]
            )
            if not rows:
                break
            yield _census_batch(structure, rows, stream_index)
            if len(rows) < batch_size:
                break
            last_id = rows[-1][0]


def _census_batch(structure, rows, stream_index):
    columns = np.array(rows, dtype=object).reshape(-1, 5)
    response_ids = columns[:, 0].astype(np.int64)
    streams = _codes(columns[:, 1], stream_index)
    sides = _codes(columns[:, 2], {code: index for index, code in enumerate(SIDE_CODES)})
    roles = _codes(columns[:, 3], {code: index for index, code in enumerate(ROLE_CODES)})
    tenures = _codes(columns[:, 4], {code: index for index, code in enumerate(TENURE_CODES)})
    cells = ((streams * len(SIDE_CODES) + sides) * len(ROLE_CODES) + roles) * len(TENURE_CODES) + tenures
    return _batch(structure, response_ids, cells)


def written_batches(structure, response_ids, cells, batch_size=BATCH_SIZE):
    """The given responses in the given order (the file's), `batch_size` at a time (one query a batch).

    `cells` are their grid cell numbers, known from the census, so only the answers are read.
    """
    for start in range(0, len(response_ids), batch_size):
        stop = start + batch_size
        yield _batch(structure, response_ids[start:stop], cells[start:stop])


def _codes(values, index):
    """Map stored values to their index; a value outside the known codes is a bug, not a category."""
    unique, inverse = np.unique(values, return_inverse=True)
    try:
        mapped = np.array([index[value] for value in unique.tolist()], dtype=np.int64)
    except KeyError as error:
        raise ValueError(f"unknown stored value {error.args[0]!r}: the export knows no such category") from error
    return mapped[inverse].reshape(-1)


def _batch(structure, response_ids, cells):
    answers, not_applicable = answer_block(response_ids, structure.item_ids, structure.instrument.scale_min)
    stream, side, _, _ = structure.decode_cells(cells)
    data = dataclasses.replace(
        structure.template,
        response_value_stream=stream,
        response_is_biz=side == Side.BIZ.value,
        answers=answers,
        not_applicable=not_applicable,
    )
    return ResponseBatch(np.asarray(response_ids, dtype=np.int64), np.asarray(cells, dtype=np.int64), data)


def answer_block(response_ids, item_ids, scale_min):
    """The answers of the given responses as a matrix (rows in the given order, columns in item order).

    Returns (answers, not_applicable): float answers with NaN where not answered or not
    applicable, and a bool matrix marking "not applicable". Read from the responses' answer
    codes (surveys/answer_codes.py), one short row per response; from the answer rows when a
    response has none. Raises WaveChanged if a response no longer exists.
    """
    response_ids = np.asarray(response_ids, dtype=np.int64)
    shape = (len(response_ids), len(item_ids))
    if not len(response_ids) or not len(item_ids):
        return np.full(shape, np.nan), np.zeros(shape, dtype=bool)
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
    in_order = [codes[pk] for pk in response_ids.tolist()]
    if None in in_order or set(map(len, in_order)) != {len(item_ids)}:
        return _answer_block_from_rows(response_ids, item_ids)
    return answer_codes.decode(b"".join(in_order), len(response_ids), len(item_ids), scale_min)


def _answer_block_from_rows(response_ids, item_ids):
    """Like `answer_block`, from the answer rows: one row per response and per answer."""
    shape = (len(response_ids), len(item_ids))
    answers = np.full(shape, np.nan)
    not_applicable = np.zeros(shape, dtype=bool)
    answer_table = connection.ops.quote_name(Answer._meta.db_table)
    response_table = connection.ops.quote_name(Response._meta.db_table)
    placeholders = ", ".join(["%s"] * len(response_ids))
    # From the responses, so that one which vanished since the census shows as missing; a response
    # without any answer comes back once with item 0 (no item has that id).
    sql = (
        f"SELECT r.id, COALESCE(a.item_id, 0), COALESCE(a.value, {NA_CODE}) "  # noqa: S608
        f"FROM {response_table} r LEFT JOIN {answer_table} a ON a.response_id = r.id WHERE r.id IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, response_ids.tolist())
        triples = np.fromiter(itertools.chain.from_iterable(cursor), dtype=np.int64).reshape(-1, 3)
    if len(np.unique(triples[:, 0])) != len(response_ids):
        raise WaveChanged("responses of the wave were deleted while it was being exported; export it again")
    # Row of each answer: the position of its response in `response_ids` (which need not be sorted).
    order = np.argsort(response_ids)
    rows = order[np.searchsorted(response_ids, triples[:, 0], sorter=order)]
    item_ids = np.asarray(item_ids, dtype=np.int64)
    item_order = np.argsort(item_ids)
    positions = np.searchsorted(item_ids, triples[:, 1], sorter=item_order).clip(max=len(item_ids) - 1)
    columns = item_order[positions]
    # An answer to an item of another instrument cannot exist (the questionnaire and the import refuse
    # it); if one did, it is left out rather than written under a wrong column. So is item 0 (above).
    known = item_ids[columns] == triples[:, 1]
    rows, columns, values = rows[known], columns[known], triples[known, 2]
    is_na = values == NA_CODE
    answers[rows[~is_na], columns[~is_na]] = values[~is_na]
    not_applicable[rows[is_na], columns[is_na]] = True
    return answers, not_applicable
