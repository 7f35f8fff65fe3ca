"""The export page, downloads, codebooks, the command, the log, and the cost in queries."""

import csv
import io
import json
from pathlib import Path

import pyreadstat
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Membership
from exports.planning import plan_export
from exports.writers import FORMATS, FileColumns, csv_chunks, export_chunks
from surveys.models import AuditEntry, Organization, Wave
from tests.exports.conftest import record

pytestmark = pytest.mark.django_db

LOGIN, OK, FORBIDDEN, NOT_FOUND = "login", 200, 403, 404


def logged_exports():
    """The exports in the audit log, oldest first."""
    return AuditEntry.objects.filter(action="export").order_by("pk")


def researcher_of(organization_name, username="researcher", **extra):
    user = get_user_model().objects.create_user(username, **extra)
    organization, _ = Organization.objects.get_or_create(name=organization_name)
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.RESEARCHER)
    return user


def people():
    users = get_user_model().objects
    change_manager = users.create_user("manager")
    Membership.objects.create(
        user=change_manager,
        organization=Organization.objects.get(name="Export Bank"),
        role=Membership.Role.CHANGE_MANAGER,
    )
    return {
        "anonymous": None,
        "no role": users.create_user("plain"),
        "staff without a role": users.create_user("staff", is_staff=True),
        "change manager of the organization": change_manager,
        "inactive researcher": researcher_of("Export Bank", "gone", is_active=False),
        "researcher of another organization": researcher_of("Other Bank", "other"),
        "researcher of the organization": researcher_of("Export Bank"),
        "administrator": users.create_superuser("root", password="x"),
    }


@pytest.fixture
def closed_wave(build):
    records = [record(stream, side, "po_sm", "3-5") for stream in "AB" for side in ("biz", "it") for _ in range(6)]
    return build(records, slug="closed-wave")


@pytest.fixture
def staff_client(client):
    client.force_login(researcher_of("Export Bank"))
    return client


def outcome(response):
    if response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")):
        return LOGIN
    return response.status_code


EXPECTED = {
    "anonymous": LOGIN,
    "no role": FORBIDDEN,
    "staff without a role": FORBIDDEN,
    "change manager of the organization": FORBIDDEN,
    "inactive researcher": LOGIN,
    "researcher of another organization": NOT_FOUND,
    "researcher of the organization": OK,
    "administrator": OK,
}


@pytest.mark.parametrize(
    "page", ["home", "codebook", "codebook_json", "codebook_markdown", "download", "choose", "structural_validity"]
)
def test_only_researchers_of_the_organization_and_administrators_reach_the_exports(client, closed_wave, page):
    for person, user in people().items():
        client.logout()
        if user is not None:
            client.force_login(user)
        if page == "home":
            response = client.get(reverse("exports:home"))
            if person == "researcher of another organization":  # their own list, without this wave
                assert response.status_code == OK and closed_wave.slug not in response.content.decode()
                continue
        elif page == "download":
            payload = {"format": "csv", "layout": "wide"}
            response = client.post(reverse("exports:download", args=[closed_wave.slug]), payload)
        else:
            response = client.get(reverse(f"exports:{page}", args=[closed_wave.slug]))
        assert outcome(response) == EXPECTED[person], (person, page)
    # Only the two who may export left a trace in the log.
    assert logged_exports().count() == (2 if page == "download" else 0)


def test_unknown_wave_is_not_found(staff_client, closed_wave):
    assert staff_client.get(reverse("exports:codebook", args=["no-such-wave"])).status_code == NOT_FOUND


def test_page_lists_waves_with_formats_and_codebook_and_explains_open_ones(staff_client, closed_wave, build):
    open_wave = build([], slug="open-wave", status=Wave.Status.OPEN)
    page = staff_client.get(reverse("exports:home")).content.decode()
    assert reverse("exports:download", args=[closed_wave.slug]) in page
    assert reverse("exports:codebook", args=[closed_wave.slug]) in page
    assert 'value="sav"' in page and 'value="long"' in page
    assert reverse("exports:download", args=[open_wave.slug]) not in page
    assert "still takes responses" in page


def download(client, wave, fmt, layout="wide"):
    return client.post(reverse("exports:download", args=[wave.slug]), {"format": fmt, "layout": layout})


def test_csv_and_json_downloads_stream(staff_client, closed_wave):
    response = download(staff_client, closed_wave, "csv")
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="closed-wave-wide.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 24
    response = download(staff_client, closed_wave, "json", "long")
    assert isinstance(response, StreamingHttpResponse)
    document = json.loads(b"".join(response.streaming_content))
    assert len(document["records"]) == 24 * 9


def test_sav_download_is_a_file_that_leaves_nothing_behind(staff_client, closed_wave, tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    response = download(staff_client, closed_wave, "sav")
    assert isinstance(response, FileResponse)
    assert response["Content-Disposition"] == 'attachment; filename="closed-wave-wide.sav"'
    (tmp_path / "copy.sav").write_bytes(b"".join(response.streaming_content))
    response.close()
    frame, meta = pyreadstat.read_sav(tmp_path / "copy.sav")
    assert len(frame) == 24 and meta.column_names_to_labels["side"]
    assert [path.name for path in tmp_path.iterdir()] == ["copy.sav"]


def test_every_download_is_logged_with_who_what_and_how_much(staff_client, closed_wave):
    for fmt in FORMATS:
        response = download(staff_client, closed_wave, fmt, "long")
        b"".join(response.streaming_content)
    logs = list(logged_exports())
    assert [log.details["format"] for log in logs] == list(FORMATS)
    log = logs[0]
    assert (log.actor, log.user.username, log.details["channel"]) == ("researcher", "researcher", "page")
    assert (log.organization, log.wave, log.wave_slug, log.details["layout"]) == (
        closed_wave.organization,
        closed_wave,
        "closed-wave",
        "long",
    )
    details = log.details
    assert (details["records_written"], details["records_suppressed"], details["generalization"]) == (24, 0, "none")


def test_open_wave_is_refused_and_nothing_logged(staff_client, build):
    open_wave = build([record("A", "biz")] * 6, slug="open-wave", status=Wave.Status.OPEN)
    response = download(staff_client, open_wave, "csv")
    assert response.status_code == 409
    assert "still takes responses" in response.content.decode()
    assert staff_client.get(reverse("exports:codebook", args=[open_wave.slug])).status_code == 409
    assert not logged_exports().exists()


@pytest.mark.parametrize("payload", [{"format": "xlsx", "layout": "wide"}, {"format": "csv", "layout": "tall"}, {}])
def test_unknown_format_or_layout_is_a_bad_request(staff_client, closed_wave, payload):
    response = staff_client.post(reverse("exports:download", args=[closed_wave.slug]), payload)
    assert response.status_code == 400
    assert not logged_exports().exists()


def test_download_needs_post(staff_client, closed_wave):
    assert staff_client.get(reverse("exports:download", args=[closed_wave.slug])).status_code == 405


def test_codebook_page_and_files(staff_client, closed_wave):
    page = staff_client.get(reverse("exports:codebook", args=[closed_wave.slug])).content.decode()
    assert "We work in stable product teams." in page and "item_PCT3_scored" in page
    assert 'Suppressed</dt><dd class="col-sm-8">0' in page
    codebook = json.loads(staff_client.get(reverse("exports:codebook_json", args=[closed_wave.slug])).content)
    assert codebook["privacy"]["k"] == 5
    markdown = staff_client.get(reverse("exports:codebook_markdown", args=[closed_wave.slug]))
    assert markdown["Content-Type"] == "text/markdown; charset=utf-8"
    assert markdown.content.decode().startswith("# Codebook: Test wave")


def test_log_is_read_only_in_the_admin(client, closed_wave):
    download_client = client
    download_client.force_login(get_user_model().objects.create_superuser("root", password="x"))
    b"".join(download(download_client, closed_wave, "csv").streaming_content)
    log = logged_exports().get()
    changelist = client.get(reverse("admin:surveys_auditentry_changelist")).content.decode()
    assert "closed-wave" in changelist and "root" in changelist
    detail = client.get(reverse("admin:surveys_auditentry_change", args=[log.pk]))
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.get(reverse("admin:surveys_auditentry_add")).status_code == 403
    assert client.post(reverse("admin:surveys_auditentry_delete", args=[log.pk]), {"post": "yes"}).status_code == 403
    assert logged_exports().count() == 1


def test_log_outlives_the_user(staff_client, closed_wave):
    b"".join(download(staff_client, closed_wave, "csv").streaming_content)
    get_user_model().objects.filter(username="researcher").delete()
    log = logged_exports().get()
    assert log.user is None and log.actor == "researcher"


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_command_writes_the_file_and_its_codebook(closed_wave, tmp_path, fmt):
    out = io.StringIO()
    target = tmp_path / f"export.{fmt}"
    call_command("export_responses", closed_wave.slug, "--format", fmt, "--output", str(target), stdout=out)
    assert target.stat().st_size > 0
    codebook = json.loads((tmp_path / "export.codebook.json").read_text())
    assert codebook["privacy"]["records_written"] == 24
    assert (tmp_path / "export.codebook.md").read_text().startswith("# Codebook")
    assert "Wrote 24 of 24 responses (wide layout)" in out.getvalue()
    log = logged_exports().get()
    assert (log.details["channel"], log.details["format"], log.details["layout"], log.user) == (
        "command",
        fmt,
        "wide",
        None,
    )
    assert log.actor and log.organization == closed_wave.organization


def test_command_long_layout_and_default_name(closed_wave, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call_command("export_responses", closed_wave.slug, "--format", "csv", "--layout", "long", stdout=io.StringIO())
    rows = list(csv.DictReader((tmp_path / "closed-wave-long.csv").open()))
    assert len(rows) == 24 * 9


def test_command_leaves_no_half_file_when_responses_vanish_while_it_writes(closed_wave, tmp_path, monkeypatch):
    def plan_then_delete(wave, **options):
        plan = plan_export(wave, **options)
        wave.responses.first().delete()  # an administrator deletes a response meanwhile
        return plan

    monkeypatch.setattr("exports.management.commands.export_responses.plan_export", plan_then_delete)
    target = tmp_path / "export.csv"
    with pytest.raises(CommandError, match="deleted while it was being exported"):
        call_command("export_responses", closed_wave.slug, "--format", "csv", "--output", str(target))
    assert not target.exists() and not logged_exports().exists()


def test_command_leaves_no_half_file_when_writing_fails(closed_wave, tmp_path, monkeypatch):
    def write_then_fail(plan, fmt, layout, path, **options):
        Path(path).write_bytes(b"respondent,value_stream\r\n1,")
        raise OSError("No space left on device")

    monkeypatch.setattr("exports.management.commands.export_responses.write_export", write_then_fail)
    target = tmp_path / "export.csv"
    with pytest.raises(OSError, match="No space left"):
        call_command("export_responses", closed_wave.slug, "--format", "csv", "--output", str(target))
    assert not target.exists() and not logged_exports().exists()


def test_command_refuses_open_and_unknown_waves(build):
    build([record("A", "biz")] * 6, slug="open-wave", status=Wave.Status.OPEN)
    with pytest.raises(CommandError, match="still takes responses"):
        call_command("export_responses", "open-wave", "--format", "csv")
    with pytest.raises(CommandError, match="no wave"):
        call_command("export_responses", "nope", "--format", "csv")
    assert not logged_exports().exists()


# --------------------------------------------------------------------------------------------
# Queries: constant per batch, whatever the number of responses
# --------------------------------------------------------------------------------------------


def queries_to_export(wave, batch_size, fmt="csv", layout="wide"):
    with CaptureQueriesContext(connection) as queries:
        plan = plan_export(wave, batch_size=batch_size)
        columns = plan.record_batches(layout, batch_size=batch_size)
        b"".join(csv_chunks(FileColumns(plan, layout), columns))
    return len(queries)


def test_queries_do_not_grow_with_the_responses(build):
    small = build([record("A", s) for s in ("biz", "it") for _ in range(5)], slug="small")
    large = build([record("A", s) for s in ("biz", "it") for _ in range(59)], slug="large", organization="Other")
    assert queries_to_export(small, batch_size=2_000) == queries_to_export(large, batch_size=2_000)
    # In batches of 8: the census and the writing read 1 query a batch each; 10 responses are 2 batches, 118 are 15.
    assert queries_to_export(large, batch_size=8) - queries_to_export(small, batch_size=8) == 2 * (15 - 2)


def test_default_export_uses_a_handful_of_queries(closed_wave, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        plan = plan_export(closed_wave)
        b"".join(export_chunks(plan, "json", "long"))
