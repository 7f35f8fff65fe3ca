"""Importing real files: the organization found without --organization, roles by label, a role map."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from surveys.models import Organization, Response, Wave
from surveys.response_import import DEFAULT_ORGANIZATION_NAME, ImportRefused, import_responses, read_role_map
from tests.surveys.test_response_import import csv_text

ANSWERS = "1,2,3,4,5,1,1,1,2"


def row(role, side="biz", stream="Financing"):
    return f"{stream},{side},{role},,{ANSWERS}"


def run(instrument, text, **options):
    options.setdefault("survey", "pilot")
    return import_responses(text, instrument=instrument, **options)


# --- the organization ---------------------------------------------------------------------


def test_the_only_organization_is_used_when_none_is_named(instrument):
    only = Organization.objects.create(name="Only Bank")
    run(instrument, csv_text(row("")))
    assert Wave.objects.get(slug="pilot").organization == only
    assert Organization.objects.count() == 1


def test_without_any_organization_one_is_created_with_the_default_name(instrument):
    run(instrument, csv_text(row("")))
    assert Wave.objects.get(slug="pilot").organization.name == DEFAULT_ORGANIZATION_NAME


def test_a_named_organization_is_created_even_when_another_exists(instrument):
    Organization.objects.create(name="Only Bank")
    run(instrument, csv_text(row("")), organization_name="New Bank")
    assert Wave.objects.get(slug="pilot").organization.name == "New Bank"


def test_several_organizations_and_none_named_is_refused_listing_them(instrument):
    Organization.objects.create(name="Beta Bank")
    Organization.objects.create(name="Alpha Bank")
    with pytest.raises(ImportRefused) as refused:
        run(instrument, csv_text(row("")))
    assert refused.value.errors == [
        'There is no survey "pilot" yet and there are several organizations; '
        'give --organization with one of: "Alpha Bank", "Beta Bank".'
    ]
    assert not Wave.objects.exists() and not Response.objects.exists()


def test_an_existing_wave_needs_no_organization_even_among_several(instrument, wave):
    Organization.objects.create(name="Other Bank")
    run(instrument, csv_text(row("")), survey=wave.slug)
    assert Response.objects.get().wave == wave


def test_command_without_organization_uses_the_only_one(instrument, tmp_path, capsys):
    Organization.objects.create(name="Only Bank")
    path = tmp_path / "answers.csv"
    path.write_text(csv_text(row("po_sm")))
    call_command("import_responses", str(path), survey="pilot", instrument="test-oa")
    assert "(Only Bank," in capsys.readouterr().out


# --- roles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("team_member", "team_member"),
        ("TEAM_MEMBER", "team_member"),
        ("Product owner or scrum master", "po_sm"),
        ("product OWNER or Scrum Master", "po_sm"),
        ("  Project   leader ", "project_lead"),
        ("Projektleitung", "project_lead"),
        ('"Teammitglied (Entwicklung, Analyse, Betrieb)"', "team_member"),  # quoted: it holds commas
        ("Direction ou responsable d’unité", "executive"),
        ("direction ou responsable d'unité", "executive"),  # a plain apostrophe, as typed
        ("Autre", "other"),
        ("andere", "other"),
        ("", ""),
    ],
)
def test_role_accepts_codes_and_labels_in_every_language_in_any_case(instrument, written, code):
    run(instrument, csv_text(row(written)))
    assert Response.objects.get().role == code


def test_unknown_roles_are_reported_once_each_with_their_count_and_lines(instrument):
    # "developer" is the same unknown value as "Developer": roles are compared in any case.
    rows = [row("Developer")] * 7 + [row("CEO"), row("developer")] + [row("po_sm")]
    with pytest.raises(ImportRefused) as refused:
        run(instrument, csv_text(*rows))
    errors = refused.value.errors
    assert errors[0].startswith('line 2: role "Developer" is unknown (8 rows: lines 2, 3, 4, 5, 6 and 3 more);')
    assert errors[1].startswith('line 9: role "CEO" is unknown (1 row: line 9);')
    assert "--role-map" in errors[0]
    assert len(errors) == 2 and refused.value.total == 2
    assert not Response.objects.exists() and not Wave.objects.exists()


def test_unknown_role_errors_keep_line_order_among_other_errors(instrument):
    rows = [row("Developer"), row("", side="maybe"), row("Developer")]
    with pytest.raises(ImportRefused) as refused:
        run(instrument, csv_text(*rows))
    assert [error.split(":")[0] for error in refused.value.errors] == ["line 2", "line 3"]


def test_a_csv_role_map_maps_other_labels(instrument, tmp_path):
    path = tmp_path / "roles.csv"
    path.write_text("label,code\nDeveloper,team_member\nHead of IT;executive\n".replace(";", ","))
    role_map = read_role_map(path)
    assert role_map == {"Developer": "team_member", "Head of IT": "executive"}
    run(instrument, csv_text(row("developer"), row("HEAD OF IT", side="it"), row("Projektleitung")), role_map=role_map)
    assert sorted(Response.objects.values_list("role", flat=True)) == ["executive", "project_lead", "team_member"]


def test_a_yaml_role_map_maps_labels_and_may_leave_the_role_empty(instrument, tmp_path):
    path = tmp_path / "roles.yaml"
    path.write_text('Developer: team_member\n"n/a":\nOther: executive\n')
    role_map = read_role_map(path)
    run(instrument, csv_text(row("Developer"), row("N/A"), row("other")), role_map=role_map)
    # The map wins over a built-in label written the same ("Other").
    assert sorted(Response.objects.values_list("role", flat=True)) == ["", "executive", "team_member"]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("roles.csv", "Developer,coder\n", 'roles.csv, line 1: "coder" is not a role family code'),
        ("roles.csv", "label,code\nDeveloper\n", "roles.csv, line 2: has 1 fields; a role map has two"),
        ("roles.csv", "Dev,team_member\ndev,executive\n", 'roles.csv, line 2: "dev" is mapped twice, differently.'),
        ("roles.yaml", "Developer: [team_member]\n", 'roles.yaml, "Developer": "[\'team_member\']" is not a role'),
        ("roles.yaml", "- Developer\n", "roles.yaml: a role map in YAML is one mapping of label: code."),
        ("roles.yaml", "Developer: : x\n", "roles.yaml, line 1: not valid YAML."),
        ("roles.txt", "Developer,team_member\n", "roles.txt must be a .csv or a .yaml (.yml) file."),
    ],
)
def test_a_bad_role_map_is_refused_naming_the_place(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ImportRefused) as refused:
        read_role_map(path)
    assert any(expected in error for error in refused.value.errors), refused.value.errors


def test_command_with_a_role_map(instrument, tmp_path):
    roles = tmp_path / "roles.yml"
    roles.write_text("Developer: team_member\n")
    path = tmp_path / "answers.csv"
    path.write_text(csv_text(row("Developer"), row("Entwickler")))
    with pytest.raises(CommandError) as error:
        call_command("import_responses", str(path), survey="pilot", instrument="test-oa", role_map=str(roles))
    assert 'line 3: role "Entwickler" is unknown (1 row: line 3)' in str(error.value)
    assert not Response.objects.exists()
    roles.write_text("Developer: team_member\nEntwickler: team_member\n")
    call_command("import_responses", str(path), survey="pilot", instrument="test-oa", role_map=str(roles))
    assert list(Response.objects.values_list("role", flat=True)) == ["team_member", "team_member"]


def test_command_with_an_unreadable_role_map_stores_nothing(instrument, tmp_path):
    path = tmp_path / "answers.csv"
    path.write_text(csv_text(row("po_sm")))
    with pytest.raises(CommandError, match="Cannot read the role map"):
        call_command(
            "import_responses", str(path), survey="pilot", instrument="test-oa", role_map=str(tmp_path / "none.csv")
        )
    assert not Response.objects.exists()
