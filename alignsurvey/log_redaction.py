"""What the request logs may say: one set of rules for Django's loggers and gunicorn's access log.

1. A respondent's request — the questionnaire under /s/, a personal link under /i/ — leaves no
   access line at all, and neither does what its pages load (a Referer on those paths). Removing
   the address would not be enough: whatever collects the log time-stamps each line, and
   "POST /s/<wave>/review/ at 14:03:12" is a submission time.
2. A secret token in a path (/i/<token>/, /radiator/<token>/) is written as "…", also when the
   client percent-encoded the path (Django routes /%69/<token>/ to /i/<token>/).
3. A server error is still logged, tokens replaced, without the request object (its address and
   headers) for respondents' and token paths: someone must be able to fix it.
"""

import logging
import re
from urllib.parse import unquote, urlsplit

REDACTED = "…"
RESPONDENT_PREFIXES = ("/s/", "/i/")
TOKEN_PREFIXES = ("/i/", "/radiator/")


def _as_sent(literal):
    """A pattern for `literal` as a client may send it: each character plain or percent-encoded."""
    return "".join(f"(?:{re.escape(character)}|%{ord(character):02x})" for character in literal)


_TOKEN_IN_TEXT = re.compile(
    rf"({_as_sent('/')}(?:{_as_sent('i')}|{_as_sent('radiator')}){_as_sent('/')})[^/\s?#\"'<>]+", re.IGNORECASE
)


def routed_path(target):
    """The path Django routes for a request target or a URL ("/%69/t/?a=1", "https://host/s/w/")."""
    return unquote(urlsplit(target).path)


def is_respondent_path(path):
    return path.startswith(RESPONDENT_PREFIXES)


def is_respondent_request(path, referer=""):
    """A respondent page, or what one loads or posts (its Referer): a style sheet, the language choice."""
    return is_respondent_path(path) or is_respondent_path(routed_path(referer))


def has_token(path):
    return path.startswith(TOKEN_PREFIXES)


def without_tokens(text):
    """`text` with the token of every /i/… and /radiator/… path replaced by "…"."""
    return _TOKEN_IN_TEXT.sub(rf"\g<1>{REDACTED}", text)


def _record_request(record):
    """(routed path, Referer) of the request a record of django.request or django.server is about, or None."""
    request = getattr(record, "request", None)
    if isinstance(getattr(request, "path_info", None), str):  # django.request: the HttpRequest
        return request.path_info, request.META.get("HTTP_REFERER", "")
    if record.name == "django.server" and record.args:  # runserver: the request line "GET /s/w/ HTTP/1.1"
        parts = str(record.args[0]).split()
        if len(parts) == 3:
            return routed_path(parts[1]), ""
    return None


class RequestLogPrivacy(logging.Filter):
    """The rules above, for a logger's records: django.request and django.server (LOGGING in
    alignsurvey/settings.py) and gunicorn's error log (alignsurvey/gunicorn_conf.py)."""

    def filter(self, record):
        about = _record_request(record)
        respondent = about is not None and is_respondent_request(*about)
        # runserver's access line, and django.request's 4xx warnings, are access lines.
        if respondent and (record.name == "django.server" or record.levelno < logging.ERROR):
            return False
        if respondent or (about is not None and has_token(about[0])):
            record.request = None  # an e-mail to ADMINS would list its address and headers
            if record.exc_info:
                # The traceback as text (below, without tokens), not the live frames, whose local
                # variables (the token among them) a detailed report would print.
                record.exc_text = logging.Formatter().formatException(record.exc_info)
                record.exc_info = None
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: a handler reports it, not the filter
            return True
        record.msg, record.args = without_tokens(message), ()
        if record.exc_text:
            record.exc_text = without_tokens(record.exc_text)
        return True
