"""A wave built for the dashboards: three value streams, one of them with too few IT answers.

Stream "Tiny" has two IT respondents (k = 5), so its IT cells are suppressed, and the rules
suppress one more IT cell (Alpha's, the smaller shown one) to stop differencing.
"""

import pytest

from surveys.response_import import import_responses

HEADER = "value_stream,side,PCT1,PCT2,PCT3,SPS1,SPS2,SPS3,SPS4,DH1,DH2"
ORGANIZATION = "Dashboard Bank"


def row(stream, side, pct=(4, 3, 3), sps=(3, 4, 3, 4), dh=(4, 3)):
    return ",".join([stream, side, *map(str, pct), *map(str, sps), *map(str, dh)])


def wave_rows(small_it=2, per_cell=6):
    rows = []
    for i in range(per_cell):
        rows.append(row("Alpha", "biz", pct=(5, 4, 2 + i % 2), dh=(3, 3 + i % 2)))
        rows.append(row("Alpha", "it", pct=(3, 3, 3 + i % 2), dh=(4, 4 + i % 2)))
        rows.append(row("Beta", "biz", pct=(4, 4, 2), dh=(3, 4)))
        rows.append(row("Beta", "it", pct=(3, 4, 3), dh=(4, 5 - i % 2)))
        rows.append(row("Tiny", "biz", pct=(4, 3 + i % 2, 3), dh=(3, 4)))
    rows.append(row("Beta", "it", pct=(3, 3, 3), dh=(5, 4)))  # Beta IT: 7, the larger shown IT cell
    for i in range(small_it):
        rows.append(row("Tiny", "it", pct=(1, 1, 5), sps=(5, 1, 1, 1), dh=(1, 1 + i % 2)))
    return rows


def import_wave(instrument, rows, slug="dash-wave", threshold=5, organization=ORGANIZATION):
    text = "\n".join([HEADER, *rows]) + "\n"
    return import_responses(
        text, survey=slug, instrument=instrument, organization_name=organization, threshold=threshold
    ).wave


@pytest.fixture
def dash_wave(instrument):
    return import_wave(instrument, wave_rows())


def import_previous_wave(instrument, rows, slug="dash-wave-before", days_before=90, threshold=5):
    """A wave of the dashboard organization that opened `days_before` days before every other
    wave of it, on the same instrument, closed and released: "the previous wave" of the others."""
    import datetime

    from django.db.models import Min

    from surveys.models import Wave

    earliest = Wave.objects.filter(organization__name=ORGANIZATION).aggregate(Min("opens_at"))["opens_at__min"]
    wave = import_wave(instrument, rows, slug=slug, threshold=threshold)
    Wave.objects.filter(pk=wave.pk).update(
        opens_at=(earliest or wave.opens_at) - datetime.timedelta(days=days_before), title="Spring survey"
    )
    wave.refresh_from_db()
    return wave
