"""Gather a release of a wave into arrays: the only place where the assessment touches the database.

A handful of queries, whatever the number of responses: the instrument's items, the wave's
value streams (and those removed from it that released responses still name), and the release's
responses with their answer codes (surveys/answer_codes.py), one short row per response.
Everything after this is numpy. Only a release is ever read, never the live responses
(surveys/releases.py says why).

The researcher exports read a release batch by batch (exports/gather.py), through the same two
steps as `gather_wave`: `read_structure`, then `release_arrays` for each set of responses. So
the report and an export see the same columns, value streams and answers.
"""

import dataclasses
from dataclasses import dataclass

import numpy as np
from django.db import connection
from django.utils import timezone

from surveys import answer_codes
from surveys.models import Response, Side, ValueStream


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


@dataclass
class ReleaseStructure:
    """What the responses of a release are read against: the instrument and the value streams."""

    wave: object
    release: object  # the surveys.models.Release read
    instrument: object
    items: list  # Item objects in questionnaire order (the columns of every answer matrix)
    themes: list
    dimensions: list
    value_streams: list  # the wave's by name, then those only released responses name, by name
    template: WaveData  # the arrays without responses: a set of responses is this plus its rows


def release_summary(release):
    """The release as plain data, for the report and its JSON."""
    return {
        "number": release.number,
        "kind": release.kind,
        "responses": release.responses,
        "created_on": timezone.localdate(release.created_at).isoformat(),
    }


def read_structure(wave, release, value_stream_ids):
    """The instrument and value streams of `release` (a surveys.models.Release of `wave`), in two or three queries.

    `value_stream_ids`: the value streams the release's responses name (`named_value_streams`
    asks the database; `gather_wave` knows them from its read).
    """
    if release.wave_id != wave.pk:
        raise ValueError(f"release {release} is not a release of {wave}")
    instrument = wave.instrument
    items = list(instrument.ordered_items())
    themes = list(dict.fromkeys(item.theme for item in items))
    dimensions = list(dict.fromkeys(theme.dimension for theme in themes))
    value_streams = sorted(wave.value_streams.all(), key=lambda vs: vs.name)
    removed = set(value_stream_ids) - {vs.pk for vs in value_streams}
    if removed:
        # A response whose value stream was later removed from the wave keeps its own name, after
        # the wave's, rather than being dropped or misfiled.
        value_streams += sorted(ValueStream.objects.filter(pk__in=removed), key=lambda vs: vs.name)
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
        release=release_summary(release),
    )
    return ReleaseStructure(wave, release, instrument, items, themes, dimensions, value_streams, template)


def release_arrays(structure, value_stream, is_biz, codes):
    """Some responses of the release as the report's arrays: `structure.template` with their rows.

    value_stream : int array, the position of each response's value stream in `structure.value_streams`.
    is_biz : bool array.
    codes : bytes, the responses' answer codes joined in the same order; ValueError unless they
        hold one byte per item for each response (`surveys.answer_codes.decode`).
    """
    value_stream = np.asarray(value_stream, dtype=np.int64)
    answers, not_applicable = answer_codes.decode(
        codes, len(value_stream), len(structure.items), structure.instrument.scale_min
    )
    return dataclasses.replace(
        structure.template,
        response_value_stream=value_stream,
        response_is_biz=np.asarray(is_biz, dtype=bool),
        answers=answers,
        not_applicable=not_applicable,
    )


def named_value_streams(wave, release):
    """The ids of the value streams that responses of `release` name (one query)."""
    released = Response.objects.filter(wave=wave, released_in__lte=release.number)
    return set(released.values_list("value_stream_id", flat=True).distinct())


def gather_wave(wave, release):
    """Read the responses of `release` (a surveys.models.Release of `wave`) into a WaveData, in a few queries."""
    stream_ids, is_biz, codes = _release_rows(wave, release.number)
    # Value stream position of each response, looked up once per distinct value stream.
    distinct_ids, slot = np.unique(stream_ids, return_inverse=True)
    structure = read_structure(wave, release, distinct_ids.tolist())
    position = {vs.pk: index for index, vs in enumerate(structure.value_streams)}
    distinct_positions = np.array([position[pk] for pk in distinct_ids.tolist()], dtype=np.int64)
    return release_arrays(structure, distinct_positions[slot.reshape(-1)], is_biz, codes)


# The whole release in one row: every response's answer codes (as hex, one string) and its cell,
# 2 · value stream id + 1 if Biz (comma-separated), aggregated in the database's C code rather
# than handed over as 100,000 rows of Python objects. Both aggregates walk the same rows in the
# same order, so they line up.
AGGREGATED_CODES_SQL = {
    "sqlite": (
        "SELECT COUNT(*), group_concat(hex(answer_codes), ''), "
        "group_concat(value_stream_id * 2 + (side = %(biz)s), ',') "
        "FROM (SELECT answer_codes, value_stream_id, side FROM {table} "
        "WHERE wave_id = %(wave)s AND released_in <= %(release)s ORDER BY id)"
    ),
    "postgresql": (
        "SELECT COUNT(*), encode(string_agg(answer_codes, ''::bytea ORDER BY id), 'hex'), "
        "string_agg((value_stream_id * 2 + CASE WHEN side = %(biz)s THEN 1 ELSE 0 END)::text, ',' ORDER BY id) "
        "FROM {table} WHERE wave_id = %(wave)s AND released_in <= %(release)s"
    ),
}


def _release_rows(wave, release_number):
    """The release's responses in primary-key order (random, as ids are), in one row.

    Returns (value stream ids, is Biz, answer codes joined).
    """
    sql = AGGREGATED_CODES_SQL.get(connection.vendor)
    if sql is None:
        raise NotImplementedError(f"releases are read on SQLite and PostgreSQL, not on {connection.vendor}")
    table = connection.ops.quote_name(Response._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), {"biz": Side.BIZ.value, "wave": wave.pk, "release": release_number})
        count, codes_hex, cells = cursor.fetchone()
    if not count:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool), b""
    cells = np.array(cells.split(","), dtype=np.int64)
    return cells >> 1, (cells & 1) == 1, bytes.fromhex(codes_hex)
