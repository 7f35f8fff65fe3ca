"""Hardening: login throttling, the production settings check, CSP, markup shown as text, error pages."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.views.defaults import server_error

from accounts.models import Membership
from surveys.instrument_files import load_instrument
from surveys.models import Organization, ValueStream
from tests.conftest import make_wave, small_instrument_document
from tests.dashboards.conftest import import_wave, row

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_login_is_throttled_at_the_fifth_failure(client, db):
    get_user_model().objects.create_user("alice", password="a long and good passphrase")
    url = reverse("accounts:login")
    for _ in range(4):
        assert client.post(url, {"username": "alice", "password": "wrong"}).status_code == 200
    assert client.post(url, {"username": "alice", "password": "wrong"}).status_code == 429
    locked = client.post(url, {"username": "alice", "password": "a long and good passphrase"})
    assert locked.status_code == 429  # even the right password waits now
    assert "Too many failed log-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2(db):
    """The suite itself hashes with MD5 for speed; the production list starts with Argon2 and works."""
    import alignsurvey.settings as production

    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        user = get_user_model().objects.create_user("bob", password="a long and good passphrase")
        assert identify_hasher(user.password).algorithm == "argon2"
        assert user.check_password("a long and good passphrase")


def test_production_settings_pass_the_deploy_check():
    """`check --deploy` with production environment variables: no warnings at all."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "SECURE", "DATABASE_URL"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="alignsurvey.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="survey.example.org",
        DATABASE_URL="sqlite:///:memory:",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_and_out_of_scripts_reach():
    """Every cookie the app sets (session, CSRF, language) is Secure and HttpOnly; HTTPS is enforced."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "SECURE", "DATABASE_URL"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="alignsurvey.settings", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="x.org"
    )
    names = [
        f"{cookie}_COOKIE_{flag}" for cookie in ("SESSION", "CSRF", "LANGUAGE") for flag in ("SECURE", "HTTPONLY")
    ] + ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "DEBUG"]
    script = "import django, json; django.setup(); from django.conf import settings; "
    script += f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    values = json.loads(result.stdout)
    assert all(values[name] is True for name in names[:6]), values
    assert values["SECURE_SSL_REDIRECT"] is True and values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["DEBUG"] is False


def test_production_refuses_to_start_without_a_secret_key():
    environment = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "DJANGO_DEBUG")}
    environment["DJANGO_SETTINGS_MODULE"] = "alignsurvey.settings"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr


def test_pages_send_a_content_security_policy_without_inline_scripts(client, wave):
    response = client.get(reverse("surveys:intro", args=[wave.slug]))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy


def test_no_template_has_an_inline_script():
    """Every <script> either loads a file or carries JSON data (json_script), which never runs."""
    for path in (ROOT / "templates").rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", path.read_text()):
            assert "src=" in tag or 'type="application/json"' in tag, f"{path}: {tag}"
            assert " on" not in tag
    for path in (ROOT / "templates").rglob("*.html"):
        assert not re.search(r"\son[a-z]+=", path.read_text()), f"inline event handler in {path}"


def test_custom_error_pages(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "This page does not exist" in response.content.decode()

    failing = RequestFactory().get("/")
    page = server_error(failing)
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.content.decode()
    assert "Traceback" not in page.content.decode()


@pytest.fixture
def marked_up(db):
    """An instrument, organization, value stream and wave whose every name carries markup."""
    document = small_instrument_document(code="xss-oa")
    document["title"] = {"en": PAYLOAD}
    theme = document["dimensions"][0]["themes"][0]
    theme["name"] = PAYLOAD
    theme["items"][0]["text"] = {"en": PAYLOAD}
    instrument = load_instrument(document).instrument
    organization = Organization.objects.create(name=f"Org {PAYLOAD}")
    stream = ValueStream.objects.create(organization=organization, name=f"VS {PAYLOAD}")
    wave = make_wave(organization, instrument, [stream], slug="xss-wave", title=f"Wave {PAYLOAD}")
    return instrument, organization, stream, wave


def test_markup_in_names_and_texts_is_shown_as_text_to_respondents(client, marked_up):
    _, _, stream, wave = marked_up
    pages = [reverse("surveys:intro", args=[wave.slug])]
    client.post(pages[0])
    pages += [reverse("surveys:about", args=[wave.slug])]
    client.post(pages[1], {"value_stream": stream.pk, "side": "biz"})
    pages += [reverse("surveys:page", args=[wave.slug, 1])]
    for url in pages:
        html = client.get(url).content.decode()
        assert PAYLOAD not in html, url
        assert "&lt;script&gt;" in html, url


def test_markup_in_names_is_shown_as_text_on_dashboards_and_in_charts(client, marked_up):
    instrument, organization, stream, _ = marked_up
    rows = [row(f"Stream {PAYLOAD}".replace(",", " "), side) for side in ("biz", "it") for _ in range(6)]
    wave = import_wave(load_instrument(small_instrument_document()).instrument, rows, organization=organization.name)
    manager = get_user_model().objects.create_user("manager")
    Membership.objects.create(user=manager, organization=organization, role=Membership.Role.CHANGE_MANAGER)
    client.force_login(manager)
    imported = wave.value_streams.get()
    for url in [
        reverse("dashboards:home"),
        reverse("dashboards:wave", args=[wave.slug]),
        reverse("dashboards:organization", args=[wave.slug]),
        reverse("dashboards:value_stream", args=[wave.slug, imported.pk]),
        reverse("dashboards:items", args=[wave.slug]),
        reverse("dashboards:trends", args=[organization.pk]),
    ]:
        html = client.get(url).content.decode()
        assert PAYLOAD not in html, url
        for block in re.findall(r'<script id="[^"]+" type="application/json">(.*?)</script>', html, re.S):
            assert "<script" not in block and "<img" not in block  # json_script escapes < as \\u003C
            figure = json.loads(block)
            labels = json.dumps(figure["data"])
            assert "<script" not in labels and "<img" not in labels, url  # plotly sees escaped text


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.1"),  # no proxy: a header the client wrote changes nothing
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # one proxy: the address it saw, not the client's claim
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "", "10.0.0.1"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(rf, settings, proxies, forwarded, expected):
    from accounts.client_ip import client_ip

    settings.PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_a_forged_forwarded_header_does_not_escape_the_login_lockout(client, db):
    get_user_model().objects.create_user("carol", password="a long and good passphrase")
    url = reverse("accounts:login")
    for attempt in range(5):
        client.post(url, {"username": "carol", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}")
    locked = client.post(url, {"username": "carol", "password": "a long and good passphrase"})
    assert locked.status_code == 429
