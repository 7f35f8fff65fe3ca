"""Choosing what to keep in an export: the page's counts, the download of a choice, its log and codebook."""

import csv
import io
import re

import pytest
from django.urls import reverse

from exports.anonymize import CHOICES, CHOICES_BY_NAME
from exports.planning import plan_export, preview_choices
from surveys.models import AuditEntry
from tests.exports.conftest import record
from tests.exports.test_pages import researcher_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread_wave(build):
    """Five product owners on the Biz side spread over three value streams (2, 2, 1) beside teams of 6.

    Per value stream they stand out, so the automatic choice coarsens role; pooled over value
    streams they are five alike (k = 5).
    """
    records = [record(stream, "biz", "po_sm", "3-5") for stream, n in (("A", 2), ("B", 2), ("C", 1)) for _ in range(n)]
    records += [
        record(stream, side, "team_member", "3-5") for stream in "ABC" for side in ("biz", "it") for _ in range(6)
    ]
    return build(records, slug="spread-wave")


@pytest.fixture
def researcher_client(client):
    client.force_login(researcher_of("Export Bank"))
    return client


def download(client, wave, generalization, fmt="csv", layout="wide"):
    payload = {"format": fmt, "layout": layout, "generalization": generalization}
    return client.post(reverse("exports:download", args=[wave.slug]), payload)


def test_the_page_shows_every_choice_with_the_responses_it_keeps(researcher_client, spread_wave):
    response = researcher_client.get(reverse("exports:choose", args=[spread_wave.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    rows = re.findall(r'value="([a-z_]+)" id="choice-[a-z_]+"(?: checked)?>.*?</tr>', page, re.S)
    assert rows == [choice.name for choice in CHOICES]
    # Each row's counts are those of the file that choice writes.
    for choice in CHOICES:
        plan = plan_export(spread_wave, generalization=choice)
        row = re.search(rf'id="choice-{choice.name}".*?</tr>', page, re.S).group(0)
        cells = re.findall(r'<td class="text-end">(\d+)</td>', row)
        assert cells == [str(plan.anonymization.records_written), str(plan.anonymization.records_suppressed)]
    # The automatic choice is preselected.
    automatic = plan_export(spread_wave).generalization.name
    assert f'value="{automatic}" id="choice-{automatic}" checked' in page


def test_pooling_value_streams_keeps_role_family_and_every_response(spread_wave):
    previews = {preview.generalization.name: preview for preview in preview_choices(spread_wave)}
    automatic = next(preview for preview in previews.values() if preview.automatic)
    assert automatic.generalization.role == "any" or automatic.records_suppressed > 0
    assert (previews["none_streams_pooled"].records_written, previews["none_streams_pooled"].records_suppressed) == (
        41,
        0,
    )


def test_downloading_a_choice_writes_it_and_logs_it(researcher_client, spread_wave):
    response = download(researcher_client, spread_wave, "none_streams_pooled")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 41
    assert {row["value_stream"] for row in rows} == {"any"}
    assert sum(row["role"] == "po_sm" for row in rows) == 5  # role family kept as collected
    entry = AuditEntry.objects.get(action="export")
    details = entry.details
    assert details["generalization"] == "none_streams_pooled" and details["generalization_chosen"] is True
    assert (
        details["export_value_stream"],
        details["export_side"],
        details["export_role"],
        details["export_tenure"],
    ) == (
        "any",
        "as collected",
        "as collected",
        "as collected",
    )
    assert (details["records_written"], details["records_suppressed"]) == (41, 0)


def test_the_download_form_without_a_choice_is_the_automatic_one(researcher_client, spread_wave):
    response = researcher_client.post(
        reverse("exports:download", args=[spread_wave.slug]), {"format": "csv", "layout": "wide"}
    )
    b"".join(response.streaming_content)
    details = AuditEntry.objects.get(action="export").details
    assert details["generalization_chosen"] is False
    assert details["generalization"] == plan_export(spread_wave).generalization.name


def test_dropping_the_side_writes_any_there(researcher_client, spread_wave):
    # Side dropped, role kept: per value stream, the 2 product owners stand out and take their
    # value stream with them (the guard); with role replaced by "any" as well, everyone is written.
    assert preview_written(spread_wave, "none_side_dropped") == 0
    response = download(researcher_client, spread_wave, "role_any_side_dropped")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 41 and {row["side"] for row in rows} == {"any"}


def preview_written(wave, name):
    return next(p.records_written for p in preview_choices(wave) if p.generalization.name == name)


def test_an_unknown_choice_is_refused_and_nothing_logged(researcher_client, spread_wave):
    response = download(researcher_client, spread_wave, "everything")
    assert response.status_code == 400
    assert not AuditEntry.objects.filter(action="export").exists()


def test_the_codebook_of_a_choice_says_what_was_pooled(researcher_client, spread_wave):
    url = reverse("exports:codebook_json", args=[spread_wave.slug])
    privacy = researcher_client.get(url, {"generalization": "none_streams_pooled"}).json()["privacy"]
    assert privacy["generalization"]["level"] == "none_streams_pooled"
    assert privacy["generalization"]["chosen_by"] == "researcher"
    assert privacy["generalization"]["value_stream"] == "any"
    assert researcher_client.get(url).json()["privacy"]["generalization"]["chosen_by"] == "automatic"
    # The choice page links each choice to its codebook.
    page = researcher_client.get(reverse("exports:choose", args=[spread_wave.slug])).content.decode()
    link = reverse("exports:codebook", args=[spread_wave.slug]) + "?generalization=none_streams_pooled"
    assert f'href="{link}"' in page
    codebook_page = researcher_client.get(link).content.decode()
    assert "none_streams_pooled" in codebook_page
    json_link = reverse("exports:codebook_json", args=[spread_wave.slug]) + "?generalization=none_streams_pooled"
    assert f'href="{json_link}"' in codebook_page


def test_an_open_wave_has_no_choice_page(researcher_client, build):
    from surveys.models import Wave

    open_wave = build([record("A", "biz")] * 6, slug="open-wave", status=Wave.Status.OPEN)
    assert researcher_client.get(reverse("exports:choose", args=[open_wave.slug])).status_code == 409


def test_the_audit_log_shows_the_choice_in_words(client, spread_wave):
    from django.contrib.auth import get_user_model

    from accounts.models import Membership

    plan = plan_export(spread_wave, generalization=CHOICES_BY_NAME["none_streams_pooled"])
    from exports.log import PAGE, log_export

    log_export(plan, "csv", "wide", PAGE)
    manager = get_user_model().objects.create_user("manager")
    Membership.objects.create(user=manager, organization=spread_wave.organization, role=Membership.Role.CHANGE_MANAGER)
    client.force_login(manager)
    page = client.get(reverse("dashboards:audit_log", args=[spread_wave.organization.pk])).content.decode()
    assert "Value stream in the file" in page and "pooled" in page and "Chosen by the researcher" in page


def test_a_hidden_groups_answers_change_nothing_on_the_page(researcher_client, instrument):
    """Tiny IT (2 people, k = 5) is hidden by the report: whatever they answered, the page is the same."""
    from django.db import transaction

    from tests.exports.conftest import build_wave

    def page(tiny_answers):
        records = []
        for _ in range(6):
            records += [record("Alpha", "biz", "po_sm"), record("Alpha", "it"), record("Beta", "biz", "po_sm")]
            records += [record("Beta", "it"), record("Tiny", "biz")]
        records += [record("Tiny", "it", "executive", answers=answers) for answers in tiny_answers]
        with transaction.atomic():
            wave = build_wave(instrument, records, slug="swap-wave")
            html = researcher_client.get(reverse("exports:choose", args=[wave.slug])).content.decode()
            transaction.set_rollback(True)
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)

    assert page([[1] * 9, [1] * 9]) == page([[5] * 9, [None] * 9])


def test_the_command_previews_the_choices_and_exports_one(spread_wave, tmp_path):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("export_responses", spread_wave.slug, "--preview", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(CHOICES)
    pooled = next(line for line in lines if line.startswith("none_streams_pooled "))
    assert "keeps     41, leaves out      0" in pooled
    assert sum("(automatic)" in line for line in lines) == 1
    assert not AuditEntry.objects.filter(action="export").exists() and not list(tmp_path.iterdir())

    target = tmp_path / "pooled.csv"
    call_command(
        "export_responses",
        spread_wave.slug,
        "--format",
        "csv",
        "--keep",
        "none_streams_pooled",
        "--output",
        str(target),
        stdout=io.StringIO(),
    )
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == 41 and {row["value_stream"] for row in rows} == {"any"}
    details = AuditEntry.objects.get(action="export").details
    assert (details["generalization"], details["generalization_chosen"], details["channel"]) == (
        "none_streams_pooled",
        True,
        "command",
    )


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_a_pooled_file_reads_back_in_every_format(spread_wave, tmp_path, layout):
    import json

    import pyreadstat

    from exports.writers import export_chunks, write_export

    plan = plan_export(spread_wave, generalization=CHOICES_BY_NAME["none_streams_pooled_side_dropped"])
    document = json.loads(b"".join(export_chunks(plan, "json", layout)).decode())
    assert {(r["value_stream"], r["side"]) for r in document["records"]} == {("any", "any")}
    assert document["codebook"]["privacy"]["generalization"]["side"] == "any"
    write_export(plan, "sav", layout, tmp_path / "file.sav")
    frame, meta = pyreadstat.read_sav(tmp_path / "file.sav", apply_value_formats=True)
    assert set(frame["value_stream"]) == {"Any value stream (pooled for anonymity)"}
    assert set(frame["side"]) == {"Any side (dropped for anonymity)"}
