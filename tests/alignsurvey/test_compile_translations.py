"""`manage.py compile_translations`: the catalogues compiled with polib, refused whole when one entry is not ready."""

import gettext
import io
import os
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from alignsurvey.translations import catalogue_problems, catalogues


def test_the_shipped_catalogues_are_complete():
    found = catalogues(settings.LOCALE_PATHS)

    assert {po.parent.parent.name for po in found} == {"de", "fr"}
    assert [problem for po in found for problem in catalogue_problems(po)] == []


@pytest.fixture
def locale_copy(tmp_path):
    """The project's catalogues (.po only) in a directory of their own."""
    for po in catalogues(settings.LOCALE_PATHS):
        target = tmp_path / po.relative_to(Path(settings.LOCALE_PATHS[0]))
        target.parent.mkdir(parents=True)
        shutil.copy(po, target)
    return tmp_path


def test_compile_translations_builds_the_mo_files(locale_copy):
    out = io.StringIO()

    call_command("compile_translations", locale_dirs=[str(locale_copy)], stdout=out)

    with open(locale_copy / "de/LC_MESSAGES/django.mo", "rb") as german_mo:
        german = gettext.GNUTranslations(german_mo)
    with open(locale_copy / "fr/LC_MESSAGES/django.mo", "rb") as french_mo:
        french = gettext.GNUTranslations(french_mo)
    assert german.gettext("Submit my answers") == "Meine Antworten absenden"
    assert french.gettext("Submit my answers") == "Envoyer mes réponses"
    assert french.ngettext("%(counter)s statement still needs an answer. Your other answers are kept.", "", 2) == (
        "%(counter)s affirmations attendent encore une réponse. Vos autres réponses sont conservées."
    )
    assert out.getvalue().count("Compiled") == 2


def test_compile_translations_compiles_only_a_changed_catalogue(locale_copy):
    call_command("compile_translations", locale_dirs=[str(locale_copy)], stdout=io.StringIO())
    german_mo = locale_copy / "de/LC_MESSAGES/django.mo"
    built = german_mo.stat().st_mtime_ns
    french_po = locale_copy / "fr/LC_MESSAGES/django.po"
    later = german_mo.stat().st_mtime + 10
    os.utime(french_po, (later, later))
    out = io.StringIO()

    call_command("compile_translations", locale_dirs=[str(locale_copy)], stdout=out)

    assert german_mo.stat().st_mtime_ns == built
    assert out.getvalue().strip() == f"Compiled {french_po}"


@pytest.mark.parametrize("problem", ["fuzzy", "untranslated"])
def test_compile_translations_refuses_a_fuzzy_or_untranslated_entry(locale_copy, problem):
    po_path = locale_copy / "de/LC_MESSAGES/django.po"
    catalogue = polib.pofile(str(po_path))
    entry = catalogue.find("Submit my answers")
    if problem == "fuzzy":
        entry.flags.append("fuzzy")
    else:
        entry.msgstr = ""
    catalogue.save()

    with pytest.raises(CommandError) as refused:
        call_command("compile_translations", locale_dirs=[str(locale_copy)], stdout=io.StringIO())

    assert "Submit my answers" in str(refused.value)
    assert f"{po_path}:" in str(refused.value)
    assert not list(locale_copy.glob("*/LC_MESSAGES/*.mo"))  # nothing written, not even the French one


def test_compile_translations_refuses_an_unknown_placeholder(locale_copy):
    po_path = locale_copy / "fr/LC_MESSAGES/django.po"
    catalogue = polib.pofile(str(po_path))
    catalogue.find("Step %(step)s of %(total)s").msgstr = "Étape %(etape)s sur %(total)s"
    catalogue.save()

    with pytest.raises(CommandError, match=r"unknown placeholder \['etape'\]"):
        call_command("compile_translations", locale_dirs=[str(locale_copy)], stdout=io.StringIO())


def test_compile_translations_refuses_a_header_left_fuzzy(locale_copy):
    po_path = locale_copy / "de/LC_MESSAGES/django.po"
    catalogue = polib.pofile(str(po_path))
    catalogue.metadata_is_fuzzy = True
    catalogue.save()

    with pytest.raises(CommandError, match="header is marked fuzzy"):
        call_command("compile_translations", locale_dirs=[str(locale_copy)], stdout=io.StringIO())
