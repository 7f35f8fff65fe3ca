"""Shared fixtures: a small instrument, an open wave over two value streams, a database connection per thread."""

import datetime
import os
import sqlite3
import tempfile

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.utils import timezone

from surveys.instrument_files import load_instrument
from surveys.models import HeadCount, Organization, ValueStream, Wave


def small_instrument_document(code="test-oa", version="1.0"):
    """Two dimensions, three themes (3, 4 and 2 items), one reverse-worded item, 1–5 scale."""
    return {
        "code": code,
        "version": version,
        "title": {"en": "Test instrument", "de": "Testinstrument"},
        "scale": {
            "min": 1,
            "max": 5,
            "not_applicable": True,
            "labels": {
                "1": {"en": "Strongly disagree", "de": "Stimme überhaupt nicht zu"},
                "2": {"en": "Disagree", "de": "Stimme eher nicht zu"},
                "3": {"en": "Neutral", "de": "Teils/teils"},
                "4": {"en": "Agree", "de": "Stimme eher zu"},
                "5": {"en": "Strongly agree", "de": "Stimme voll und ganz zu"},
            },
        },
        "dimensions": [
            {
                "code": "SV",
                "name": {"en": "Seek Value", "de": "Wert anstreben"},
                "category": "skills",
                "themes": [
                    {
                        "code": "PCT",
                        "name": "Product-Centric Thinking",
                        "items": [
                            {
                                "code": "PCT1",
                                "text": {
                                    "en": "We work in stable product teams.",
                                    "de": "Wir arbeiten in stabilen Produktteams.",
                                },
                            },
                            {
                                "code": "PCT2",
                                "text": {
                                    "en": "We know who our customer is.",
                                    "de": "Wir wissen, wer unser Kunde ist.",
                                },
                            },
                            {
                                "code": "PCT3",
                                "text": {
                                    "en": "IT is left out of idea generation.",
                                    "de": "Die IT wird bei Ideen aussen vor gelassen.",
                                },
                                "reverse": True,
                            },
                        ],
                    },
                    {
                        "code": "SPS",
                        "name": "Structured Priority Staging",
                        "items": [{"code": f"SPS{i}", "text": f"Priority statement {i}."} for i in range(1, 5)],
                    },
                ],
            },
            {
                "code": "EP",
                "name": "Enable Proximity",
                "category": "infrastructure",
                "themes": [
                    {
                        "code": "DH",
                        "name": "Digital Harmony",
                        "items": [{"code": f"DH{i}", "text": f"Tool statement {i}."} for i in range(1, 3)],
                    }
                ],
            },
        ],
    }


@pytest.fixture(autouse=True)
def fresh_cache():
    """Every test starts with an empty cache: one test's figures or failed link lookups (the rate
    limit counts in the cache) must not carry over into another test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def instrument(db):
    return load_instrument(small_instrument_document()).instrument


@pytest.fixture
def organization(db):
    return Organization.objects.create(name="Test Bank")


@pytest.fixture
def value_streams(organization):
    return [
        ValueStream.objects.create(organization=organization, name="Financing applications"),
        ValueStream.objects.create(organization=organization, name="Investing applications"),
    ]


def give_head_counts(wave, people=50):
    """A head count of `people` per side for each value stream of `wave` that has none: links need one."""
    have = set(wave.head_counts.values_list("value_stream", flat=True))
    HeadCount.objects.bulk_create(
        HeadCount(wave=wave, value_stream=stream, biz=people, it=people)
        for stream in wave.value_streams.exclude(pk__in=have)
    )


def make_wave(organization, instrument, value_streams, slug="test-wave", head_count=None, **fields):
    """A wave (open since yesterday unless `status` or `opens_at` say otherwise), with `head_count`
    people per value stream and side if given."""
    wave = Wave.objects.create(
        slug=slug,
        title=fields.pop("title", "Test wave"),
        organization=organization,
        instrument=instrument,
        status=fields.pop("status", Wave.Status.OPEN),
        opens_at=fields.pop("opens_at", timezone.now() - datetime.timedelta(days=1)),
        **fields,
    )
    wave.value_streams.set(value_streams)
    if head_count is not None:
        give_head_counts(wave, head_count)
    return wave


@pytest.fixture
def wave(organization, instrument, value_streams):
    return make_wave(organization, instrument, value_streams)


@pytest.fixture
def manager_client(client, organization):
    """The test client, logged in as a change manager of the organization (that of `wave` too)."""
    from django.contrib.auth import get_user_model

    from accounts.models import Membership

    user = get_user_model().objects.create_user("manager")
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.CHANGE_MANAGER)
    client.force_login(user)
    return client


def unanswered_response(wave, value_stream, side="biz", submitted_on=None):
    """A response that answered no item, stored as the questionnaire stores one: with its answer codes."""
    from surveys import answer_codes
    from surveys.models import Response

    return Response.objects.create(
        wave=wave,
        value_stream=value_stream,
        side=side,
        submitted_on=submitted_on or timezone.localdate(),
        answer_codes=answer_codes.encode({}, wave.instrument.items.count(), wave.instrument.scale_min),
    )


def gather_newest(wave):
    """The arrays of the wave's newest release: what its pages and `assess` read."""
    from assessments.gather import gather_wave
    from surveys.releases import newest_release

    return gather_wave(wave, newest_release(wave))


def newest_report(wave):
    """The report of the wave's newest release."""
    from assessments.report import build_report

    return build_report(gather_newest(wave))


def release_now(wave):
    """Release what the wave holds now and return its newest release: its final one if it is closed,
    else an interim one (the first takes every response; a later one, groups with k new)."""
    from surveys.closing import close_wave
    from surveys.releases import newest_release, release_interim

    if wave.status == Wave.Status.CLOSED:
        close_wave(wave)
    else:
        Wave.objects.filter(pk=wave.pk).update(interim_results=True)
        wave.interim_results = True
        release_interim(wave)
    return newest_release(wave)


def gather_released(wave):
    """`release_now`, then the arrays of that release."""
    from assessments.gather import gather_wave

    return gather_wave(wave, release_now(wave))


def wave_waiting_for_results(organization, instrument, value_streams, slug="waiting-wave"):
    """An open wave with interim results chosen and two responses, nothing released yet: its pages
    of figures say so, and its overview offers to release them."""
    import datetime as _datetime

    from surveys.models import Side

    wave = make_wave(organization, instrument, value_streams, slug=slug, title="Waiting wave", interim_results=True)
    for side in (Side.BIZ, Side.IT):
        unanswered_response(wave, value_streams[0], side, submitted_on=_datetime.date.today())
    return wave


@pytest.fixture
def connection_per_thread(transactional_db):
    """A function that a worker thread calls first, to get its own connection to the test database.

    PostgreSQL gives every thread its own connection already. Django's in-memory SQLite test
    database cannot: its threads would share one connection, or, with their own, fail with
    "table is locked" instead of waiting. So there the database is copied to a file, which this
    thread and each worker open with the project's options (WAL, IMMEDIATE transactions, a
    20-second busy timeout), as the real server does.
    """
    if not (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        yield lambda: None
        return
    memory = connections["default"]
    with tempfile.TemporaryDirectory() as directory:
        settings_dict = {**memory.settings_dict, "NAME": os.path.join(directory, "race.sqlite3")}
        memory.ensure_connection()
        copy = sqlite3.connect(settings_dict["NAME"])
        memory.connection.backup(copy)
        copy.close()

        def connect():
            connections["default"] = memory.__class__(settings_dict, "default")

        connect()
        try:
            yield connect
        finally:
            connections["default"].close()
            connections["default"] = memory


class BrokenMailServer:
    """A mail connection that accepts `accepted` messages and then fails, as a real server can."""

    def __init__(self, accepted):
        self.accepted, self.outbox = accepted, []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        if len(self.outbox) >= self.accepted:
            raise ConnectionRefusedError("mail server gone")
        self.outbox.extend(messages)
        return len(messages)


def migrate_to(targets=None):
    """Migrate the test database to `targets` (the newest state when None); return the historical
    models there. For the tests of migrations, which must bring the database back afterwards."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps
