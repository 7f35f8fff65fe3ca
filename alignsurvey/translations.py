"""Compiling the translation catalogues (locale/*/LC_MESSAGES/*.po → .mo) with polib, no GNU gettext needed.

The `compile_translations` command calls these; `make run`, `make serve` and `make test` run it
first, so a fresh machine without msgfmt serves every language. A catalogue is compiled only
when its .po is newer than its .mo. A fuzzy or untranslated entry, a header still marked fuzzy
(as makemessages leaves a new one), or a placeholder the original does not have refuses the
whole run and names each problem: a page would otherwise show English in the middle of German,
or fail on the placeholder.
"""

import os
import re
from pathlib import Path

import polib

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
