"""Gather a wave into arrays: the only place where the assessment touches the database.

A handful of queries, whatever the number of responses: the instrument's items, the wave's
value streams, its responses, and its answers as one stream of integers. Everything after this
is numpy.
"""

import itertools
from dataclasses import dataclass

import numpy as np
from django.db import connection

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

    responses = np.array(
        Response.objects.filter(wave=wave).order_by("pk").values_list("pk", "value_stream_id", "side"),
        dtype=object,
    ).reshape(-1, 3)
    response_ids = responses[:, 0].astype(np.int64)
    stream_index = {vs.pk: index for index, vs in enumerate(value_streams)}
    response_value_stream = np.array([stream_index.get(pk, -1) for pk in responses[:, 1]], dtype=np.int64)
    if (response_value_stream < 0).any():
        # A response whose value stream was later removed from the wave: give it its own name
        # rather than silently dropping or misfiling it.
        extra = {
            vs.pk: vs for vs in wave.organization.value_streams.filter(pk__in=set(responses[:, 1]) - set(stream_index))
        }
        for pk in sorted(extra, key=lambda pk: extra[pk].name):
            stream_index[pk] = len(value_streams)
            value_streams.append(extra[pk])
        response_value_stream = np.array([stream_index[pk] for pk in responses[:, 1]], dtype=np.int64)

    answers, not_applicable = _answer_matrix(wave, response_ids, [item.pk for item in items])
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
        response_is_biz=responses[:, 2] == Side.BIZ.value,
        answers=answers,
        not_applicable=not_applicable,
    )


def _answer_matrix(wave, response_ids, item_ids):
    """All answers of the wave as a responses × items matrix, from one query."""
    shape = (len(response_ids), len(item_ids))
    answers = np.full(shape, np.nan)
    not_applicable = np.zeros(shape, dtype=bool)
    if not len(response_ids):
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
    item_column = {item_id: column for column, item_id in enumerate(item_ids)}
    lookup = np.full(max(item_ids) + 1, -1, dtype=np.int64)
    lookup[list(item_column)] = list(item_column.values())
    columns = lookup[triples[:, 1]]
    values = triples[:, 2]
    is_na = values == NA_CODE
    answers[rows[~is_na], columns[~is_na]] = values[~is_na]
    not_applicable[rows[is_na], columns[is_na]] = True
    return answers, not_applicable
