"""The shared cache of `make serve`: Django's DatabaseCache, with every entry's expiry on a day boundary.

The cache keeps the dashboards' figures of each state of a wave (its number of responses and
newest id are in the key), computed afresh soon after each new response. DatabaseCache stores
"written at + timeout" as each row's expiry, so its table would date every response to the
minute; rounding the expiry up to the next midnight (UTC, as the column is) leaves the day only.
An entry lives up to a day longer than asked, which nothing relies on: the rate limit's counts
are keyed by their window, and the figures by the wave's state.
"""

import math

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache

DAY_SECONDS = 24 * 3600


class DayExpiryDatabaseCache(DatabaseCache):
    def get_backend_timeout(self, timeout=DEFAULT_TIMEOUT):
        expiry = super().get_backend_timeout(timeout)  # a Unix time, or None for "never"
        if expiry is None:
            return None
        return math.ceil(expiry / DAY_SECONDS) * DAY_SECONDS
