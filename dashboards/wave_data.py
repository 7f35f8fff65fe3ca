"""The figures of a wave for the pages: the assessment report and the item counts, cached.

Every number on a page comes from `assessments` (the same code as `manage.py assess`), computed
once per state of the wave. Responses are never edited, and ids only grow, so (count, highest id)
of a wave's responses changes whenever its data does; together with everything else the figures
depend on (threshold, instrument, value streams, language) it keys the cache. A page therefore
costs a few small queries when nothing changed, whatever the size of the wave.
"""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef
from django.utils import translation

from assessments.gather import gather_wave
from assessments.items import item_groups
from assessments.report import build_report
from surveys.models import ValueStream, Wave

CACHE_VERSION = 1  # raise when the cached structure changes
CACHE_SECONDS = 7 * 24 * 3600


@dataclass
class WaveFigures:
    report: object  # assessments.report.Report
    item_groups: list  # assessments.items.ItemGroup

    def item_group(self, item, side, value_stream=None):
        return self._groups_by_key[(item, side, value_stream)]

    def __post_init__(self):
        self._groups_by_key = {(g.item, g.side, g.value_stream): g for g in self.item_groups}


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
    """The report and item counts of `wave`; `value_streams` as from `organization_streams`."""
    key = cache_key(wave, value_streams)
    figures = cache.get(key) if key else None
    if figures is None:
        data = gather_wave(wave)
        figures = WaveFigures(report=build_report(data), item_groups=item_groups(data))
        if key:
            cache.set(key, figures, CACHE_SECONDS)
    return figures
