"""A researcher downloads a closed wave as CSV in a real browser and reads its codebook.

The demo's earlier wave is closed, so it is the one that can be exported; the open demo wave is
listed with the reason it cannot be yet.
"""

import csv

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from accounts.models import Membership
from surveys.demo import DEMO_EARLIER_WAVE_SLUG, EARLIER_WAVE_RESPONSES
from surveys.models import AuditEntry, Wave
from tests.browser.conftest import DESKTOP, requires_chromium

pytestmark = requires_chromium

USERNAME = "researcher"
PASSWORD = "a researcher's passphrase"


@pytest.fixture
def researcher(demo_wave):
    """Researcher of the demo organization, and nothing else: the login leads to the exports."""
    user = get_user_model().objects.create_user(USERNAME, password=PASSWORD)
    Membership.objects.create(user=user, organization=demo_wave.organization, role=Membership.Role.RESEARCHER)
    return user


def wide_header(instrument):
    """The wide layout's columns, as docs/researchers.md describes them, from the instrument alone."""
    items = list(instrument.ordered_items())
    themes = list(dict.fromkeys(item.theme for item in items))
    dimensions = list(dict.fromkeys(theme.dimension for theme in themes))
    return [
        "respondent",
        "value_stream",
        "side",
        "role",
        "tenure",
        *[f"item_{item.code}_{kind}" for item in items for kind in ("raw", "scored")],
        *[f"theme_{theme.code}" for theme in themes],
        *[f"dimension_{dimension.code}" for dimension in dimensions],
    ]


@pytest.mark.django_db(transaction=True)
def test_researcher_downloads_a_csv_and_opens_the_codebook(live_server, browser, researcher, demo_wave):
    earlier = Wave.objects.select_related("instrument").get(slug=DEMO_EARLIER_WAVE_SLUG)
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/exports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports for researchers")
    # The open demo wave is listed, with no download: only closed waves are exported.
    expect(page.get_by_role("button", name=f"Download {demo_wave.title}")).to_have_count(0)

    wave_row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=earlier.title))
    wave_row.get_by_label("Format").select_option(label="CSV")
    wave_row.get_by_label("Layout").select_option(label="Wide: one row per response")
    with page.expect_download() as download_info:
        wave_row.get_by_role("button", name=f"Download {earlier.title}").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8", newline="") as file:
        records = list(csv.reader(file))

    header, rows = records[0], records[1:]
    assert header == wide_header(earlier.instrument)
    log = AuditEntry.objects.get(action="export")
    assert (log.wave_slug, log.details["format"], log.details["layout"], log.actor) == (
        earlier.slug,
        "csv",
        "wide",
        USERNAME,
    )
    written = log.details["records_written"]
    assert written + log.details["records_suppressed"] == EARLIER_WAVE_RESPONSES
    assert len(rows) == written > 0  # one row per exported response
    assert sorted(int(row[0]) for row in rows) == list(range(1, len(rows) + 1))
    assert all(len(row) == len(header) for row in rows)
    assert {row[header.index("side")] for row in rows} <= {"biz", "it"}

    wave_row.get_by_role("link", name=f"Codebook of {earlier.title}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Codebook: {earlier.title}")
    privacy = page.locator("dl").first
    expect(privacy.locator("dt:has-text('Written') + dd")).to_have_text(str(written))
    expect(page.get_by_role("heading", name="Variables, wide layout")).to_be_visible()
    context.close()
