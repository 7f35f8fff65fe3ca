"""Change since the previous wave for the pages: the wave before on the same instrument version, compared, cached.

The previous wave is the organization's newest wave that opened before this one, on the same
instrument version, and has a release; it counts with its newest release, as on its own pages.
Both releases never change, so they key the cache (with everything else the figures depend on,
as in `wave_data.cache_key`); the statistics are `assessments.change.compare_waves`.
"""

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q

from assessments.change import GAP, compare_waves
from assessments.gather import gather_wave
from surveys.closing import close_those_due
from surveys.models import Wave
from surveys.releases import newest_release

from .wave_data import CACHE_SECONDS, cache_key, organization_streams

CACHE_VERSION = 1  # raise when ChangeRow changes


@dataclass
class WaveChanges:
    wave: Wave
    release: object  # the surveys.models.Release of `wave` compared
    previous_wave: Wave
    previous_release: object  # the previous wave's newest release
    rows: list  # assessments.change.ChangeRow

    def for_stream(self, value_stream_name):
        """The rows of one value stream (None: the pooled rows), theme by theme: Biz, IT, gap."""
        return [row for row in self.rows if row.value_stream == value_stream_name]

    def gap_change(self, value_stream_name, theme_code):
        """The change of one theme's gap in one value stream (None: pooled); None if the stream is not in both waves."""
        return next(
            (
                row
                for row in self.rows
                if row.value_stream == value_stream_name and row.code == theme_code and row.kind == GAP
            ),
            None,
        )

    def by_theme(self, value_stream_name):
        """[(theme code, theme name, {"biz": row, "it": row, "gap": row})] of one value stream, for tables."""
        themes = {}
        for row in self.for_stream(value_stream_name):
            themes.setdefault((row.code, row.name), {})[row.kind] = row
        return [(code, name, kinds) for (code, name), kinds in themes.items()]


def previous_wave(wave):
    """The newest wave of the organization before `wave` (by opening time) on the same instrument version
    with a release, or None. Waves past their closing time are closed first, so their final release counts."""
    candidates = Wave.objects.filter(organization_id=wave.organization_id, instrument_id=wave.instrument_id).filter(
        Q(opens_at__lt=wave.opens_at) | Q(opens_at=wave.opens_at, pk__lt=wave.pk)
    )
    close_those_due(candidates)
    return candidates.filter(releases__isnull=False).distinct().order_by("-opens_at", "-pk").first()


def wave_changes(wave, release):
    """The change from the previous wave to `release` of `wave`; None when there is no previous wave with a release."""
    if release is None:
        return None
    before = previous_wave(wave)
    if before is None:
        return None
    before_release = newest_release(before)
    streams = organization_streams(wave)  # the same organization: the same value streams
    keys = f"{cache_key(before, streams, before_release)}|{cache_key(wave, streams, release)}"
    key = f"wave-changes:v{CACHE_VERSION}:{hashlib.sha256(keys.encode()).hexdigest()}"
    rows = cache.get(key)
    if rows is None:
        rows = compare_waves(gather_wave(before, before_release), gather_wave(wave, release))
        cache.set(key, rows, CACHE_SECONDS)
    return WaveChanges(wave, release, before, before_release, rows)
