"""The audit log: who did what and when, append-only, and never a word about respondents."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from accounts.models import Membership
from surveys import audit, invitations
from surveys.models import AuditEntry, AuditLogIsAppendOnly, HeadCount, Invitation, Organization, Wave
from tests.conftest import make_wave
from tests.privacy.journeys import answer_with_link, form_data, link_in

build_url = invitations.link_builder("https://survey.example.org")


@pytest.fixture
def wave(organization, instrument, value_streams):
    return make_wave(organization, instrument, value_streams, access=Wave.Access.INVITATION, head_count=10)


@pytest.fixture
def manager(organization):
    user = get_user_model().objects.create_user("manager")
    Membership.objects.create(user=user, organization=organization, role=Membership.Role.CHANGE_MANAGER)
    client = Client()
    client.force_login(user)
    return client


def entries(action=None):
    found = AuditEntry.objects.order_by("pk")
    return list(found.filter(action=action) if action else found)


# --- recording ---------------------------------------------------------------------------


def test_an_entry_keeps_who_what_when_and_the_details(wave):
    user = get_user_model().objects.create_user("carla")

    entry = audit.record("release", organization=wave.organization, wave=wave, user=user, groups={"Alpha": 7})

    stored = AuditEntry.objects.get()
    assert (stored.action, stored.actor, stored.user, stored.wave, stored.wave_slug) == (
        "release",
        "carla",
        user,
        wave,
        "test-wave",
    )
    assert stored.organization == wave.organization and stored.details == {"groups": {"Alpha": 7}}
    assert stored.created_at == entry.created_at


def test_without_a_user_the_actor_is_the_operating_system_account(wave, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "ops-account")

    assert audit.record("release", organization=wave.organization).actor == "ops-account"
    assert audit.record("release", organization=wave.organization, actor="cron").actor == "cron"


def test_an_unknown_action_is_refused(wave):
    with pytest.raises(ValueError, match="not an action of the audit log"):
        audit.record("tea_break", organization=wave.organization)
    assert not AuditEntry.objects.exists()


# --- append-only -------------------------------------------------------------------------


def test_entries_are_never_changed_or_deleted(wave):
    entry = audit.record("release", organization=wave.organization, wave=wave)

    entry.actor = "someone else"
    for attempt in (
        entry.save,
        entry.delete,
        lambda: AuditEntry.objects.update(actor="someone else"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
        lambda: AuditEntry.objects.bulk_update([entry], ["actor"]),
    ):
        with pytest.raises(AuditLogIsAppendOnly), transaction.atomic():
            attempt()

    assert AuditEntry.objects.get().actor != "someone else"


def test_an_entry_outlives_its_user_and_wave_and_keeps_its_organization(wave):
    user = get_user_model().objects.create_user("carla")
    audit.record("release", organization=wave.organization, wave=wave, user=user)

    user.delete()
    wave.delete()

    entry = AuditEntry.objects.get()
    assert (entry.user, entry.wave, entry.actor, entry.wave_slug) == (None, None, "carla", "test-wave")
    with pytest.raises(ProtectedError):
        Organization.objects.filter(pk=entry.organization_id).delete()


def test_the_admin_shows_the_log_to_administrators_only_and_changes_nothing(wave, admin_client):
    entry = audit.record("release", organization=wave.organization, wave=wave, actor="carla")
    staff = get_user_model().objects.create_user("staff", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__model="auditentry"))
    staff_client = Client()
    staff_client.force_login(staff)
    pages = [
        reverse("admin:surveys_auditentry_changelist"),
        reverse("admin:surveys_auditentry_change", args=[entry.pk]),
    ]

    assert [admin_client.get(page).status_code for page in pages] == [200, 200]
    assert 'name="_save"' not in admin_client.get(pages[1]).content.decode()
    assert admin_client.get(reverse("admin:surveys_auditentry_add")).status_code == 403
    delete = reverse("admin:surveys_auditentry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert [staff_client.get(page).status_code for page in pages] == [403, 403]
    assert AuditEntry.objects.count() == 1


# --- what is recorded --------------------------------------------------------------------


def test_links_for_a_mail_merge_are_logged_with_their_number_group_and_person(wave, manager, value_streams):
    page = reverse("dashboards:invitations", args=[wave.slug])
    manager.post(
        page, {"action": "links", "links-value_stream": value_streams[1].pk, "links-side": "it", "links-count": 4}
    )

    [entry] = entries()
    assert (entry.action, entry.actor, entry.wave) == ("links_created", "manager", wave)
    assert entry.details == {"value_stream": "Investing applications", "side": "it", "count": 4, "channel": "csv"}


def test_e_mailed_invitations_reminders_and_revocations_are_logged_in_counts(wave, manager, value_streams):
    page = reverse("dashboards:invitations", args=[wave.slug])
    group = {"value_stream": value_streams[0].pk, "side": "biz"}
    addresses = "ana@example.org\nben@example.org"
    manager.post(page, {"action": "email", "email-addresses": addresses, **{f"email-{k}": v for k, v in group.items()}})
    manager.post(page, {"action": "email", "email-addresses": addresses, **{f"email-{k}": v for k, v in group.items()}})
    manager.post(page, {"action": "remind", "confirmed": "yes"})
    manager.post(page, {"action": "revoke", "confirmed": "yes", **{f"revoke-{k}": v for k, v in group.items()}})

    stream = {"value_stream": "Financing applications", "side": "biz"}
    assert [(entry.action, entry.details) for entry in entries()] == [
        ("links_created", {**stream, "count": 2, "channel": "email"}),
        ("invitations_sent", {**stream, "sent": 2, "already_invited": 0}),
        ("invitations_sent", {**stream, "sent": 0, "already_invited": 2}),
        ("reminders_sent", {"count": 2}),
        ("invitations_revoked", {**stream, "count": 2}),
    ]
    assert {entry.actor for entry in entries()} == {"manager"}


def test_a_mail_server_failure_is_logged_with_what_was_not_sent(wave, value_streams):
    class BrokenMailServer:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_messages(self, messages):
            raise ConnectionRefusedError("mail server gone")

    with pytest.raises(invitations.SendingFailed):
        invitations.send_invitations(
            wave, value_streams[0], "it", ["ana@example.org"], build_url, BrokenMailServer(), actor="ops"
        )

    assert [(entry.action, entry.actor, entry.details.get("not_sent")) for entry in entries()] == [
        ("links_created", "ops", None),
        ("invitations_sent", "ops", 1),
    ]


def test_revoking_in_the_admin_is_logged_per_value_stream_and_side(wave, admin_client, value_streams):
    invitations.create_invitations(wave, value_streams[0], "biz", 2)
    invitations.create_invitations(wave, value_streams[1], "it", 1)

    admin_client.post(
        reverse("admin:surveys_invitation_changelist"),
        {"action": "revoke_selected", "_selected_action": list(Invitation.objects.values_list("pk", flat=True))},
    )

    logged = entries("invitations_revoked")
    revoked = sorted((entry.details["value_stream"], entry.details["side"], entry.details["count"]) for entry in logged)
    assert revoked == [("Financing applications", "biz", 2), ("Investing applications", "it", 1)]
    assert {entry.actor for entry in logged} == {"admin"}


def test_the_invite_command_logs_under_the_operating_system_account(wave, value_streams, tmp_path, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "ops-account")
    call_command(
        "invite", wave.slug, "--value-stream", value_streams[0].name, "--side", "it", "--count", "2",
        "--output", str(tmp_path / "links.csv"), "--base-url", "https://survey.example.org",
    )  # fmt: skip

    [entry] = entries()
    assert (entry.actor, entry.user) == ("ops-account", None)
    assert (entry.details["count"], entry.details["channel"]) == (2, "csv")


def set_up_data(instrument, value_streams, **changes):
    return {
        "title": "Spring 2027",
        "slug": "spring-2027",
        "instrument": instrument.pk,
        "value_streams": [stream.pk for stream in value_streams],
        "opens_at": "2027-03-01T08:00",
        "status": "draft",
        "anonymity_threshold": "5",
        "languages": ["de", "en"],
        "access": "open",
        f"head_biz_{value_streams[0].pk}": "12",
        **changes,
    }


def test_set_up_changes_are_logged_field_by_field_from_old_to_new(manager, organization, instrument, value_streams):
    manager.post(reverse("dashboards:wave_create", args=[organization.pk]), set_up_data(instrument, value_streams))
    edit = reverse("dashboards:wave_edit", args=["spring-2027"])
    changes = {"title": "Spring 2027, again", "status": "open", "anonymity_threshold": "6"}
    changed = set_up_data(instrument, value_streams[:1], **changes)
    manager.post(edit, {**changed, f"head_biz_{value_streams[0].pk}": "14", f"head_it_{value_streams[0].pk}": "9"})
    manager.post(edit, {**changed, f"head_biz_{value_streams[0].pk}": "14", f"head_it_{value_streams[0].pk}": "9"})

    created, edited = entries()  # the second edit changed nothing: no entry
    assert (created.action, created.actor, created.details["channel"]) == ("wave_created", "manager", "page")
    made = {change["field"]: change for change in created.details["changes"]}
    assert made["title"] == {"field": "title", "old": None, "new": "Spring 2027"}
    assert made["languages"]["new"] == ["de", "en"]  # in order: the first is the wave's own
    assert made["head_count"] == {
        "field": "head_count", "value_stream": "Financing applications", "side": "biz", "old": None, "new": 12
    }  # fmt: skip
    assert edited.action == "wave_changed"
    assert sorted(
        (change["field"], change.get("side"), change["old"], change["new"]) for change in edited.details["changes"]
    ) == [
        ("anonymity_threshold", None, 5, 6),
        ("head_count", "biz", 12, 14),
        ("head_count", "it", None, 9),
        ("status", None, "draft", "open"),
        ("title", None, "Spring 2027", "Spring 2027, again"),
        ("value_streams", None, ["Financing applications", "Investing applications"], ["Financing applications"]),
    ]


def test_set_up_changes_in_the_admin_are_logged_with_the_head_counts(
    admin_client, organization, instrument, value_streams
):
    wave = make_wave(organization, instrument, value_streams, status=Wave.Status.DRAFT)
    HeadCount.objects.create(wave=wave, value_stream=value_streams[0], biz=3, it=4)
    change = reverse("admin:surveys_wave_change", args=[wave.pk])
    data = form_data(admin_client.get(change), "wave_form")
    data.update({"title": ["Renamed"], "head_counts-0-it": ["6"]})
    assert admin_client.post(change, data).status_code == 302

    [entry] = entries()
    assert (entry.action, entry.actor, entry.details["channel"]) == ("wave_changed", "admin", "admin")
    assert sorted((change["field"], change["old"], change["new"]) for change in entry.details["changes"]) == [
        ("head_count", 4, 6),
        ("title", "Test wave", "Renamed"),
    ]


def test_nothing_about_respondents_is_logged(wave, value_streams):
    """Answering writes no entry, and no entry holds an address."""
    invitations.send_invitations(wave, value_streams[0], "biz", ["ana@example.org", "ben@example.org"], build_url)
    logged = AuditEntry.objects.count()
    answer_with_link(link_in(mail.outbox[0]), wave)

    assert AuditEntry.objects.count() == logged
    everything = json.dumps([entry.details for entry in AuditEntry.objects.all()] + [e.actor for e in entries()])
    assert "@" not in everything
