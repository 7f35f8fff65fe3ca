"""Attack: read the server's logs for who opened which personal link, and when someone submitted.

Django's own request logs (runserver's access log `django.server`, and `django.request`, which
logs every 4xx and 5xx) keep no line about a respondent's request and no secret token of a link;
a server error is still logged, with its traceback, and DEBUG off (tests/privacy/test_access_log.py
does the same for gunicorn's access log).
"""

import io
import logging
import secrets
from contextlib import contextmanager
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from dashboards.models import RadiatorLink
from surveys import invitations
from tests.conftest import give_head_counts

TOKEN = secrets.token_urlsafe(32)


@contextmanager
def written_by(logger_name):
    """What the handlers of `logger_name` (as LOGGING sets them up) write, while the block runs."""
    handlers = [h for h in logging.getLogger(logger_name).handlers if isinstance(h, logging.StreamHandler)]
    assert handlers, f"{logger_name} has no stream handler"
    written = io.StringIO()
    previous = [handler.setStream(written) for handler in handlers]
    try:
        yield written
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)


def log_like_runserver(request_line, status):
    """One line of runserver's access log, logged the way django.core.servers.basehttp logs it."""
    extra = {"request": object(), "server_time": "01/Jun/2026 14:03:12", "status_code": int(status)}
    level = logging.WARNING if status.startswith("4") else logging.INFO
    logging.getLogger("django.server").log(level, '"%s" %s %s', request_line, status, "0", extra=extra)


@pytest.mark.parametrize(
    "request_line",
    [
        f"GET /i/{TOKEN}/ HTTP/1.1",
        f"GET /%69/{TOKEN}/ HTTP/1.1",  # percent-encoded, as a client may send it: Django routes it to /i/
        "GET /s/test-wave/ HTTP/1.1",
        "POST /s/test-wave/review/ HTTP/1.1",
        "GET /s/test-wave/questions/2/?x=1 HTTP/1.1",
    ],
)
def test_runserver_writes_no_line_for_a_respondent_s_request(request_line):
    with written_by("django.server") as written:
        log_like_runserver(request_line, "302")
    assert written.getvalue() == ""


def test_runserver_writes_radiator_requests_without_their_token():
    with written_by("django.server") as written:
        log_like_runserver(f"GET /radiator/{TOKEN}/ HTTP/1.1", "200")
        log_like_runserver(f"GET /r%61diator/{TOKEN}/ HTTP/1.1", "404")
    assert TOKEN not in written.getvalue()
    assert '"GET /radiator/…/ HTTP/1.1" 200' in written.getvalue()
    assert '"GET /r%61diator/…/ HTTP/1.1" 404' in written.getvalue()


def test_runserver_writes_staff_requests_as_before():
    with written_by("django.server") as written:
        log_like_runserver("GET /dashboard/waves/test-wave/items/?value_stream=3 HTTP/1.1", "200")
    assert '"GET /dashboard/waves/test-wave/items/?value_stream=3 HTTP/1.1" 200 0' in written.getvalue()


def test_django_request_logs_no_failed_respondent_request_and_no_radiator_token(caplog, wave, value_streams):
    manager = get_user_model().objects.create_user("manager")
    _, token = RadiatorLink.create(value_streams[0], manager)
    browser = Client()
    with caplog.at_level(logging.INFO, logger="django.request"):
        assert browser.get(f"/i/{TOKEN}/").status_code == 404
        browser.post("/s/test-wave/")
        assert browser.post("/s/test-wave/about-you/", {"value_stream": "x"}).status_code == 400
        assert browser.get(f"/radiator/{TOKEN}/").status_code == 404
        assert browser.get(f"/radiator/{token}/").status_code == 200
    messages = [record.getMessage() for record in caplog.records if record.name == "django.request"]
    assert messages == ["Not Found: /radiator/…/"]


def test_a_server_error_is_written_to_stderr_with_its_traceback_but_no_token(settings, wave, value_streams):
    """With DEBUG off nothing but LOGGING's handler writes an error: without it, a 500 left no trace."""
    settings.DEBUG = False
    give_head_counts(wave)
    [(_, token)] = invitations.create_invitations(wave, value_streams[0], "biz", 1)
    failure = RuntimeError(f"the lookup of /i/{token}/ failed")
    browser = Client(raise_request_exception=False, REMOTE_ADDR="203.0.113.7")
    with (
        mock.patch("surveys.invitations.invitation_for_token", side_effect=failure),
        written_by("django.request") as written,
    ):
        assert browser.get(f"/i/{token}/").status_code == 500
    log = written.getvalue()
    assert log.startswith("Internal Server Error: /i/…/\nTraceback (most recent call last):")
    assert "RuntimeError: the lookup of /i/…/ failed" in log
    assert token not in log and "203.0.113.7" not in log
