"""The gap per theme over an organization's waves, per value stream and pooled.

Each wave counts with its newest release, like its own pages; a wave without one is not shown.
Only waves on one and the same instrument version are compared: another version may word or
group its items differently, so its scores are not the same measure.
"""

from dataclasses import dataclass

from django.db.models import Count

from assessments.report import THEME
from surveys.closing import close_those_due
from surveys.models import InstrumentVersion, Wave
from surveys.releases import newest_release

from .wave_data import organization_streams, wave_figures


@dataclass
class Series:
    value_stream: str | None  # None: all value streams
    by_theme: list  # [(theme name, [gap or None per wave])]


@dataclass
class Trends:
    instruments: list  # instruments with waves in the organization, most waves first
    instrument: object
    waves: list
    series: list

    @property
    def wave_labels(self):
        return [f"{wave.title} ({wave.opens_at:%Y-%m-%d})" for wave in self.waves]

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
    waves = list(reported.filter(instrument=instrument).order_by("opens_at"))
    reports = [wave_figures(wave, organization_streams(wave), newest_release(wave)).report for wave in waves]

    stream_names = sorted({name for report in reports for name in report.value_streams})
    themes = reports[0].themes if reports else []
    rows = [
        {(row.value_stream, row.code): row.gap for row in report.comparisons if row.level == THEME}
        for report in reports
    ]
    series = [
        Series(
            value_stream=stream,
            by_theme=[(theme["name"], [by_key.get((stream, theme["code"])) for by_key in rows]) for theme in themes],
        )
        for stream in [None, *stream_names]
    ]
    return Trends(instruments=instruments, instrument=instrument, waves=waves, series=series)
