"""Attack: read gunicorn's access log for who opened which personal link, and when someone submitted.

A real gunicorn, started as `make serve` starts it (DEBUG off, alignsurvey/gunicorn_conf.py),
serves a respondent who opens a personal link, answers, submits and loads the pages' style
sheets; a wall screen showing a radiator; a member of staff on the log-in page; and a server
error on a personal link. The logs it wrote are then read like an attacker would.
"""

import http.client
import json
import re
import sqlite3
from urllib.parse import urlencode, urlsplit

import pytest

from tests.conftest import small_instrument_document
from tests.make_serve import GUNICORN_CONFIG, MAKEFILE, gunicorn, manage, prepare, serve_environment

SLUG = "log-wave"

# Makes what the requests need: a wave on the small instrument with two personal links, and a radiator link.
SET_UP = f"""
import json
from django.contrib.auth import get_user_model
from django.utils import timezone
from dashboards.models import RadiatorLink
from surveys import invitations
from surveys.instrument_files import load_instrument
from surveys.models import HeadCount, Organization, ValueStream, Wave

instrument = load_instrument(json.loads({json.dumps(small_instrument_document())!r})).instrument
organization = Organization.objects.create(name="Log Bank")
stream = ValueStream.objects.create(organization=organization, name="Payments")
wave = Wave.objects.create(slug={SLUG!r}, title="Log wave", organization=organization, instrument=instrument,
                           status=Wave.Status.OPEN, opens_at=timezone.now() - timezone.timedelta(days=1))
wave.value_streams.add(stream)
HeadCount.objects.create(wave=wave, value_stream=stream, biz=10, it=10)
links = [token for _, token in invitations.create_invitations(wave, stream, "biz", 2)]
_, radiator = RadiatorLink.create(stream, get_user_model().objects.create_user("manager"))
print(json.dumps({{"invitations": links, "radiator": radiator}}))
"""
ITEMS_PER_PAGE = [["PCT1", "PCT2", "PCT3"], ["SPS1", "SPS2", "SPS3", "SPS4"], ["DH1", "DH2"]]


class Browser:
    """Just enough of a browser: cookies, the CSRF token of the last page, a Referer; redirects not followed."""

    def __init__(self, url):
        self.host, self.port = urlsplit(url).hostname, urlsplit(url).port
        self.cookies, self.csrf = {}, None

    def request(self, method, path, form=None, referer=None):
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        if referer:
            headers["Referer"] = f"http://{self.host}:{self.port}{referer}"
        body = None
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.csrf})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=20)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        html = response.read().decode()
        connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, value = cookie.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        self.csrf = found.group(1) if found else self.csrf
        return response.status, response.headers.get("Location"), html

    def get(self, path, referer=None):
        return self.request("GET", path, referer=referer)

    def post(self, path, form, referer=None):
        return self.request("POST", path, form=form, referer=referer)


def style_sheet(html):
    return re.search(r'href="(/static/[^"]+\.css)"', html).group(1)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The logs of one gunicorn run, and the secrets that must not be in them."""
    directory = tmp_path_factory.mktemp("serve")
    environment = serve_environment(directory)
    prepare(environment)
    secrets = json.loads(manage(environment, "shell", "--no-imports", "-c", SET_UP))
    [used, failing] = secrets["invitations"]
    intro = f"/s/{SLUG}/"
    with gunicorn(environment, directory) as server:
        respondent = Browser(server.url)
        assert respondent.get(f"/i/{used}/")[:2] == (302, intro)
        status, _, html = respondent.get(intro)
        assert status == 200
        assert respondent.get(style_sheet(html), referer=intro)[0] == 200
        assert respondent.post("/i18n/setlang/", {"language": "de", "next": intro}, referer=intro)[0] == 302
        assert respondent.post(intro, {}, referer=intro)[0] == 302
        assert respondent.post(f"/s/{SLUG}/about-you/", {}, referer=f"/s/{SLUG}/about-you/")[0] == 302
        for number, codes in enumerate(ITEMS_PER_PAGE, start=1):
            page = f"/s/{SLUG}/questions/{number}/"
            assert respondent.post(page, {f"item-{code}": "4" for code in codes}, referer=page)[0] == 302
        review = f"/s/{SLUG}/review/"
        assert respondent.post(review, {}, referer=review)[:2] == (302, f"/s/{SLUG}/thank-you/")
        status, _, html = respondent.get(f"/s/{SLUG}/thank-you/")
        assert status == 200 and respondent.get(style_sheet(html), referer=f"/s/{SLUG}/thank-you/")[0] == 200
        assert respondent.get(f"/%69/{used}/")[0] == 404  # percent-encoded: Django routes it to /i/ all the same

        wall = Browser(server.url)
        status, _, html = wall.get(f"/radiator/{secrets['radiator']}/")
        assert status == 200
        # A browser that ignores the page's Referrer-Policy sends the radiator's URL with its style sheet.
        assert wall.get(style_sheet(html), referer=f"/radiator/{secrets['radiator']}/")[0] == 200

        assert Browser(server.url).get("/accounts/login/")[0] == 200

        # A server error on a personal link: the table the lookup reads is gone.
        with sqlite3.connect(directory / "db.sqlite3") as database:
            database.execute("DROP TABLE surveys_invitation")
        assert Browser(server.url).get(f"/i/{failing}/")[0] == 500
    return server, [used, failing, secrets["radiator"]]


def test_a_respondent_s_requests_leave_no_access_line(served):
    server, _ = served
    lines = server.access_log.splitlines()
    assert not [line for line in lines if re.search(r"/(s|i|%69)/|i18n", line)]
    assert len(lines) == 3, lines  # the radiator, its style sheet and the log-in page


def test_no_token_is_in_any_log(served):
    server, tokens = served
    for token in tokens:
        assert token not in server.access_log and token not in server.error_log


def test_radiator_requests_are_logged_with_the_token_replaced(served):
    server, _ = served
    radiator, style = server.access_log.splitlines()[:2]
    assert '"GET /radiator/…/ HTTP/1.1" 200' in radiator
    assert '"http://127.0.0.1:' in style and '/radiator/…/"' in style


def test_staff_requests_are_logged_with_address_and_time(served):
    server, _ = served
    [login] = [line for line in server.access_log.splitlines() if "/accounts/login/" in line]
    timestamp = r"\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]"
    assert re.match(rf'127\.0\.0\.1 - - {timestamp} "GET /accounts/login/ HTTP/1.1" 200', login)


def test_a_server_error_is_logged_with_its_traceback_and_no_address(served):
    server, _ = served
    log = server.error_log
    assert "Internal Server Error: /i/…/\nTraceback (most recent call last):" in log
    assert "no such table: surveys_invitation" in log
    addresses = [line for line in log.splitlines() if "127.0.0.1" in line]
    assert all("Listening at: http://127.0.0.1:" in line for line in addresses), addresses


def test_make_serve_runs_gunicorn_with_this_configuration():
    recipe = MAKEFILE.read_text().split("\nserve: install", 1)[1].split("\n\n", 1)[0]
    assert f"--config {GUNICORN_CONFIG}" in recipe and "--access-logfile" not in recipe
