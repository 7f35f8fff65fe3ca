"""Action plans: focus themes and actions of a value stream, who may change them, what the audit
log keeps of each change, and where the plan shows (value stream, organization, radiator)."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import Membership
from dashboards import action_plans
from dashboards.changes import wave_changes
from dashboards.models import Action, FocusTheme, RadiatorLink
from dashboards.templatetags.figures import p_value, signed
from surveys.models import AuditEntry, Organization, Theme, ValueStream
from surveys.releases import newest_release

from .conftest import ORGANIZATION, import_previous_wave, wave_rows

PRACTICES = [
    {"en": "Keep product teams stable", "de": "Produktteams stabil halten", "fr": "Garder des équipes produit stables"},
    {"en": "Invite IT to idea workshops", "de": "Die IT zu Ideenworkshops einladen", "fr": "Inviter l’IT aux ateliers"},
]


def stream(name):
    return ValueStream.objects.get(organization__name=ORGANIZATION, name=name)


@pytest.fixture
def wave(dash_wave):
    Theme.objects.filter(instrument=dash_wave.instrument, code="PCT").update(practices=PRACTICES)
    return dash_wave


@pytest.fixture
def manager(wave, client):
    user = get_user_model().objects.create_user("manager")
    Membership.objects.create(user=user, organization=wave.organization, role=Membership.Role.CHANGE_MANAGER)
    client.force_login(user)
    return client


def stream_page(wave, name="Alpha"):
    return reverse("dashboards:value_stream", args=[wave.slug, stream(name).pk])


def url(name, wave, stream_name="Alpha"):
    return reverse(f"dashboards:{name}", args=[wave.slug, stream(stream_name).pk])


def plan_entries():
    """The audit log's entries about action plans (the wave's import wrote others)."""
    return list(AuditEntry.objects.filter(action__in=["focus_themes", "actions"]))


def entries(action):
    return list(AuditEntry.objects.filter(action=action).order_by("pk").values_list("details", flat=True))


# --- focus themes ----------------------------------------------------------------------


def test_marking_a_focus_theme_shows_its_suggested_practices_and_logs_it(manager, wave):
    page = manager.get(stream_page(wave)).content.decode()
    assert "Keep product teams stable" not in page

    response = manager.post(url("set_focus", wave), {"theme": "PCT", "marked": "1"})

    assert response.status_code == 302 and response["Location"] == stream_page(wave) + "#action-plan"
    assert list(FocusTheme.objects.values_list("value_stream__name", "theme_code")) == [("Alpha", "PCT")]
    page = manager.get(stream_page(wave)).content.decode()
    assert "Keep product teams stable" in page and "Invite IT to idea workshops" in page
    assert entries("focus_themes") == [{"value_stream": "Alpha", "theme": "PCT", "marked": True}]
    entry = AuditEntry.objects.get(action="focus_themes")
    assert (entry.organization, entry.wave, entry.actor) == (wave.organization, wave, "manager")


def test_marking_twice_keeps_one_focus_theme_and_unmarking_removes_it(manager, wave):
    manager.post(url("set_focus", wave), {"theme": "PCT", "marked": "1"})
    manager.post(url("set_focus", wave), {"theme": "PCT", "marked": "1"})
    assert FocusTheme.objects.count() == 1

    manager.post(url("set_focus", wave), {"theme": "PCT", "marked": "0"})

    assert not FocusTheme.objects.exists()
    assert [entry["marked"] for entry in entries("focus_themes")] == [True, False]


def test_a_theme_that_is_not_the_instruments_is_refused(manager, wave):
    assert manager.post(url("set_focus", wave), {"theme": "NOPE", "marked": "1"}).status_code == 400
    assert not FocusTheme.objects.exists() and not plan_entries()


def test_suggested_practices_are_shown_in_the_viewers_language(manager, wave):
    manager.post(url("set_focus", wave), {"theme": "PCT", "marked": "1"})

    page = manager.get(stream_page(wave), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Garder des équipes produit stables" in page and "Keep product teams stable" not in page


# --- actions ---------------------------------------------------------------------------


def test_a_suggested_practice_becomes_a_planned_action_in_one_click_in_the_viewers_language(manager, wave):
    manager.post(url("set_focus", wave), {"theme": "PCT", "marked": "1"})

    response = manager.post(url("add_practice", wave), {"theme": "PCT", "practice": "1"}, HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.what, action.theme_code, action.status, action.value_stream.name, action.wave) == (
        "Die IT zu Ideenworkshops einladen",
        "PCT",
        "planned",
        "Alpha",
        wave,
    )
    assert entries("actions")[0]["operation"] == "added"
    page = manager.get(stream_page(wave), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "auf dem Plan" in page  # the suggestion says it is taken instead of offering it again


@pytest.mark.parametrize("practice", ["2", "-1", "x", ""])
def test_a_practice_that_does_not_exist_is_refused(manager, wave, practice):
    assert manager.post(url("add_practice", wave), {"theme": "PCT", "practice": practice}).status_code == 400
    assert not Action.objects.exists()


def test_an_action_is_added_changed_and_removed_with_one_audit_entry_each(manager, wave):
    manager.post(
        url("add_action", wave),
        {
            "action-what": "Joint planning day",
            "action-theme_code": "DH",
            "action-owner": "Ana (PO)",
            "action-due_on": "2027-03-01",
            "action-status": "planned",
        },
    )
    action = Action.objects.get()
    assert (action.what, action.theme_code, action.owner, action.due_on) == (
        "Joint planning day",
        "DH",
        "Ana (PO)",
        datetime.date(2027, 3, 1),
    )

    response = manager.post(
        reverse("dashboards:change_action", args=[action.pk]),
        {
            f"action-{action.pk}-what": "Joint planning day",
            f"action-{action.pk}-theme_code": "DH",
            f"action-{action.pk}-owner": "Ana (PO)",
            f"action-{action.pk}-due_on": "2027-03-01",
            f"action-{action.pk}-status": "in_progress",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "in_progress"

    manager.post(reverse("dashboards:remove_action", args=[action.pk]))

    assert not Action.objects.exists()
    logged = entries("actions")
    assert [entry["operation"] for entry in logged] == ["added", "changed", "removed"]
    assert logged[1]["changes"] == [{"field": "status", "old": "planned", "new": "in_progress"}]
    assert logged[2]["what"] == "Joint planning day"
    assert all(entry["value_stream"] == "Alpha" for entry in logged)


def test_saving_an_unchanged_action_writes_no_audit_entry(manager, wave):
    action = Action.objects.create(wave=wave, value_stream=stream("Alpha"), what="Board walk")
    prefix = f"action-{action.pk}"
    manager.post(
        reverse("dashboards:change_action", args=[action.pk]),
        {
            f"{prefix}-what": "Board walk",
            f"{prefix}-theme_code": "",
            f"{prefix}-owner": "",
            f"{prefix}-due_on": "",
            f"{prefix}-status": "planned",
        },
    )
    assert not plan_entries()


BAD = [
    ("no-what", {"action-what": "", "action-status": "planned"}, "This field is required."),
    (
        "bad-date",
        {"action-what": "Board walk", "action-due_on": "next friday", "action-status": "planned"},
        "Enter a valid date.",
    ),
    ("bad-status", {"action-what": "Board walk", "action-status": "forgotten"}, "Select a valid choice."),
    (
        "bad-theme",
        {"action-what": "Board walk", "action-theme_code": "NOPE", "action-status": "planned"},
        "Select a valid choice.",
    ),
    ("too-long", {"action-what": "x" * 301, "action-status": "planned"}, "at most 300 characters"),
]


@pytest.mark.parametrize("data, message", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_a_bad_action_is_shown_again_with_what_was_typed_and_what_is_wrong(manager, wave, data, message):
    data = {"action-owner": "Ana typed this", **data}

    response = manager.post(url("add_action", wave), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'value="Ana typed this"' in page
    assert not Action.objects.exists() and not plan_entries()


def test_a_bad_change_keeps_the_action_as_it_was_and_shows_what_was_typed(manager, wave):
    action = Action.objects.create(wave=wave, value_stream=stream("Alpha"), what="Board walk", owner="Ana")
    prefix = f"action-{action.pk}"

    response = manager.post(
        reverse("dashboards:change_action", args=[action.pk]),
        {
            f"{prefix}-what": "Board walk",
            f"{prefix}-owner": "Bo",
            f"{prefix}-due_on": "31.02.2027",
            f"{prefix}-status": "done",
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid date." in page and 'value="Bo"' in page and 'value="31.02.2027"' in page
    action.refresh_from_db()
    assert (action.owner, action.status) == ("Ana", "planned")


def test_the_edit_link_opens_the_actions_form_filled_in(manager, wave):
    action = Action.objects.create(wave=wave, value_stream=stream("Alpha"), what="Board walk", owner="Ana")

    page = manager.get(stream_page(wave) + f"?edit={action.pk}").content.decode()

    assert reverse("dashboards:change_action", args=[action.pk]) in page
    assert f'name="action-{action.pk}-owner" value="Ana"' in page


# --- who may ---------------------------------------------------------------------------


@pytest.fixture
def outsider(client, wave):
    other = Organization.objects.create(name="Other Bank")
    user = get_user_model().objects.create_user("outsider")
    Membership.objects.create(user=user, organization=other, role=Membership.Role.CHANGE_MANAGER)
    client.force_login(user)
    return client


def requests(wave, action):
    prefix = f"action-{action.pk}"
    return [
        (url("set_focus", wave), {"theme": "PCT", "marked": "1"}),
        (url("add_action", wave), {"action-what": "Sneaky", "action-status": "planned"}),
        (url("add_practice", wave), {"theme": "PCT", "practice": "0"}),
        (
            reverse("dashboards:change_action", args=[action.pk]),
            {f"{prefix}-what": "Sneaky", f"{prefix}-status": "done"},
        ),
        (reverse("dashboards:remove_action", args=[action.pk]), {}),
    ]


def test_a_change_manager_of_another_organization_gets_not_found_and_changes_nothing(outsider, wave):
    action = Action.objects.create(wave=wave, value_stream=stream("Alpha"), what="Board walk")

    for target, data in requests(wave, action):
        assert outsider.post(target, data).status_code == 404, target

    assert list(Action.objects.values_list("what", "status")) == [("Board walk", "planned")]
    assert not FocusTheme.objects.exists() and not plan_entries()


def test_a_researcher_of_the_organization_and_a_visitor_change_nothing(client, wave):
    action = Action.objects.create(wave=wave, value_stream=stream("Alpha"), what="Board walk")
    for target, data in requests(wave, action):
        response = client.post(target, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    researcher = get_user_model().objects.create_user("researcher")
    Membership.objects.create(user=researcher, organization=wave.organization, role=Membership.Role.RESEARCHER)
    client.force_login(researcher)
    for target, data in requests(wave, action):
        assert client.post(target, data).status_code in (302, 403, 404), target
    assert Action.objects.get().what == "Board walk" and not FocusTheme.objects.exists()


def test_a_value_stream_of_another_organization_is_not_found(manager, wave):
    elsewhere = ValueStream.objects.create(organization=Organization.objects.create(name="Other"), name="Alpha")
    target = reverse("dashboards:set_focus", args=[wave.slug, elsewhere.pk])
    assert manager.post(target, {"theme": "PCT", "marked": "1"}).status_code == 404


def test_the_plan_pages_take_only_posts(manager, wave):
    assert manager.get(url("set_focus", wave)).status_code == 405


# --- where the plan shows --------------------------------------------------------------


@pytest.fixture
def planned(wave):
    alpha = stream("Alpha")
    FocusTheme.objects.create(wave=wave, value_stream=alpha, theme_code="PCT")
    Action.objects.create(wave=wave, value_stream=alpha, what="Board walk", owner="Ana", status="in_progress")
    Action.objects.create(wave=wave, value_stream=alpha, what="Old idea", status="dropped")
    Action.objects.create(wave=wave, value_stream=alpha, what="Finished thing", status="done")
    return wave


def test_the_organization_page_sums_up_focus_themes_and_open_actions_per_value_stream(manager, planned):
    page = manager.get(reverse("dashboards:organization", args=[planned.slug])).content.decode()
    summary = page[page.index('id="action-plans"') :]
    summary = summary[: summary.index("</section>")]

    assert "Alpha" in summary and "Product-Centric Thinking" in summary and "Board walk" in summary
    assert "Old idea" not in summary and "Finished thing" not in summary
    assert "Beta" not in summary  # nothing planned there


def test_the_radiator_shows_focus_themes_and_open_actions_read_only(client, planned):
    link, token = RadiatorLink.create(stream("Alpha"), None)

    page = client.get(reverse("dashboards:radiator", args=[token])).content.decode()

    assert "Product-Centric Thinking" in page and "Board walk" in page and "Ana" in page
    assert "Old idea" not in page and "Finished thing" not in page
    assert "<form" not in page.split('id="radiator-plan-heading"')[1].split("</section>")[0]


def test_the_radiator_of_another_value_stream_shows_nothing_of_this_plan(client, planned):
    link, token = RadiatorLink.create(stream("Beta"), None)

    page = client.get(reverse("dashboards:radiator", args=[token])).content.decode()

    assert "Board walk" not in page and "radiator-plan-heading" not in page


def test_plans_of_many_value_streams_cost_a_fixed_number_of_queries(planned, django_assert_max_num_queries):
    streams = list(ValueStream.objects.filter(organization=planned.organization))
    with django_assert_max_num_queries(3):
        plans = action_plans.stream_plans(planned, streams, "en")
    assert [len(plan.open_actions) for plan in plans] == [1, 0, 0]


# --- the next wave ---------------------------------------------------------------------


@pytest.fixture
def before(wave, instrument):
    """The dashboard wave's previous wave, where Beta's and Tiny's change managers marked focus themes.
    Tiny's IT side is shown there (6 people) but hidden in the dashboard wave (2)."""
    previous = import_previous_wave(instrument, wave_rows(small_it=6))
    for name, code in (("Beta", "PCT"), ("Beta", "DH"), ("Tiny", "PCT")):
        FocusTheme.objects.create(wave=previous, value_stream=stream(name), theme_code=code)
    return previous


def focus_change_table(page):
    start = page.index('id="focus-changes-heading"')
    return page[start : page.index("</table>", start)]


def test_the_next_waves_page_shows_the_gap_change_of_each_focus_theme_with_its_test(manager, wave, before):
    changes = wave_changes(wave, newest_release(wave))
    pct, dh = (changes.gap_change("Beta", code) for code in ("PCT", "DH"))
    assert pct.shown and dh.shown

    table = focus_change_table(manager.get(stream_page(wave, "Beta")).content.decode())

    assert "Spring survey" in table
    assert "Product-Centric Thinking" in table and "Digital Harmony" in table
    assert "Structured Priority Staging" not in table  # not a focus theme
    for change in (pct, dh):
        for value in (signed(change.previous), signed(change.current), signed(change.difference)):
            assert value in table
        assert p_value(change.p_holm) in table


def test_a_focus_themes_change_that_needs_a_hidden_group_shows_no_figure(manager, wave, before):
    assert not wave_changes(wave, newest_release(wave)).gap_change("Tiny", "PCT").shown

    table = focus_change_table(manager.get(stream_page(wave, "Tiny")).content.decode())

    assert "hidden" in table
    assert not re.search(r"\d", re.sub(r"<[^>]*>", "", table.split("<tbody>")[1]))


def test_without_focus_themes_on_the_previous_wave_the_page_shows_no_change_section(manager, wave, before):
    assert 'id="focus-changes-heading"' not in manager.get(stream_page(wave, "Alpha")).content.decode()
    assert 'id="focus-changes-heading"' not in manager.get(stream_page(before, "Beta")).content.decode()


def test_the_radiator_keeps_showing_the_newest_plan_until_a_later_wave_has_one(client, wave, before):
    _, token = RadiatorLink.create(stream("Beta"), None)
    radiator = reverse("dashboards:radiator", args=[token])

    page = client.get(radiator).content.decode()  # the dashboard wave's figures, the plan of the wave before
    assert wave.title in page and "Action plan made on Spring survey" in page
    assert "Product-Centric Thinking" in page.split('id="radiator-plan-heading"')[1]

    Action.objects.create(wave=wave, value_stream=stream("Beta"), what="Shared board", status="planned")
    page = client.get(radiator).content.decode()
    plan = page.split('id="radiator-plan-heading"')[1]
    assert "Shared board" in plan and "Action plan made on" not in page
    assert "Product-Centric Thinking" not in plan  # the later plan has no focus theme yet
