"""The figures of a wave for the pages: the assessment report and the item counts, cached.

Every number on a page comes from `assessments` (the same code as `manage.py assess`), computed
once per state of the wave. Responses are never edited, and ids only grow, so (count, highest id)
of a wave's responses changes whenever its data does; together with everything else the figures
depend on (threshold, instrument, value streams, language) it keys the cache. A page therefore
costs a few small queries when nothing changed, whatever the size of the wave.
"""

import hashlib
from functools import cached_property

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef
from django.utils import translation

from assessments.gather import gather_wave
from assessments.items import item_groups
from assessments.report import build_report
from surveys.models import ValueStream, Wave

CACHE_VERSION = 2  # raise when the cached structure changes
CACHE_SECONDS = 7 * 24 * 3600


class WaveFigures:
    """The report and the item counts of a wave, each computed on first use and cached apart.

    Most pages need the report only; the item counts cost another tenth of a second on a large
    wave, so only the items pages pay for them. Both come from one reading of the wave.
    """

    def __init__(self, wave, value_streams):
        """`value_streams` as from `organization_streams`."""
        self.wave = wave
        self._key = cache_key(wave, value_streams)
        self._data = None

    def _cached(self, part, compute):
        key = f"{self._key}:{part}" if self._key else None
        value = cache.get(key) if key else None
        if value is None:
            value = compute(self._gathered())
            if key:
                cache.set(key, value, CACHE_SECONDS)
        return value

    def _gathered(self):
        if self._data is None:
            self._data = gather_wave(self.wave)
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


def cache_key(wave, value_streams):
    state = wave.responses.aggregate(n=Count("id"), last=Max("id"))
    if not state["n"]:
        return None  # an empty wave is cheap to compute, and its instrument may still be replaced
    streams = hashlib.sha256(",".join(f"{vs.pk}:{vs.name}" for vs in value_streams).encode()).hexdigest()[:16]
    return (
        f"wave-figures:v{CACHE_VERSION}:{wave.pk}:{wave.instrument_id}:{wave.anonymity_threshold}:"
        f"{state['n']}:{state['last']}:{translation.get_language()}:{streams}"
    )


def wave_figures(wave, value_streams):
    """The figures of `wave` (computed lazily); `value_streams` as from `organization_streams`."""
    return WaveFigures(wave, value_streams)
