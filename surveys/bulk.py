"""Storing many responses at once (demo data, imports) in one transaction, fast.

Answers go in with `executemany` on plain tuples rather than model instances: 100,000
responses × 24 items are 2.4 million rows, and building a model object per row would cost
more than the inserts themselves.
"""

from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction

from . import answer_codes
from .models import Answer, Response

# Codes in the answer matrix for the two kinds of missing answer.
NOT_ANSWERED = -32768  # no answer row at all
NOT_APPLICABLE = -32767  # an answer row with an empty value

RESPONSE_BATCH = 5_000


@dataclass
class ResponseRows:
    """Column arrays, one entry per response, in the same order as the answer matrix rows."""

    value_stream_ids: np.ndarray
    sides: np.ndarray  # "biz" / "it"
    roles: np.ndarray  # Role values or ""
    tenure_bands: np.ndarray  # TenureBand values or ""
    submitted_on: np.ndarray  # datetime.date objects

    def __len__(self):
        return len(self.value_stream_ids)


def store_responses(wave, rows, item_ids, values, progress=None):
    """Store `rows` with their answers for `wave`; return the number of responses stored.

    `values` is an integer matrix (responses × items, columns in the order of `item_ids`)
    holding scale values, NOT_ANSWERED or NOT_APPLICABLE. All or nothing: one transaction.
    `progress`, if given, is called with the number of responses stored in each batch.
    """
    values = np.asarray(values)
    if values.shape != (len(rows), len(item_ids)):
        raise ValueError(f"answer matrix is {values.shape}, expected {(len(rows), len(item_ids))}")
    item_ids = np.asarray(item_ids, dtype=np.int64)
    code_strings = _answer_code_strings(wave.instrument, item_ids, values)
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), RESPONSE_BATCH):
            stop = min(start + RESPONSE_BATCH, len(rows))
            created = Response.objects.bulk_create(
                Response(
                    wave=wave,
                    value_stream_id=int(rows.value_stream_ids[i]),
                    side=rows.sides[i],
                    role=rows.roles[i],
                    tenure_band=rows.tenure_bands[i],
                    submitted_on=rows.submitted_on[i],
                    answer_codes=code_strings[i],
                )
                for i in range(start, stop)
            )
            response_ids = np.array([response.pk for response in created], dtype=np.int64)
            block = values[start:stop]
            answered = block != NOT_ANSWERED
            response_column = np.broadcast_to(response_ids[:, None], block.shape)[answered]
            item_column = np.broadcast_to(item_ids[None, :], block.shape)[answered]
            value_column = block[answered].astype(object)
            value_column[value_column == NOT_APPLICABLE] = None
            insert_answers(
                cursor, zip(response_column.tolist(), item_column.tolist(), value_column.tolist(), strict=True)
            )
            if progress:
                progress(stop - start)
        refresh_planner_statistics(cursor)
    return len(rows)


def insert_answers(cursor, rows):
    """Insert answer rows, given as (response id, item id, value or None) tuples, with one prepared statement."""
    answer_table = connection.ops.quote_name(Answer._meta.db_table)
    cursor.executemany(f"INSERT INTO {answer_table} (response_id, item_id, value) VALUES (%s, %s, %s)", rows)  # noqa: S608


def _answer_code_strings(instrument, item_ids, values):
    """Each row's answer codes (surveys/answer_codes.py): the columns put in questionnaire order."""
    order = list(instrument.ordered_items().values_list("pk", flat=True))
    position = {pk: index for index, pk in enumerate(order)}
    if not set(item_ids.tolist()) <= set(position):
        raise ValueError("an answer column belongs to an item of another instrument")
    in_order = np.full((len(values), len(order)), NOT_ANSWERED, dtype=np.int64)
    in_order[:, [position[pk] for pk in item_ids.tolist()]] = values
    return answer_codes.encode_rows(in_order, instrument.scale_min, NOT_ANSWERED, NOT_APPLICABLE)


def refresh_planner_statistics(cursor):
    """After a bulk load, let PostgreSQL's planner see the new rows (its manual says to).

    Autovacuum gets there only later, and until then the planner may take a table of thousands
    of answers for an empty one and join it by a nested loop that reads it once per response.
    Run inside the loading transaction, ANALYZE counts the rows this transaction inserted.
    SQLite plans without such statistics and needs nothing.
    """
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Response._meta.db_table)}")
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Answer._meta.db_table)}")
