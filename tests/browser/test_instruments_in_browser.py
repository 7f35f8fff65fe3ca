"""A researcher brings a new version of the questionnaire in a real browser: a file with a mistake
is refused with its place, the corrected one is stored; a page of it is previewed in German; it is
compared with the version before; and a change manager picks it for a new wave.

The demo login is both researcher and change manager of the demo organization, as in `make run`.
"""

import json

import pytest
from django.apps import apps
from playwright.sync_api import expect

from surveys.demo import DEMO_VALUE_STREAMS
from surveys.instrument_files import export_instrument
from surveys.models import InstrumentVersion, Wave
from tests.browser.conftest import DESKTOP, log_in_as_demo, requires_chromium

pytestmark = requires_chromium


def newer_version(instrument):
    """v1.2 of the demo's instrument: its first item reworded in German, its last item removed and
    a new item added to the first theme."""
    document = export_instrument(instrument) | {"version": "1.2"}
    theme = document["dimensions"][0]["themes"][0]
    theme["items"][0]["text"]["de"] = "Unser Team bleibt über Projekte hinweg zusammen."
    theme["items"].append(
        {
            "code": "PCT9",
            "text": {
                "en": "Our customers' feedback reaches IT directly.",
                "de": "Rückmeldungen unserer Kundschaft erreichen die IT direkt.",
                "fr": "Les retours de nos clients parviennent directement à l’IT.",
            },
            "reverse": False,
        }
    )
    removed = document["dimensions"][-1]["themes"][-1]["items"].pop()
    return document, theme["items"][0]["code"], removed["code"]


def row_counts():
    return {model._meta.db_table: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.django_db(transaction=True)
def test_upload_preview_in_german_compare_and_pick_for_a_new_wave(live_server, browser, demo_wave, tmp_path):
    document, reworded, removed = newer_version(demo_wave.instrument)
    broken = json.loads(json.dumps(document))
    broken["dimensions"][0]["themes"][0]["items"][1]["code"] = broken["dimensions"][0]["themes"][0]["items"][0]["code"]
    (tmp_path / "vsm-oa-1.2.json").write_text(json.dumps(broken), encoding="utf-8")
    (tmp_path / "fixed").mkdir()
    (tmp_path / "fixed" / "vsm-oa-1.2.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    log_in_as_demo(page, live_server.url)
    page.get_by_role("link", name="Instruments").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Instruments")

    # A file with a duplicate item code: refused, the place named, nothing stored.
    page.get_by_label("Instrument file (JSON or YAML)").set_input_files(str(tmp_path / "vsm-oa-1.2.json"))
    page.get_by_role("button", name="Check and upload").click()
    errors = page.locator("#upload-errors")
    expect(errors).to_contain_text("vsm-oa-1.2.json was not stored")
    expect(errors).to_contain_text("dimensions[0].themes[0].items[1].code")
    assert not InstrumentVersion.objects.filter(version="1.2").exists()

    page.get_by_label("Instrument file (JSON or YAML)").set_input_files(str(tmp_path / "fixed" / "vsm-oa-1.2.json"))
    page.get_by_role("button", name="Check and upload").click()
    expect(page.get_by_role("status")).to_contain_text("vsm-oa v1.2: stored as a new version")
    newer = InstrumentVersion.objects.get(code="vsm-oa", version="1.2")

    # The first page in German, as a respondent reading German sees it; nothing is stored.
    before = row_counts()
    row = page.locator(f"#instrument-{newer.pk}")
    row.get_by_role("link", name="Preview vsm-oa v1.2: Deutsch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#preview-banner")).to_contain_text("Nothing you choose here is stored.")
    expect(page.get_by_text("Unser Team bleibt über Projekte hinweg zusammen.")).to_be_visible()
    expect(page.get_by_text("Rückmeldungen unserer Kundschaft erreichen die IT direkt.")).to_be_visible()
    page.locator("fieldset").first.get_by_label("Stimme voll und ganz zu").check()  # an answer, never stored
    page.get_by_role("button", name="Weiter").click()
    expect(page).to_have_url(f"{live_server.url}/instruments/{newer.pk}/preview/de/2/")
    assert row_counts() == before
    page.get_by_role("link", name="Back to the instruments").click()

    # Compared with v1.1: the added, removed and reworded items.
    page.locator(f"#instrument-{newer.pk}").get_by_role("link", name="Compare with v1.1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("vsm-oa: v1.2 compared with v1.1")
    expect(page.locator("#items-added")).to_contain_text("PCT9")
    expect(page.locator("#items-removed")).to_contain_text(removed)
    expect(page.locator("#items-reworded")).to_contain_text(reworded)
    expect(page.locator("#items-reworded")).to_contain_text("Unser Team bleibt über Projekte hinweg zusammen.")

    # A change manager of the organization picks it for a new wave.
    page.goto(f"{live_server.url}/dashboard/organizations/{demo_wave.organization_id}/waves/new/")
    page.locator("#id_title").fill("Autumn with v1.2")
    page.get_by_label("Slug").fill("autumn-v12")
    page.get_by_label("Instrument").select_option(label="vsm-oa v1.2")
    page.get_by_role("checkbox", name=DEMO_VALUE_STREAMS[0]).check()
    page.get_by_role("button", name="Create the wave").click()
    expect(page).not_to_have_url(f"{live_server.url}/dashboard/organizations/{demo_wave.organization_id}/waves/new/")
    assert Wave.objects.get(slug="autumn-v12").instrument == newer
    context.close()
