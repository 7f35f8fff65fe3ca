"""Instruments brought in the app: who sees which, uploading a file, the preview's pages and the
comparison of two versions. Plain functions; the pages are in exports/instrument_views.py.

Who sees an instrument (`InstrumentVersion.organizations`): an instrument that lists no
organization is seen by every organization — the built-in one, a file loaded with
`manage.py load_instrument`, a file an administrator uploaded. A file a researcher uploads is seen
by the organizations where they are a researcher, and only there: its researchers find it on the
Instruments page, its change managers in the wave set-up. A researcher may replace a version
(same code and version, no responses yet) only when every organization that sees it is one of
theirs; anything else needs a new version, so nobody changes what another organization asks.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext

from accounts.access import RESEARCHER, is_administrator, organizations_for

from . import audit
from .instrument_checks import InstrumentFileError
from .instrument_files import export_instrument, load_instrument, parse_instrument_text
from .models import AuditEntry, InstrumentVersion, pick_language

# An instrument file is a few dozen kilobytes (the built-in one: 20 kB); a megabyte is plenty.
MAX_UPLOAD_BYTES = 1_000_000
UPLOAD_EXTENSIONS = (".json", ".yaml", ".yml")

_Shown = InstrumentVersion.organizations.through


class UploadRefused(Exception):
    """The file is a valid instrument, but this person may not store it (a message for the page)."""


def _shown_everywhere():
    return ~Exists(_Shown.objects.filter(instrumentversion_id=OuterRef("pk")))


def _shown_to(organizations):
    return Exists(_Shown.objects.filter(instrumentversion_id=OuterRef("pk"), organization__in=organizations))


def instruments_for_user(user):
    """The instrument versions `user` sees on the Instruments page: every one for an administrator,
    else those shown everywhere and those shown to an organization where they are a researcher."""
    if is_administrator(user):
        return InstrumentVersion.objects.all()
    organizations = organizations_for(user, RESEARCHER)
    return InstrumentVersion.objects.filter(_shown_everywhere() | _shown_to(organizations))


def instruments_for_organization(organization):
    """The instrument versions a wave of `organization` may ask (the wave set-up offers these)."""
    return InstrumentVersion.objects.filter(_shown_everywhere() | _shown_to([organization]))


def read_upload(name, data):
    """The validated document of an uploaded file (`data`: its bytes); InstrumentFileError else."""
    if not name.lower().endswith(UPLOAD_EXTENSIONS):
        raise InstrumentFileError([f"{name}: must be a .json, .yaml or .yml file."])
    if len(data) > MAX_UPLOAD_BYTES:
        raise InstrumentFileError([f"{name}: is larger than {MAX_UPLOAD_BYTES // 1000} kB."])
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InstrumentFileError([f"{name}: is not UTF-8 text."]) from error
    return parse_instrument_text(raw, name, yaml_text=not name.lower().endswith(".json"))


def upload_instrument(document, user, file_name):
    """Store a validated document for `user`; return the LoadResult. Raises UploadRefused when the
    code and version belong to others, InstrumentFrozenError when that version has responses.

    A new version is shown to the uploader's organizations (a researcher) or to all (an
    administrator). Every upload is in the audit log, once per organization that sees it (one
    entry without an organization for an instrument shown everywhere).
    """
    code, version = document["code"], str(document["version"])
    administrator = is_administrator(user)
    own = list(organizations_for(user, RESEARCHER)) if not administrator else []
    with transaction.atomic():
        existing = InstrumentVersion.objects.filter(code=code, version=version).first()
        if existing is not None and not administrator:
            shown = set(existing.organizations.values_list("pk", flat=True))
            if not shown or not shown <= {organization.pk for organization in own}:
                raise UploadRefused(
                    gettext(
                        "Instrument %(code)s v%(version)s exists already and others use it; "
                        "give your file a new version."
                    )
                    % {"code": code, "version": version}
                )
        result = load_instrument(document)
        instrument = result.instrument
        if result.outcome == "created":
            instrument.uploaded_by = user
            instrument.save(update_fields=["uploaded_by"])
            if own:
                instrument.organizations.set(own)
        details = {
            "code": code,
            "version": version,
            "outcome": result.outcome,
            "file": file_name,
            "items": instrument.items.count(),
        }
        for organization in list(instrument.organizations.all()) or [None]:
            audit.record(AuditEntry.Action.INSTRUMENT_UPLOADED, organization=organization, user=user, **details)
    return result


def _version_key(version):
    """Versions in their natural order: "1.10" after "1.9", numbers before words."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"[.\-_]", version)]


def previous_version(instrument, candidates):
    """The version of the same code just before `instrument` among `candidates` (instrument
    versions: a queryset or a list), or None."""
    earlier = [
        other
        for other in candidates
        if other.code == instrument.code and _version_key(other.version) < _version_key(instrument.version)
    ]
    return max(earlier, key=lambda other: _version_key(other.version), default=None)


# --- the preview ---------------------------------------------------------------------------


@dataclass
class PreviewWave:
    """What the respondent's page template reads of a wave, for an instrument without one."""

    localized_title: str


def preview_progress(pages, number):
    """The progress line as a respondent sees it on theme page `number` with nothing answered yet
    (the steps: about you, the theme pages, the review — as surveys.views counts them)."""
    total = len(pages) + 2
    step = number + 1
    return {
        "step": step,
        "total": total,
        "percent": round(100 * step / total),
        "answered": 0,
        "questions": sum(len(page.items) for page in pages),
    }


# --- the comparison ------------------------------------------------------------------------


def _texts(value, languages):
    """A text of the file format as {language: text}: a plain string reads the same in every language."""
    if isinstance(value, dict):
        return dict(value)
    return dict.fromkeys(languages, value)


def _text_changes(old, new, old_languages, new_languages):
    """[(language, old text, new text)] for each language whose text differs (None: missing)."""
    old, new = _texts(old, old_languages), _texts(new, new_languages)
    return [
        (language, old.get(language), new.get(language))
        for language in sorted(set(old) | set(new), key=lambda code: (code != "en", code))
        if old.get(language) != new.get(language)
    ]


@dataclass
class Comparison:
    """What changed from `old` to `new` (two export-shaped documents), each list in the new order."""

    old: dict
    new: dict
    items_added: list = field(default_factory=list)  # (code, theme code, text)
    items_removed: list = field(default_factory=list)  # (code, theme code, text)
    items_reworded: list = field(default_factory=list)  # (code, [(language, old, new)])
    items_moved: list = field(default_factory=list)  # (code, old theme code, new theme code)
    items_reversed: list = field(default_factory=list)  # (code, now reverse-worded)
    themes_added: list = field(default_factory=list)  # (code, name)
    themes_removed: list = field(default_factory=list)  # (code, name)
    themes_renamed: list = field(default_factory=list)  # (code, [(language, old, new)])
    themes_moved: list = field(default_factory=list)  # (code, old dimension code, new dimension code)
    dimensions_added: list = field(default_factory=list)  # (code, name)
    dimensions_removed: list = field(default_factory=list)  # (code, name)
    dimensions_renamed: list = field(default_factory=list)  # (code, [(language, old, new)])
    practices_changed: list = field(default_factory=list)  # (theme code, added texts, removed texts)
    scale_changed: bool = False
    languages_added: list = field(default_factory=list)
    languages_removed: list = field(default_factory=list)

    @property
    def unchanged(self):
        return not any(getattr(self, name) for name in self.__dataclass_fields__ if name not in ("old", "new"))


def _tree(document):
    """{dimension code: dimension}, {theme code: (theme, dimension code)}, {item code: (item, theme code)}."""
    dimensions, themes, items = {}, {}, {}
    for dimension in document["dimensions"]:
        dimensions[dimension["code"]] = dimension
        for theme in dimension["themes"]:
            themes[theme["code"]] = (theme, dimension["code"])
            for item in theme["items"]:
                items[item["code"]] = (item, theme["code"])
    return dimensions, themes, items


def compare_documents(old, new, language=None):
    """The Comparison of two export-shaped documents; names and texts listed in `language`."""
    result = Comparison(old=old, new=new)
    old_languages, new_languages = old["languages"], new["languages"]
    old_dimensions, old_themes, old_items = _tree(old)
    new_dimensions, new_themes, new_items = _tree(new)

    def changes(before, after):
        return _text_changes(before, after, old_languages, new_languages)

    for code, dimension in new_dimensions.items():
        if code not in old_dimensions:
            result.dimensions_added.append((code, pick_language(dimension["name"], language)))
        elif renamed := changes(old_dimensions[code]["name"], dimension["name"]):
            result.dimensions_renamed.append((code, renamed))
    result.dimensions_removed = [
        (code, pick_language(dimension["name"], language))
        for code, dimension in old_dimensions.items()
        if code not in new_dimensions
    ]
    for code, (theme, dimension_code) in new_themes.items():
        if code not in old_themes:
            result.themes_added.append((code, pick_language(theme["name"], language)))
            continue
        old_theme, old_dimension_code = old_themes[code]
        if renamed := changes(old_theme["name"], theme["name"]):
            result.themes_renamed.append((code, renamed))
        if old_dimension_code != dimension_code:
            result.themes_moved.append((code, old_dimension_code, dimension_code))
        old_practices = [pick_language(p, language) for p in old_theme["practices"]]
        new_practices = [pick_language(p, language) for p in theme["practices"]]
        if old_theme["practices"] != theme["practices"]:
            result.practices_changed.append(
                (
                    code,
                    [p for p in new_practices if p not in old_practices],
                    [p for p in old_practices if p not in new_practices],
                )
            )
    result.themes_removed = [
        (code, pick_language(theme["name"], language))
        for code, (theme, _dimension) in old_themes.items()
        if code not in new_themes
    ]
    for code, (item, theme_code) in new_items.items():
        if code not in old_items:
            result.items_added.append((code, theme_code, pick_language(item["text"], language)))
            continue
        old_item, old_theme_code = old_items[code]
        if reworded := changes(old_item["text"], item["text"]):
            result.items_reworded.append((code, reworded))
        if old_theme_code != theme_code:
            result.items_moved.append((code, old_theme_code, theme_code))
        if old_item["reverse"] != item["reverse"]:
            result.items_reversed.append((code, item["reverse"]))
    result.items_removed = [
        (code, theme_code, pick_language(item["text"], language))
        for code, (item, theme_code) in old_items.items()
        if code not in new_items
    ]
    result.scale_changed = old["scale"] != new["scale"]
    result.languages_added = [code for code in new_languages if code not in old_languages]
    result.languages_removed = [code for code in old_languages if code not in new_languages]
    return result


def compare_instruments(old, new, language=None):
    """The Comparison of two stored instrument versions (as their files would read)."""
    return compare_documents(export_instrument(old), export_instrument(new), language)
