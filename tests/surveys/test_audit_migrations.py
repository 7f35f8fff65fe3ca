"""Upgrading a database that has data: export logs become audit entries, link counts start from
the invitations that remain."""

import datetime

import pytest
from django.utils import timezone

from tests.conftest import migrate_to

BEFORE = [("surveys", "0006_invited_address"), ("exports", "0001_initial")]
AFTER = [("surveys", "0008_audit_and_link_counts"), ("exports", "0003_delete_exportlog")]


@pytest.fixture
def old_database(transactional_db):
    """The database as it was before the audit log; brought up to date again afterwards."""
    apps = migrate_to(BEFORE)
    yield apps
    migrate_to()


def old_wave(apps, slug, head_count=None):
    Organization = apps.get_model("surveys", "Organization")
    InstrumentVersion = apps.get_model("surveys", "InstrumentVersion")
    organization, _ = Organization.objects.get_or_create(name="Old Bank")
    instrument, _ = InstrumentVersion.objects.get_or_create(code="old", version="1")
    wave = apps.get_model("surveys", "Wave").objects.create(
        slug=slug, title=slug, organization=organization, instrument=instrument, status="closed"
    )
    stream = apps.get_model("surveys", "ValueStream").objects.get_or_create(organization=organization, name="Alpha")[0]
    wave.value_streams.add(stream)
    if head_count is not None:
        apps.get_model("surveys", "HeadCount").objects.create(wave=wave, value_stream=stream, biz=head_count)
    return wave, stream


def test_export_logs_become_audit_entries_and_the_export_log_goes(old_database):
    apps = old_database
    wave, _ = old_wave(apps, "kept")
    gone, _ = old_wave(apps, "deleted-since")
    user = apps.get_model("auth", "User").objects.create(username="researcher")
    ExportLog = apps.get_model("exports", "ExportLog")
    common = {"generalization": "tenure_wide", "records_written": 40, "records_suppressed": 2, "layout": "wide"}
    ExportLog.objects.create(user=user, requested_by="researcher", channel="page", wave=wave, wave_slug="kept",
                             format="sav", **common)  # fmt: skip
    ExportLog.objects.create(requested_by="ops", channel="command", wave=gone, wave_slug="deleted-since",
                             format="csv", **common)  # fmt: skip
    ExportLog.objects.filter(wave=gone).update(wave=None)
    when = timezone.now() - datetime.timedelta(days=30)
    ExportLog.objects.update(created_at=when)

    apps = migrate_to(AFTER)

    entries = list(apps.get_model("surveys", "AuditEntry").objects.order_by("wave_slug"))
    assert [(entry.action, entry.wave_slug, entry.actor) for entry in entries] == [
        ("export", "deleted-since", "ops"),
        ("export", "kept", "researcher"),
    ]
    assert entries[1].details == {**common, "format": "sav", "channel": "page"}
    assert (entries[1].organization_id, entries[1].wave_id, entries[1].user_id) == (
        wave.organization_id,
        wave.pk,
        user.pk,
    )
    assert entries[0].organization_id is None and entries[0].details["channel"] == "command"
    assert all(entry.created_at == when for entry in entries)
    with pytest.raises(LookupError):
        apps.get_model("exports", "ExportLog")


def test_link_counts_start_from_the_invitations_that_remain(old_database):
    apps = old_database
    wave, stream = old_wave(apps, "running", head_count=3)
    Invitation = apps.get_model("surveys", "Invitation")
    for number, revoked in enumerate([None, None, timezone.localdate(), None, None]):
        Invitation.objects.create(
            wave=wave, value_stream=stream, side="biz", token_hash=f"{number:064}", revoked_on=revoked
        )
    Invitation.objects.create(wave=wave, value_stream=stream, side="it", token_hash="f" * 64)

    apps = migrate_to(AFTER)

    head_count = apps.get_model("surveys", "HeadCount").objects.get(wave_id=wave.pk)
    assert (head_count.biz_links, head_count.it_links) == (3, 0)  # within the head count; no IT head count
