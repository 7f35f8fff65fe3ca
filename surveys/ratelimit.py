"""A small rate limiter for pages that take a secret token in the URL.

Counts per client address (accounts.client_ip: REMOTE_ADDR, or what trusted proxies saw) in
Django's cache, in fixed windows. With the default per-process cache each server process counts
for itself; a shared cache (`make serve`'s table in the database, README "Settings") makes the
limit hold across processes. Two processes counting the same address at the same moment may
lose one of the two counts (the database cache reads, then writes): the limit can let a few more
through, never refuse a valid link.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.shortcuts import render
from django.utils.crypto import salted_hmac

from accounts.client_ip import client_ip


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` counted events per client address in each window of `window_seconds`."""

    scope: str
    limit: int
    window_seconds: int = 60

    def _key(self, request):
        window = int(time.time() // self.window_seconds)
        # A keyed hash, not the address: a shared cache may be a table in the database, which
        # must not keep who opened a wrong link (a mistyped personal link, perhaps) and when.
        address = salted_hmac("surveys.ratelimit", client_ip(request)).hexdigest()[:32]
        return f"ratelimit:{self.scope}:{address}:{window}"

    def exceeded(self, request):
        return (cache.get(self._key(request)) or 0) >= self.limit

    def count(self, request):
        key = self._key(request)
        cache.add(key, 0, timeout=self.window_seconds)
        try:
            cache.incr(key)
        except ValueError:  # the window's entry expired between add and incr
            cache.set(key, 1, timeout=self.window_seconds)

    def refusal(self, request):
        """The 429 page, with the seconds until the window ends in Retry-After."""
        wait = self.window_seconds - int(time.time()) % self.window_seconds
        response = render(request, "surveys/too_many_requests.html", {"wait": wait}, status=429)
        response["Retry-After"] = str(wait)
        return response


# Tokens have 256 random bits, so guessing cannot succeed; the limit keeps trying from filling
# logs and the database. Only lookups of unknown or revoked tokens count, and only they are
# refused (the views check after the lookup): after a mass mailing many colleagues behind one
# office address open their valid links in the same minute, perhaps beside someone guessing.
INVITATION_LOOKUPS = RateLimit("invitation-token", limit=20, window_seconds=60)
# The same for the information radiator's secret links (dashboards), which open without a login.
RADIATOR_LOOKUPS = RateLimit("radiator-token", limit=20, window_seconds=60)
