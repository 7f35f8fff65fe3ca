"""Attack: date releases, or the moments someone looked, by when the dashboards' figures were computed.

The dashboards keep a release's figures in the cache, computed on the first visit after each
release. `make serve` keeps the cache in the database: if each entry's expiry were "computed at
+ 7 days", the table would keep, to the minute, when each release was first looked at (before
releases, when each response came in). The entries there carry the day only.
"""

import datetime
from unittest import mock

from django.db import connection
from django.utils import timezone

from dashboards.wave_data import organization_streams, wave_figures
from surveys.releases import newest_release
from tests.dashboards.conftest import import_wave, wave_rows


def test_figures_kept_in_make_serve_s_cache_carry_the_day_not_the_time_they_were_computed(serve_cache, instrument):
    wave = import_wave(instrument, wave_rows())
    computed_at = datetime.datetime(2026, 6, 3, 14, 3, 12, tzinfo=datetime.UTC)
    with mock.patch("time.time", return_value=computed_at.timestamp()):
        assert wave_figures(wave, organization_streams(wave), newest_release(wave)).report.value_streams

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key, expires FROM {connection.ops.quote_name(serve_cache)}")
        rows = cursor.fetchall()

    assert [key for key, _ in rows if "wave-figures" in key]
    for _, expires in rows:
        expires = expires if isinstance(expires, datetime.datetime) else datetime.datetime.fromisoformat(expires)
        expires = timezone.make_aware(expires, datetime.UTC) if timezone.is_naive(expires) else expires
        assert expires.astimezone(datetime.UTC).time() == datetime.time(0, 0)
        assert expires > computed_at + datetime.timedelta(days=7)  # kept at least as long as asked
