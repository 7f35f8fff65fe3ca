"""Gather a release of a wave into arrays: the only place where the assessment touches the database.

A handful of queries, whatever the number of responses: the instrument's items, the wave's
value streams, and the release's responses with their answer codes (surveys/answer_codes.py),
one short row per response. Everything after this is numpy. Only a release is ever read, never
the live responses (surveys/releases.py says why).
"""

import itertools
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.utils import timezone

from surveys import answer_codes
from surveys.models import Answer, Response, Side

NA_CODE = -32767  # stands for "not applicable" (NULL) while answers travel as integers


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
    release: dict | None = None  # {"number", "kind", "responses", "created_on"} of the release read

    @property
    def scale_points(self):
        return self.scale_max - self.scale_min + 1


def release_summary(release):
    """The release as plain data, for the report and its JSON."""
    return {
        "number": release.number,
        "kind": release.kind,
        "responses": release.responses,
        "created_on": timezone.localdate(release.created_at).isoformat(),
    }


def gather_wave(wave, release):
    """Read the responses of `release` (a surveys.models.Release of `wave`) into a WaveData, in a few queries."""
    if release.wave_id != wave.pk:
        raise ValueError(f"release {release} is not a release of {wave}")
    instrument = wave.instrument
    items = list(instrument.ordered_items())
    themes = list(dict.fromkeys(item.theme for item in items))
    dimensions = list(dict.fromkeys(theme.dimension for theme in themes))
    value_streams = sorted(wave.value_streams.all(), key=lambda vs: vs.name)
    item_ids = [item.pk for item in items]

    responses = _coded_responses(wave, release.number, len(item_ids), instrument.scale_min)
    if responses is None:
        responses = _plain_responses(wave, release.number, item_ids)
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
        release=release_summary(release),
    )


# The whole release in one row: every response's answer codes (as hex, one string) and its cell,
# 2 · value stream id + 1 if Biz (comma-separated), aggregated in the database's C code rather
# than handed over as 100,000 rows of Python objects; plus the count of responses without codes
# of the right length. Both aggregates walk the same rows in the same order, so they line up.
AGGREGATED_CODES_SQL = {
    "sqlite": (
        "SELECT COUNT(*), SUM(answer_codes IS NULL OR length(answer_codes) != %(items)s), "
        "group_concat(hex(answer_codes), ''), group_concat(value_stream_id * 2 + (side = %(biz)s), ',') "
        "FROM (SELECT answer_codes, value_stream_id, side FROM {table} "
        "WHERE wave_id = %(wave)s AND released_in <= %(release)s ORDER BY id)"
    ),
    "postgresql": (
        "SELECT COUNT(*), SUM(CASE WHEN answer_codes IS NULL OR length(answer_codes) != %(items)s THEN 1 ELSE 0 END), "
        "encode(string_agg(answer_codes, ''::bytea ORDER BY id), 'hex'), "
        "string_agg((value_stream_id * 2 + CASE WHEN side = %(biz)s THEN 1 ELSE 0 END)::text, ',' ORDER BY id) "
        "FROM {table} WHERE wave_id = %(wave)s AND released_in <= %(release)s"
    ),
}


def _coded_responses(wave, release_number, item_count, scale_min):
    """The release's responses in primary-key order (random, as ids are), read from their answer codes in one row.

    Returns (value stream ids, is Biz, answers, not applicable), or None when some response has
    no codes of this instrument's length (stored by other means than ours) or the database is
    neither SQLite nor PostgreSQL: then the answer rows are read instead.
    """
    sql = AGGREGATED_CODES_SQL.get(connection.vendor)
    if sql is None:
        return None
    table = connection.ops.quote_name(Response._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.format(table=table),
            {"items": item_count, "biz": Side.BIZ.value, "wave": wave.pk, "release": release_number},
        )
        count, uncoded, codes_hex, cells = cursor.fetchone()
    if not count:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool), *answer_codes.decode(b"", 0, item_count, scale_min)
    if uncoded:
        return None
    cells = np.array(cells.split(","), dtype=np.int64)
    answers, not_applicable = answer_codes.decode(bytes.fromhex(codes_hex), count, item_count, scale_min)
    return cells >> 1, (cells & 1) == 1, answers, not_applicable


def _plain_responses(wave, release_number, item_ids):
    """Like `_coded_responses`, from the answer rows: one row per response and per answer."""
    responses = np.array(
        Response.objects.filter(wave=wave, released_in__lte=release_number)
        .order_by("pk")
        .values_list("pk", "value_stream_id", "side"),
        dtype=object,
    ).reshape(-1, 3)
    response_ids = responses[:, 0].astype(np.int64)
    answers, not_applicable = _answer_matrix(wave, release_number, response_ids, item_ids)
    return responses[:, 1].astype(np.int64), responses[:, 2] == Side.BIZ.value, answers, not_applicable


def _answer_matrix(wave, release_number, response_ids, item_ids):
    """All answers of the release as a responses × items matrix, from one query."""
    shape = (len(response_ids), len(item_ids))
    answers = np.full(shape, np.nan)
    not_applicable = np.zeros(shape, dtype=bool)
    if not len(response_ids) or not len(item_ids):
        return answers, not_applicable
    answer_table = connection.ops.quote_name(Answer._meta.db_table)
    response_table = connection.ops.quote_name(Response._meta.db_table)
    sql = (
        f"SELECT a.response_id, a.item_id, COALESCE(a.value, {NA_CODE}) "  # noqa: S608
        f"FROM {answer_table} a JOIN {response_table} r ON r.id = a.response_id "
        "WHERE r.wave_id = %s AND r.released_in <= %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [wave.pk, release_number])
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
