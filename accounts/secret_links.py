"""Secret links: pages that a token in the URL opens instead of a login, for both kinds there are.

A personal invitation (`/i/<token>/`, surveys) and an information radiator's wall screen
(`/radiator/<token>/`, dashboards) follow the same rules, kept here once:

1. A token has 256 random bits (``new_token``): guessing cannot succeed.
2. Only its SHA-256 hash is stored (``hash_token``): a leaked database opens no page. The token
   itself exists only in the link handed out, shown once when it is made.
3. A page behind a token (``@private_page``) never passes the URL on as a referrer, and stays out
   of caches and search engines.
4. Lookups that find nothing are rate-limited per client address (``RateLimit``), and only they:
   the limit is checked after the lookup, so a valid link is never refused.

A response that carries new tokens (the page showing a new radiator link, the CSV of new
personal links) is their only copy: ``shown_once`` keeps it out of caches.

Who may see what is this app's job; a secret link is access without an account, so it lives here,
where `surveys` and `dashboards` can both use it.
"""

import hashlib
import secrets
import time
from dataclasses import dataclass
from functools import wraps

from django.core.cache import cache
from django.shortcuts import render
from django.utils.crypto import salted_hmac

from .client_ip import client_ip


def new_token():
    """A new secret token: 256 random bits, 43 URL-safe characters."""
    return secrets.token_urlsafe(32)


def hash_token(token):
    """The stored form of a token: a leaked database opens no page."""
    return hashlib.sha256(token.encode()).hexdigest()


def keep_private(response):
    """The token is in the URL: never pass it on as a referrer, keep it out of caches and search engines."""
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def private_page(view):
    """A view whose URL holds a token: whatever it answers (the page, a 404 page, a refusal) is kept private."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return keep_private(view(request, *args, **kwargs))

    return wrapper


def shown_once(response):
    """A response holding new tokens, their only copy: kept out of every cache."""
    response["Cache-Control"] = "no-store"
    return response


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` failed lookups per client address in each window of `window_seconds`.

    Counts per client address (accounts.client_ip: REMOTE_ADDR, or what trusted proxies saw) in
    Django's cache, in fixed windows. With the default per-process cache each server process
    counts for itself; a shared cache (`make serve`'s table in the database, docs/administrators.md "Cache")
    makes the limit hold across processes. Two processes counting the same address at the same
    moment may lose one of the two counts (the database cache reads, then writes): the limit can
    let a few more through, never refuse a valid link.
    """

    scope: str
    limit: int
    window_seconds: int = 60

    def _key(self, request):
        window = int(time.time() // self.window_seconds)
        # A keyed hash, not the address: a shared cache may be a table in the database, which
        # must not keep who opened a wrong link (a mistyped personal link, perhaps) and when.
        address = salted_hmac("accounts.secret_links", client_ip(request)).hexdigest()[:32]
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

    def failed_lookup(self, request):
        """Call when a token found nothing: the refusal if this address has used up its attempts, else None
        (and this attempt is counted). Never call it before the lookup: a valid link must always open,
        even from an address (an office behind one NAT address) where someone else used up the attempts.
        """
        if self.exceeded(request):
            return self.refusal(request)
        self.count(request)
        return None


# Guessing cannot succeed; the limit keeps trying from filling logs and the database. After a
# mass mailing many colleagues behind one office address open their valid links in the same
# minute, perhaps beside someone guessing: only failed lookups count, and only they are refused.
INVITATION_LOOKUPS = RateLimit("invitation-token", limit=20, window_seconds=60)
RADIATOR_LOOKUPS = RateLimit("radiator-token", limit=20, window_seconds=60)
