"""The gap per theme over an organization's waves, per value stream and pooled, with the change tests between waves.

Each wave counts with its newest release, like its own pages; a wave without one is not shown,
and neither is a wave whose release shows no gap at all (everything hidden). Within a value
stream (a series), a wave that shows no gap of it is left out of that series. Only waves on one
and the same instrument version are compared: another version may word or group its items
differently, so its scores are not the same measure.

The change of each gap since the wave before (`dashboards.changes.wave_changes`: the previous
wave on the same instrument version with a release, which is the trend's previous wave) comes
with its test, so the page can mark the significant ones and show the last change.
"""

from dataclasses import dataclass, field

from django.db.models import Count

from assessments.report import THEME
from surveys.closing import close_those_due
from surveys.models import InstrumentVersion, Wave
from surveys.releases import newest_release

from .changes import wave_changes
from .wave_data import organization_streams, wave_figures


@dataclass
class Series:
    value_stream: str | None  # None: all value streams
    by_theme: list  # [(theme name, [gap or None per wave of the series])]
    waves: list = field(default_factory=list)  # the trend's waves with a shown gap in this series
    # [(theme name, [gap ChangeRow or None per wave of the series])]: the change since the trend's previous wave
    changes: list = field(default_factory=list)
    last_change: object = None  # dashboards.changes.WaveChanges into the series' last wave, or None
    last_change_rows: list = field(default_factory=list)  # [(code, name, {"biz", "it", "gap": ChangeRow})]

    @property
    def wave_labels(self):
        return [wave_label(wave) for wave in self.waves]


def wave_label(wave):
    return f"{wave.title} ({wave.opens_at:%Y-%m-%d})"


@dataclass
class Trends:
    instruments: list  # instruments with waves in the organization, most waves first
    instrument: object
    waves: list
    series: list
    changes: list = field(default_factory=list)  # dashboards.changes.WaveChanges or None, per wave
    themes: list = field(default_factory=list)  # [{"code", "name", "dimension"}] of the report
    streams: list = field(default_factory=list)  # None (pooled), then the value streams' names
    gaps: list = field(default_factory=list)  # per wave: {(value stream or None, theme code): gap or None}

    @property
    def wave_labels(self):
        return [wave_label(wave) for wave in self.waves]

    @property
    def wave_slugs(self):
        return [wave.slug for wave in self.waves]


def gap_trends(organization, instrument_pk=None):
    close_those_due(Wave.objects.filter(organization=organization))
    reported = Wave.objects.filter(organization=organization, releases__isnull=False).distinct()
    instruments = list(
        InstrumentVersion.objects.filter(waves__in=reported)
        .annotate(wave_count=Count("waves", distinct=True))
        .order_by("-wave_count", "code", "version")
    )
    instrument = next(
        (i for i in instruments if str(i.pk) == str(instrument_pk)), instruments[0] if instruments else None
    )
    if instrument is None:
        return Trends(instruments=[], instrument=None, waves=[], series=[])
    # Ordered as dashboards.changes orders waves, so each wave's previous wave is the one before it here.
    waves = list(reported.filter(instrument=instrument).order_by("opens_at", "pk"))
    releases = [newest_release(wave) for wave in waves]
    reports = [
        wave_figures(wave, organization_streams(wave), release).report
        for wave, release in zip(waves, releases, strict=True)
    ]
    gaps = [
        {(row.value_stream, row.code): row.gap for row in report.comparisons if row.level == THEME}
        for report in reports
    ]
    # A wave whose release shows no gap at all has no figures to draw: left out.
    kept = [w for w, by_key in enumerate(gaps) if any(gap is not None for gap in by_key.values())]
    waves = [waves[w] for w in kept]
    releases = [releases[w] for w in kept]
    reports = [reports[w] for w in kept]
    gaps = [gaps[w] for w in kept]
    changes = [None] + [wave_changes(wave, release) for wave, release in zip(waves[1:], releases[1:], strict=True)]

    stream_names = sorted({name for report in reports for name in report.value_streams})
    themes = reports[0].themes if reports else []
    series = [_series(stream, themes, waves, gaps, changes) for stream in [None, *stream_names]]
    return Trends(
        instruments=instruments,
        instrument=instrument,
        waves=waves,
        series=series,
        changes=changes,
        themes=themes,
        streams=[None, *stream_names],
        gaps=gaps,
    )


def _series(stream, themes, waves, gaps, changes):
    # The waves that show a gap of this value stream (pooled: None); the others are left out of it.
    shown = [
        w for w, by_key in enumerate(gaps) if any(by_key.get((stream, theme["code"])) is not None for theme in themes)
    ]
    by_theme = [(theme["name"], [gaps[w].get((stream, theme["code"])) for w in shown]) for theme in themes]
    change_rows = [
        (theme["name"], [changes[w] and changes[w].gap_change(stream, theme["code"]) for w in shown])
        for theme in themes
    ]
    last = changes[shown[-1]] if shown else None
    last_rows = last.by_theme(stream) if last else []
    return Series(
        value_stream=stream,
        by_theme=by_theme,
        waves=[waves[w] for w in shown],
        changes=change_rows,
        last_change=last if last_rows else None,
        last_change_rows=last_rows,
    )
