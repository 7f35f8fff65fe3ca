"""`make run HOST_PORT=...`: the links printed for the demo, and `invite` without --base-url in
development, point at the server that was started, not at a port nobody listens on."""

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings

from alignsurvey.settings import ENVIRONMENT, development_base_url
from tests.conftest import give_head_counts, make_wave

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize(
    ("host_port", "base_url"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("8080", "http://127.0.0.1:8080"),
        ("localhost:8081", "http://localhost:8081"),
        ("0.0.0.0:8082", "http://127.0.0.1:8082"),
        ("[::]:8083", "http://127.0.0.1:8083"),
        ("[::1]:8084", "http://[::1]:8084"),
    ],
)
def test_the_address_runserver_listens_on_becomes_the_address_of_the_links(host_port, base_url):
    assert development_base_url(host_port) == base_url


@pytest.mark.parametrize("host_port", ["127.0.0.1", "127.0.0.1:", "localhost:http", ""])
def test_an_address_without_a_port_is_refused_naming_the_variable(host_port):
    with pytest.raises(ImproperlyConfigured, match="HOST_PORT"):
        development_base_url(host_port)


def test_the_settings_read_host_port_from_the_environment():
    environment = {key: value for key, value in os.environ.items() if key not in ENVIRONMENT}
    environment.update(DJANGO_SETTINGS_MODULE="alignsurvey.settings", DJANGO_DEBUG="1", HOST_PORT="0.0.0.0:8123")
    program = "import django; django.setup(); from django.conf import settings; print(settings.DEVELOPMENT_BASE_URL)"
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "http://127.0.0.1:8123"


def test_make_run_hands_its_host_port_to_the_demo_seeder():
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", "run", "HOST_PORT=127.0.0.1:8123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    [seeding] = [line for line in result.stdout.splitlines() if "seed_demo" in line]
    assert "HOST_PORT=127.0.0.1:8123" in seeding


@override_settings(DEVELOPMENT_BASE_URL="http://127.0.0.1:8123")
def test_the_demo_prints_its_links_with_the_port_it_is_served_on(db):
    out = io.StringIO()
    call_command("seed_demo", responses=10, stdout=out)

    links = [line for line in out.getvalue().splitlines() if "http://" in line]
    assert len(links) == 3
    assert all("http://127.0.0.1:8123/" in line for line in links)


@override_settings(DEBUG=True, DEVELOPMENT_BASE_URL="http://127.0.0.1:8123")
def test_invite_without_a_base_url_in_development_makes_links_to_that_port(
    organization, instrument, value_streams, tmp_path
):
    wave = make_wave(organization, instrument, value_streams)
    give_head_counts(wave)
    output = tmp_path / "links.csv"

    call_command(
        "invite", wave.slug, "--value-stream", value_streams[0].name, "--side", "biz", "--count", "2",
        "--output", str(output),
    )  # fmt: skip

    with open(output, newline="", encoding="utf-8") as file:
        links = [row[2] for row in list(csv.reader(file))[1:]]
    assert len(links) == 2 and all(link.startswith("http://127.0.0.1:8123/i/") for link in links)
