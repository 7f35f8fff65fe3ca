"""Closed waves built straight from rows, with the role, tenure and missing answers a test needs."""

import csv
import datetime
import io
import json

import numpy as np
import pytest
from django.utils import timezone

from exports.planning import plan_export
from exports.writers import export_chunks
from surveys.bulk import NOT_ANSWERED, NOT_APPLICABLE, ResponseRows, store_responses
from surveys.closing import close_wave
from surveys.models import Organization, ValueStream, Wave
from tests.conftest import make_wave

NA = "NA"  # "not applicable" in a test row
SKIP = None  # not answered
ITEMS = 9  # the small instrument of tests/conftest.py: PCT1-3 (PCT3 reverse-worded), SPS1-4, DH1-2


def record(stream, side, role="", tenure="", answers=None):
    """One response: value stream name, side, role code, tenure band code, nine answers (default all 3)."""
    return (stream, side, role, tenure, list(answers) if answers is not None else [3] * ITEMS)


def build_wave(instrument, records, k=5, slug="export-wave", organization="Export Bank", status=Wave.Status.CLOSED):
    """A wave of `records` (see `record`), closed (and released) unless told otherwise, with threshold `k`."""
    organization, _ = Organization.objects.get_or_create(name=organization)
    names = sorted({r[0] for r in records}) or ["Only stream"]
    streams = {name: ValueStream.objects.get_or_create(organization=organization, name=name)[0] for name in names}
    now = timezone.now()
    wave = make_wave(
        organization,
        instrument,
        list(streams.values()),
        slug=slug,
        status=status,
        anonymity_threshold=k,
        opens_at=now - datetime.timedelta(days=30),
    )
    if records:
        values = np.array(
            [[NOT_APPLICABLE if v == NA else NOT_ANSWERED if v is SKIP else v for v in r[4]] for r in records],
            dtype=np.int64,
        )
        rows = ResponseRows(
            value_stream_ids=np.array([streams[r[0]].pk for r in records]),
            sides=np.array([r[1] for r in records], dtype=object),
            roles=np.array([r[2] for r in records], dtype=object),
            tenure_bands=np.array([r[3] for r in records], dtype=object),
            submitted_on=np.full(len(records), timezone.localdate(), dtype=object),
        )
        item_ids = list(instrument.ordered_items().values_list("pk", flat=True))
        store_responses(wave, rows, item_ids, values)
    if status == Wave.Status.CLOSED:
        close_wave(wave)  # its final release: what an export reads
    return wave


def export_text(wave, fmt="csv", layout="wide", **plan_options):
    plan = plan_export(wave, **plan_options)
    return plan, b"".join(export_chunks(plan, fmt, layout)).decode()


def csv_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def json_document(text):
    return json.loads(text)


@pytest.fixture
def build(instrument):
    """build(records, **options) -> a closed wave on the small instrument."""

    def builder(records, **options):
        return build_wave(instrument, records, **options)

    return builder
