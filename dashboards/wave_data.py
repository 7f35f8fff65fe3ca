"""The figures of a wave's newest release for the pages: the report, the item counts and drivers, cached.

Every number on a page comes from `assessments` (the same code as `manage.py assess`), read from
a release (surveys/releases.py), never from the live responses. A release never changes, so it
keys the cache together with everything else the figures depend on (threshold, instrument
revision, value streams, language): a page costs a few small queries, whatever the size of the
wave, and a new response changes nothing until the next release.
"""

import hashlib
from functools import cached_property

from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.utils import translation

from assessments.drivers import item_drivers
from assessments.gather import gather_wave
from assessments.items import item_groups
from assessments.report import build_report
from surveys.models import ValueStream, Wave

CACHE_VERSION = 4  # raise when the cached structure changes
CACHE_SECONDS = 7 * 24 * 3600


class WaveFigures:
    """The report, the item counts and the item drivers of a release, each computed on first use and cached apart.

    Most pages need the report only; the item counts and the drivers cost a few tenths of a second
    each on a large wave (about 0.3 and 0.5 s at 100,000 responses × 24 items), so only the items
    pages pay for them. All come from one reading of the release.
    """

    def __init__(self, wave, value_streams, release):
        """`value_streams` as from `organization_streams`; `release` a surveys.models.Release of the wave."""
        self.wave = wave
        self.release = release
        self._key = cache_key(wave, value_streams, release)
        self._data = None

    def _cached(self, part, compute):
        key = f"{self._key}:{part}"
        value = cache.get(key)
        if value is None:
            value = compute(self._gathered())
            cache.set(key, value, CACHE_SECONDS)
        return value

    def _gathered(self):
        if self._data is None:
            self._data = gather_wave(self.wave, self.release)
        return self._data

    @cached_property
    def report(self):
        return self._cached("report", build_report)

    @cached_property
    def _item_groups(self):
        groups = self._cached("items", item_groups)
        return {(g.item, g.side, g.value_stream): g for g in groups}

    def item_group(self, item, side, value_stream=None):
        return self._item_groups[(item, side, value_stream)]

    @cached_property
    def _item_drivers(self):
        return {(d.item, d.value_stream): d for d in self._cached("drivers", item_drivers)}

    def item_driver(self, item, value_stream=None):
        """Biz against IT on one item (`assessments.drivers.ItemDriver`) in a value stream (None: pooled)."""
        return self._item_drivers[(item, value_stream)]


def organization_streams(wave):
    """The value streams of the wave's organization by name, each marked `in_wave` (one query).

    All of them, not only the wave's: a response keeps its value stream even if that stream is
    later taken out of the wave, and the report still shows it.
    """
    in_wave = Wave.value_streams.through.objects.filter(wave=wave, valuestream=OuterRef("pk"))
    return list(
        ValueStream.objects.filter(organization_id=wave.organization_id)
        .annotate(in_wave=Exists(in_wave))
        .order_by("name")
    )


def cache_key(wave, value_streams, release):
    streams = hashlib.sha256(",".join(f"{vs.pk}:{vs.name}" for vs in value_streams).encode()).hexdigest()[:16]
    return (
        f"wave-figures:v{CACHE_VERSION}:{wave.pk}:{release.pk}:{wave.instrument_id}:{wave.instrument.revision}:"
        f"{wave.anonymity_threshold}:{translation.get_language()}:{streams}"
    )


def wave_figures(wave, value_streams, release):
    """The figures of `release` of `wave` (computed lazily); `value_streams` as from `organization_streams`."""
    return WaveFigures(wave, value_streams, release)
