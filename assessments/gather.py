"""Gather a wave into arrays: the only place where the assessment touches the database.

A handful of queries, whatever the number of responses: the instrument's items, the wave's
value streams, and its responses with their answers packed into a few integers per response.
Everything after this is numpy.
"""

import itertools
from dataclasses import dataclass

import numpy as np
from django.db import connection

from surveys.models import Answer, Response, Side

NA_CODE = -32767  # stands for "not applicable" (NULL) while answers travel as integers

# Packed answers. The database sums, per response, one small code per answer shifted into the
# answer's slot, so a response crosses the driver as a few integers instead of one row per
# answer (24 answers: 2 integers instead of 24 rows of 3). Codes take 4 bits and a chunk
# holds 15 of them (60 bits), within the signed 64-bit integers of SQLite and PostgreSQL.
CODE_BITS = 4
ITEMS_PER_CHUNK = 15
NOT_ANSWERED, NOT_APPLICABLE, FIRST_VALUE, OUT_OF_SCALE = 0, 1, 2, 15  # scale points: codes 2 … 12
PACKED_VENDORS = ("sqlite", "postgresql")  # the query below is tested on both


@dataclass
class WaveData:
    """A wave as arrays. Rows are responses, columns items in questionnaire order."""

    slug: str
    title: str
    anonymity_threshold: int
    scale_min: int
    scale_max: int
    item_codes: list
    item_theme: np.ndarray  # theme index of each item
    item_reverse: np.ndarray  # bool
    theme_codes: list
    theme_names: list
    theme_dimension: np.ndarray  # dimension index of each theme
    dimension_codes: list
    dimension_names: list
    value_stream_names: list  # sorted by name
    response_value_stream: np.ndarray  # value stream index of each response
    response_is_biz: np.ndarray  # bool
    answers: np.ndarray  # float, raw answers; NaN = not answered or not applicable
    not_applicable: np.ndarray  # bool, same shape: the respondent chose "not applicable"

    @property
    def scale_points(self):
        return self.scale_max - self.scale_min + 1


def gather_wave(wave):
    """Read `wave` into a WaveData with a constant number of queries."""
    instrument = wave.instrument
    items = list(instrument.ordered_items())
    themes = list(dict.fromkeys(item.theme for item in items))
    dimensions = list(dict.fromkeys(theme.dimension for theme in themes))
    value_streams = sorted(wave.value_streams.all(), key=lambda vs: vs.name)
    item_ids = [item.pk for item in items]

    responses = _packed_responses(wave, item_ids, instrument.scale_min, instrument.scale_max)
    if responses is None:
        responses = _plain_responses(wave, item_ids)
    stream_ids, is_biz, answers, not_applicable = responses

    # Value stream index of each response, looked up once per distinct value stream.
    distinct_ids, response_stream_slot = np.unique(stream_ids, return_inverse=True)
    stream_index = {vs.pk: index for index, vs in enumerate(value_streams)}
    missing = set(distinct_ids.tolist()) - set(stream_index)
    if missing:
        # A response whose value stream was later removed from the wave: give it its own name
        # rather than silently dropping or misfiling it.
        extra = {vs.pk: vs for vs in wave.organization.value_streams.filter(pk__in=missing)}
        for pk in sorted(extra, key=lambda pk: extra[pk].name):
            stream_index[pk] = len(value_streams)
            value_streams.append(extra[pk])
    distinct_index = np.array([stream_index[pk] for pk in distinct_ids.tolist()], dtype=np.int64)
    response_value_stream = distinct_index[response_stream_slot.reshape(-1)]

    return WaveData(
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
        response_value_stream=response_value_stream,
        response_is_biz=is_biz,
        answers=answers,
        not_applicable=not_applicable,
    )


def _packed_responses(wave, item_ids, scale_min, scale_max):
    """The wave's responses in primary-key order, from one query with one row per response.

    Returns (value stream ids, is Biz, answers, not applicable), or None when packing does not
    apply: another database, no items, a scale too long for the codes, or an answer outside the
    scale (only the form and the import check the scale; the database allows any value to ±100).
    """
    if connection.vendor not in PACKED_VENDORS or not item_ids or scale_max - scale_min + FIRST_VALUE >= OUT_OF_SCALE:
        return None
    # A chunk packs the items whose ids lie in [first, first + ITEMS_PER_CHUNK): slot = id − first.
    # An instrument's items are created together, so their ids are consecutive and 24 items
    # make 2 chunks; ids with gaps just need more chunks. Finding the slot by arithmetic keeps
    # the work per answer small (a CASE with one WHEN per item costs a third more).
    firsts = []
    for item_id in sorted(item_ids):
        if not firsts or item_id >= firsts[-1] + ITEMS_PER_CHUNK:
            firsts.append(int(item_id))
    code = (
        f"CASE WHEN a.value IS NULL THEN {NOT_APPLICABLE} "
        f"WHEN a.value BETWEEN {int(scale_min)} AND {int(scale_max)} THEN a.value - {int(scale_min) - FIRST_VALUE} "
        f"ELSE {OUT_OF_SCALE} END"
    )
    # The code is shifted as a BIGINT by an INTEGER: PostgreSQL's << takes exactly those. An
    # answer to an item of another instrument (which the questionnaire and the import refuse)
    # lands outside every range or in a slot of no item, and is left out.
    packed_columns = [
        f"COALESCE(CAST(SUM(CASE WHEN a.item_id BETWEEN {first} AND {first + ITEMS_PER_CHUNK - 1} "
        f"THEN CAST({code} AS BIGINT) << CAST({CODE_BITS} * (a.item_id - {first}) AS INTEGER) END) AS BIGINT), 0)"
        for first in firsts
    ]
    answer_table = connection.ops.quote_name(Answer._meta.db_table)
    response_table = connection.ops.quote_name(Response._meta.db_table)
    # Grouped by the primary key alone, so value stream and side can be selected as they are
    # (PostgreSQL allows it for a primary key). SQLite then walks the responses in id order and
    # needs no sort.
    sql = (
        f"SELECT r.id, r.value_stream_id, CASE WHEN r.side = %s THEN 1 ELSE 0 END, "  # noqa: S608
        f"{', '.join(packed_columns)} "
        f"FROM {response_table} r LEFT JOIN {answer_table} a ON a.response_id = r.id "
        f"WHERE r.wave_id = %s GROUP BY r.id ORDER BY r.id"
    )
    n_columns = 3 + len(firsts)  # id, value stream, is Biz, then the chunks
    with connection.cursor() as cursor:
        cursor.execute(sql, [Side.BIZ.value, wave.pk])
        rows = cursor.fetchall()
    table = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=len(rows) * n_columns)
    table = table.reshape(len(rows), n_columns)

    shifts = CODE_BITS * np.arange(ITEMS_PER_CHUNK)
    codes = (table[:, 3:, None] >> shifts) & (2**CODE_BITS - 1)  # [response, chunk, slot]
    codes = codes.reshape(len(rows), len(firsts) * ITEMS_PER_CHUNK)
    chunk = np.searchsorted(firsts, item_ids, side="right") - 1
    codes = codes[:, chunk * ITEMS_PER_CHUNK + np.asarray(item_ids) - np.asarray(firsts)[chunk]]
    if (codes == OUT_OF_SCALE).any():
        return None
    answers = np.where(codes >= FIRST_VALUE, codes + (scale_min - FIRST_VALUE), np.nan)
    return table[:, 1], table[:, 2] == 1, answers, codes == NOT_APPLICABLE


def _plain_responses(wave, item_ids):
    """Like `_packed_responses`, for any database and any value: one row per response and per answer."""
    responses = np.array(
        Response.objects.filter(wave=wave).order_by("pk").values_list("pk", "value_stream_id", "side"),
        dtype=object,
    ).reshape(-1, 3)
    response_ids = responses[:, 0].astype(np.int64)
    answers, not_applicable = _answer_matrix(wave, response_ids, item_ids)
    return responses[:, 1].astype(np.int64), responses[:, 2] == Side.BIZ.value, answers, not_applicable


def _answer_matrix(wave, response_ids, item_ids):
    """All answers of the wave as a responses × items matrix, from one query."""
    shape = (len(response_ids), len(item_ids))
    answers = np.full(shape, np.nan)
    not_applicable = np.zeros(shape, dtype=bool)
    if not len(response_ids) or not len(item_ids):
        return answers, not_applicable
    answer_table = connection.ops.quote_name(Answer._meta.db_table)
    response_table = connection.ops.quote_name(Response._meta.db_table)
    sql = (
        f"SELECT a.response_id, a.item_id, COALESCE(a.value, {NA_CODE}) "  # noqa: S608
        f"FROM {answer_table} a JOIN {response_table} r ON r.id = a.response_id WHERE r.wave_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [wave.pk])
        flat = np.fromiter(itertools.chain.from_iterable(cursor), dtype=np.int64)
    triples = flat.reshape(-1, 3)
    rows = np.searchsorted(response_ids, triples[:, 0])
    # An answer to an item of another instrument cannot exist (the questionnaire and the import
    # refuse it); if one did, it is left out rather than written under a wrong column.
    item_ids = np.asarray(item_ids, dtype=np.int64)
    item_order = np.argsort(item_ids)
    positions = np.searchsorted(item_ids, triples[:, 1], sorter=item_order).clip(max=len(item_ids) - 1)
    columns = item_order[positions]
    known = item_ids[columns] == triples[:, 1]
    rows, columns, values = rows[known], columns[known], triples[known, 2]
    is_na = values == NA_CODE
    answers[rows[~is_na], columns[~is_na]] = values[~is_na]
    not_applicable[rows[is_na], columns[is_na]] = True
    return answers, not_applicable
