"""A response's answers as one short byte string, kept beside the answer rows.

Reading a wave of 100,000 responses as 2.4 million answer rows costs seconds; reading it as
100,000 byte strings costs a tenth of that, which is what keeps a dashboard page under half a
second. `Response.answer_codes` holds one byte per item of the instrument, in questionnaire
order (`Instrument.ordered_items`), written once in the transaction that writes the answer
rows by every writer (questionnaire, import, demo). Answers are never edited and an instrument
with responses never changes, so the two cannot drift apart. The answer rows stay the record
(a migration that must recode responses reads them); readers read only the codes, which every
response has (the column is required).
"""

import numpy as np

NOT_ANSWERED = 0
NOT_APPLICABLE = 1
FIRST_VALUE = 2  # the lowest scale point; the point v is FIRST_VALUE + (v − scale minimum)
MAX_SCALE_POINTS = 256 - FIRST_VALUE


def encode_rows(values, scale_min, not_answered, not_applicable):
    """One code string per row of an integer matrix (responses × items in questionnaire order).

    `not_answered` and `not_applicable` are the matrix's markers for the two kinds of missing answer.
    """
    values = np.asarray(values, dtype=np.int64)
    codes = values - scale_min + FIRST_VALUE
    codes[values == not_answered] = NOT_ANSWERED
    codes[values == not_applicable] = NOT_APPLICABLE
    if codes.size and (codes.min() < 0 or codes.max() > 255):
        raise ValueError("an answer lies outside the scale the codes can hold")
    codes = np.ascontiguousarray(codes.astype(np.uint8))
    return [row.tobytes() for row in codes]


def encode(values_by_position, item_count, scale_min):
    """The code string of one response; `values_by_position` maps item position to a value or None (NA)."""
    codes = bytearray(item_count)
    for position, value in values_by_position.items():
        codes[position] = NOT_APPLICABLE if value is None else FIRST_VALUE + value - scale_min
    return bytes(codes)


def decode(codes, response_count, item_count, scale_min):
    """(answers, not applicable) matrices from the code strings of `response_count` responses, joined.

    `answers` is float with NaN where there is no value; `not_applicable` is bool.
    """
    if len(codes) != response_count * item_count:
        # Every writer stores one byte per item, and an instrument with responses never changes:
        # codes of another length are a fault to fix, not answers to guess at.
        raise ValueError(
            f"the answer codes of {response_count} responses hold {len(codes)} bytes, not one per item of "
            f"{item_count}: codes of another length than the instrument's items"
        )
    codes = np.frombuffer(codes, dtype=np.uint8).reshape(response_count, item_count)
    answers = np.where(codes >= FIRST_VALUE, codes.astype(np.float64) + (scale_min - FIRST_VALUE), np.nan)
    return answers, codes == NOT_APPLICABLE
