"""The demo: the paper's case organization with an open wave of synthetic answers.

The answers are drawn so that later charts show real patterns: the Biz–IT gap differs by
theme (e.g. IT rates Digital Harmony higher, Biz rates Product-Centric Thinking higher) and
by value stream (one stream is well aligned, another far apart).
"""

import datetime
import secrets
from dataclasses import dataclass

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Membership

from .bulk import NOT_APPLICABLE, ResponseRows, store_responses
from .closing import close_wave
from .instrument_files import load_built_in_instrument
from .models import HeadCount, Organization, Role, Side, TenureBand, ValueStream, Wave
from .releases import release_interim

DEMO_ORGANIZATION = "Demo Bank (value stream case)"
DEMO_WAVE_SLUG = "demo-wave"
# A closed wave half a year earlier, with wider gaps: the "waves over time" page has a trend.
DEMO_EARLIER_WAVE_SLUG = "demo-wave-earlier"
EARLIER_WAVE_RESPONSES = 240
EARLIER_GAP_FACTOR = 1.5
DEMO_USERNAME = "demo"
DEMO_VALUE_STREAMS = [
    "Client and data applications",
    "Client touchpoint applications",
    "Financing applications",
    "Investing and pension applications",
    "Standard service applications",
]
# Biz minus IT, per theme in questionnaire order (PCT, SPS, CCB, ECW, DH, PH) ...
THEME_GAPS = np.array([0.45, -0.35, -0.55, 0.25, -0.7, 0.15])
# ... scaled per value stream: the first is well aligned, the third far apart.
VALUE_STREAM_GAP_SCALE = np.array([0.2, 1.0, 1.8, 0.7, 1.3])
VALUE_STREAM_LEVEL = np.array([0.1, -0.1, -0.3, 0.2, 0.0])
VALUE_STREAM_WEIGHTS = np.array([0.24, 0.22, 0.2, 0.18, 0.16])
NOT_APPLICABLE_RATE = 0.03
ROLES_BY_SIDE = {
    Side.BIZ: [Role.BUSINESS_EXPERT, Role.PRODUCT_OWNER, Role.VALUE_STREAM_LEAD, Role.EXECUTIVE, Role.CHANGE, ""],
    Side.IT: [Role.TEAM_MEMBER, Role.PRODUCT_OWNER, Role.PROJECT_LEAD, Role.VALUE_STREAM_LEAD, Role.EXECUTIVE, ""],
}
ROLE_WEIGHTS = np.array([0.45, 0.2, 0.1, 0.05, 0.05, 0.15])


@dataclass
class DemoResult:
    wave: Wave
    created_responses: int
    username: str
    password: str


def synthetic_answers(rng, n, item_themes, reverse, value_stream_index, is_biz, scale=(1, 5), gap_factor=1.0):
    """An answer matrix (n × items) drawn from the demo's gap pattern; raw, as respondents answer.

    `item_themes` gives each item's theme column (0..5), `reverse` flags reverse-worded items,
    whose raw answer is mirrored so that their reverse-coded value follows the pattern.
    """
    low, high = scale
    middle = (low + high) / 2 + 0.4
    gaps = gap_factor * VALUE_STREAM_GAP_SCALE[value_stream_index][:, None] * THEME_GAPS[None, :]  # n × themes
    side_sign = np.where(is_biz, 0.5, -0.5)[:, None]
    theme_means = middle + VALUE_STREAM_LEVEL[value_stream_index][:, None] + side_sign * gaps
    person = rng.normal(0, 0.45, size=(n, 1)) + rng.normal(0, 0.3, size=(n, len(THEME_GAPS)))
    latent = (theme_means + person)[:, item_themes] + rng.normal(0, 0.6, size=(n, len(item_themes)))
    answers = np.clip(np.rint(latent), low, high).astype(np.int16)
    answers[:, reverse] = (low + high) - answers[:, reverse]
    answers[rng.random(answers.shape) < NOT_APPLICABLE_RATE] = NOT_APPLICABLE
    return answers


def demo_rows(rng, n, value_streams, today):
    """Value stream, side, role, tenure and day for n respondents; every cell gets someone."""
    k = len(value_streams)
    value_stream_index = rng.choice(k, size=n, p=VALUE_STREAM_WEIGHTS[:k] / VALUE_STREAM_WEIGHTS[:k].sum())
    is_biz = rng.random(n) < 0.45
    # The first 2k respondents cover every (value stream, side) so both sides always exist.
    covered = min(n, 2 * k)
    value_stream_index[:covered] = np.arange(covered) % k
    is_biz[:covered] = np.arange(covered) < k
    roles = np.where(
        is_biz,
        np.array(ROLES_BY_SIDE[Side.BIZ], dtype=object)[rng.choice(6, size=n, p=ROLE_WEIGHTS)],
        np.array(ROLES_BY_SIDE[Side.IT], dtype=object)[rng.choice(6, size=n, p=ROLE_WEIGHTS)],
    )
    tenure = np.array([""] + TenureBand.values, dtype=object)[rng.choice(6, size=n, p=[0.1, 0.1, 0.25, 0.2, 0.2, 0.15])]
    days = np.array([today - datetime.timedelta(days=d) for d in range(14)], dtype=object)
    rows = ResponseRows(
        value_stream_ids=np.array([value_streams[i].pk for i in value_stream_index]),
        sides=np.where(is_biz, Side.BIZ.value, Side.IT.value).astype(object),
        roles=roles,
        tenure_bands=tenure,
        submitted_on=days[rng.integers(0, 14, size=n)],
    )
    return rows, value_stream_index, is_biz


def ensure_demo_login(organization):
    """The demo account, change manager and researcher of the demo organization, with a fresh
    random password that the caller prints. Not an administrator: the demo shows what a change
    manager sees."""
    password = secrets.token_urlsafe(12)
    user, _ = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
    user.is_staff = False
    user.is_superuser = False
    user.set_password(password)
    user.save()
    for role in (Membership.Role.CHANGE_MANAGER, Membership.Role.RESEARCHER):
        Membership.objects.get_or_create(user=user, organization=organization, role=role)
    return DEMO_USERNAME, password


def seed_demo(responses=300, once=False, seed=2024, progress=None):
    """Create (or top up) the demo organization and wave with `responses` synthetic answers.

    The demo wave shows interim results, and each run releases what it added (a group's new
    responses once there are at least k of them). The first run also creates an earlier, closed
    wave with wider gaps, and its final release. With `once`, a demo wave that already has
    responses is left as it is.
    """
    instrument = load_built_in_instrument().instrument
    now = timezone.now()
    with transaction.atomic():
        organization, _ = Organization.objects.get_or_create(name=DEMO_ORGANIZATION)
        value_streams = [
            ValueStream.objects.get_or_create(organization=organization, name=name)[0] for name in DEMO_VALUE_STREAMS
        ]
        wave, created = Wave.objects.get_or_create(
            slug=DEMO_WAVE_SLUG,
            defaults={
                "title": "How Biz and IT work together — demo wave",
                "organization": organization,
                "instrument": instrument,
                "status": Wave.Status.OPEN,
                "opens_at": now - datetime.timedelta(days=14),
                # The demo shows its open wave's figures: interim results, released as it is seeded.
                "interim_results": True,
            },
        )
        wave.value_streams.add(*value_streams)
        if not wave.interim_results:  # a demo database from before interim results existed
            Wave.objects.filter(pk=wave.pk).update(interim_results=True)
            wave.interim_results = True
        earlier, earlier_created = Wave.objects.get_or_create(
            slug=DEMO_EARLIER_WAVE_SLUG,
            defaults={
                "title": "How Biz and IT work together — spring",
                "organization": organization,
                "instrument": instrument,
                "status": Wave.Status.CLOSED,
                "opens_at": now - datetime.timedelta(days=200),
                "closes_at": now - datetime.timedelta(days=180),
            },
        )
        earlier.value_streams.add(*value_streams)
    username, password = ensure_demo_login(organization)
    if earlier_created:
        _add_responses(
            earlier,
            instrument,
            value_streams,
            EARLIER_WAVE_RESPONSES,
            np.random.default_rng(seed - 1),
            (now - datetime.timedelta(days=185)).date(),
            gap_factor=EARLIER_GAP_FACTOR,
        )
        close_wave(earlier)  # its final release
    if once and wave.responses.exists():
        release_interim(wave)
        return DemoResult(wave, 0, username, password)
    rng = np.random.default_rng(seed + wave.responses.count())
    # The wave's own instrument: a demo wave made before the built-in instrument got a new
    # version keeps answering the items of the version it was made with.
    stored = _add_responses(
        wave, wave.instrument, value_streams, responses, rng, timezone.localdate(), progress=progress
    )
    _set_head_counts(wave, value_streams)
    release_interim(wave)
    return DemoResult(wave, stored, username, password)


def _add_responses(wave, instrument, value_streams, n, rng, last_day, gap_factor=1.0, progress=None):
    items = list(instrument.ordered_items())
    theme_codes = list(dict.fromkeys(item.theme.code for item in items))
    item_themes = np.array([theme_codes.index(item.theme.code) for item in items])
    reverse = np.array([item.reverse for item in items])
    rows, value_stream_index, is_biz = demo_rows(rng, n, value_streams, last_day)
    answers = synthetic_answers(
        rng,
        n,
        item_themes,
        reverse,
        value_stream_index,
        is_biz,
        (instrument.scale_min, instrument.scale_max),
        gap_factor=gap_factor,
    )
    return store_responses(wave, rows, [item.pk for item in items], answers, progress=progress)


def _set_head_counts(wave, value_streams):
    """Head counts a little above the responses, so the overview shows response rates below 100%."""
    counts = {
        (stream, side): n
        for stream, side, n in wave.responses.values_list("value_stream", "side").annotate(n=Count("id")).order_by()
    }
    for vs in value_streams:
        expected = {side: max(5, round(counts.get((vs.pk, side), 0) * 1.35)) for side in (Side.BIZ, Side.IT)}
        HeadCount.objects.update_or_create(
            wave=wave, value_stream=vs, defaults={"biz": expected[Side.BIZ], "it": expected[Side.IT]}
        )
