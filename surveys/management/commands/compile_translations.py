"""Compile the translation catalogues (locale/*/LC_MESSAGES/*.po → .mo) with polib, no GNU gettext needed.

`make run`, `make serve` and `make test` run it first, so a fresh machine without msgfmt serves
every language. A catalogue is compiled only when its .po is newer than its .mo. A fuzzy or
untranslated entry, a header still marked fuzzy (as makemessages leaves a new one), or a
placeholder the original does not have refuses the whole run and names each problem: a page
would otherwise show English in the middle of German, or fail on the placeholder.
"""

import os
import re
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# %(name)s in Python-format messages, which {% blocktranslate %} and gettext with names produce.
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfir]")


class CatalogueError(Exception):
    """Catalogues that must not be compiled; `problems` names each entry by file and line."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def catalogue_problems(po_path):
    """Every reason not to compile the .po at `po_path`, one line each ("file:line: …")."""
    catalogue = polib.pofile(str(po_path))
    problems = []
    if catalogue.metadata_is_fuzzy:
        problems.append(f"{po_path}: the header is marked fuzzy; fill in Language and Plural-Forms, then unmark it.")
    for entry in catalogue.fuzzy_entries():
        problems.append(f"{po_path}:{entry.linenum}: fuzzy: {entry.msgid!r}")
    for entry in catalogue.untranslated_entries():
        problems.append(f"{po_path}:{entry.linenum}: not translated: {entry.msgid!r}")
    for entry in catalogue.translated_entries():
        if "python-format" not in entry.flags:
            continue
        known = set(PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            unknown = sorted(set(PLACEHOLDER.findall(translation)) - known)
            if unknown:
                problems.append(f"{po_path}:{entry.linenum}: unknown placeholder {unknown} in {translation!r}")
    return problems


def catalogues(locale_paths):
    """The .po files of the locale directories, in a stable order."""
    return sorted(po for path in locale_paths for po in Path(path).glob("*/LC_MESSAGES/*.po"))


def compile_translations(locale_paths):
    """Compile each catalogue under `locale_paths` whose .po is newer than its .mo; return those compiled.

    Every catalogue is checked first; if any has a problem, CatalogueError lists them all and
    nothing is written. Each .mo is written beside its .po through a temporary file, so a
    running server never reads half a catalogue.
    """
    found = catalogues(locale_paths)
    problems = [problem for po in found for problem in catalogue_problems(po)]
    if problems:
        raise CatalogueError(problems)
    compiled = []
    for po in found:
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        partial = mo.with_name(f".{mo.name}.partial")
        polib.pofile(str(po)).save_as_mofile(str(partial))
        os.replace(partial, mo)
        compiled.append(po)
    return compiled


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) of LOCALE_PATHS when a .po changed; refuse fuzzy entries."

    def add_arguments(self, parser):
        parser.add_argument(
            "--locale-dir",
            action="append",
            dest="locale_dirs",
            help="A directory with <language>/LC_MESSAGES/*.po (repeatable). Default: settings.LOCALE_PATHS.",
        )

    def handle(self, locale_dirs=None, **options):
        locale_paths = locale_dirs or settings.LOCALE_PATHS
        if not catalogues(locale_paths):
            raise CommandError(f"No catalogues (<language>/LC_MESSAGES/*.po) in {', '.join(map(str, locale_paths))}.")
        try:
            compiled = compile_translations(locale_paths)
        except CatalogueError as error:
            raise CommandError(
                "Translations not compiled; nothing was written.\n" + "\n".join(f"  - {p}" for p in error.problems)
            ) from error
        for po in compiled:
            self.stdout.write(f"Compiled {po}")
        if not compiled:
            self.stdout.write("Translations are up to date.")
