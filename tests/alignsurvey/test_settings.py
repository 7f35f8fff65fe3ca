"""The settings from the environment: read strictly, and every variable listed in one table."""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from alignsurvey import settings as project_settings
from alignsurvey.settings import ENVIRONMENT, env, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parent.parent.parent
SETTINGS_FILE = ROOT / "alignsurvey" / "settings.py"
READERS = {"env", "env_bool", "env_int", "env_list"}


@pytest.mark.parametrize("value", ["1", "true", "True", "TRUE", "yes", "on", " On "])
def test_a_yes_turns_a_setting_on(monkeypatch, value):
    monkeypatch.setenv("SECURE_SSL_REDIRECT", value)
    assert env_bool("SECURE_SSL_REDIRECT", default=False) is True


@pytest.mark.parametrize("value", ["0", "false", "False", "no", "OFF", " off "])
def test_a_no_turns_a_setting_off(monkeypatch, value):
    monkeypatch.setenv("SECURE_SSL_REDIRECT", value)
    assert env_bool("SECURE_SSL_REDIRECT", default=True) is False


@pytest.mark.parametrize("default", [True, False])
def test_an_unset_switch_keeps_its_default(monkeypatch, default):
    monkeypatch.delenv("SECURE_SSL_REDIRECT", raising=False)
    assert env_bool("SECURE_SSL_REDIRECT", default=default) is default


@pytest.mark.parametrize("value", ["flase", "ture", "", " ", "2", "enabled", "disable", "y", "n", "-1", "0n"])
def test_a_value_that_is_neither_yes_nor_no_is_refused_naming_the_variable_and_the_words(monkeypatch, value):
    monkeypatch.setenv("SECURE_SSL_REDIRECT", value)

    with pytest.raises(ImproperlyConfigured) as refused:
        env_bool("SECURE_SSL_REDIRECT", default=True)

    message = str(refused.value)
    assert "SECURE_SSL_REDIRECT" in message
    assert all(word in message for word in ("1, true, yes, on", "0, false, no, off"))


def test_a_typo_in_a_security_setting_stops_the_site_from_starting():
    """Not a production site without HTTPS redirects: no site at all, and a message that says why."""
    environment = {key: value for key, value in os.environ.items() if key not in ENVIRONMENT}
    environment.update(
        DJANGO_SETTINGS_MODULE="alignsurvey.settings", SECRET_KEY="a-production-key", SECURE_SSL_REDIRECT="flase"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )

    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT='flase' is neither on nor off" in result.stderr


@pytest.mark.parametrize("value, number", [("0", 0), ("2", 2), (" 31536000 ", 31_536_000)])
def test_a_number_is_read_as_a_whole_number(monkeypatch, value, number):
    monkeypatch.setenv("PROXY_COUNT", value)
    assert env_int("PROXY_COUNT", 0) == number


@pytest.mark.parametrize("value", ["", "one", "-1", "1.5", "1e3", "²"])
def test_a_number_that_is_not_a_whole_number_of_0_or_more_is_refused(monkeypatch, value):
    monkeypatch.setenv("PROXY_COUNT", value)
    with pytest.raises(ImproperlyConfigured, match="PROXY_COUNT"):
        env_int("PROXY_COUNT", 0)


def test_a_list_drops_blanks(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " survey.example.org, ,localhost ,")
    assert env_list("ALLOWED_HOSTS") == ["survey.example.org", "localhost"]


def test_a_variable_missing_from_the_table_cannot_be_read():
    with pytest.raises(ImproperlyConfigured, match="ENVIRONMENT does not list"):
        env("DJANGO_SOMETHING_NEW")


def _variables_read_in_settings():
    """The names that the settings pass to env, env_bool, env_int and env_list; and the lines outside
    `env` that touch os.environ (there must be none)."""
    tree = ast.parse(SETTINGS_FILE.read_text())
    helpers = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in READERS]
    inside = {helper.name: {id(node) for node in ast.walk(helper)} for helper in helpers}
    in_helpers = set().union(*inside.values())
    names, elsewhere = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "environb", "getenv"):
            if id(node) not in inside["env"]:
                elsewhere.append(node.lineno)
        if id(node) in in_helpers:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in READERS:
            first = node.args[0]
            assert isinstance(first, ast.Constant), f"line {node.lineno}: read a variable by its literal name"
            names.add(first.value)
    return names, elsewhere


def test_every_environment_variable_the_settings_read_is_in_the_table_and_every_listed_one_is_read():
    names, elsewhere = _variables_read_in_settings()

    assert not elsewhere, f"os.environ read outside env() on lines {elsewhere}"
    assert names == set(ENVIRONMENT)
    assert all(isinstance(meaning, str) and meaning for meaning in ENVIRONMENT.values())


def test_the_settings_module_is_the_one_that_was_checked():
    assert Path(project_settings.__file__).resolve() == SETTINGS_FILE
