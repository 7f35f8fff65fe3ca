"""The client's address, for login throttling and rate limits: one rule, used by both.

Without a proxy (PROXY_COUNT=0, the default) it is the socket's address, REMOTE_ADDR: headers
are the client's to invent, so X-Forwarded-For is ignored. Behind N trusted proxies it is the
address the outermost of them saw: the N-th entry from the right of X-Forwarded-For (each proxy
appends the address it received the request from; anything further left came from the client).
"""

from django.conf import settings


def client_ip(request):
    proxies = getattr(settings, "PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
