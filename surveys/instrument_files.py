"""Instrument files: reading, validating, storing and writing questionnaires as JSON or YAML.

One format for the built-in instrument and for the instruments researchers bring::

    {"code": "vsm-oa", "version": "1.0", "title": "...",
     "scale": {"min": 1, "max": 5, "not_applicable": true,
               "labels": {"1": "Strongly disagree", "5": "Strongly agree"}},
     "dimensions": [{"code": "SV", "name": "Seek Value", "category": "skills",
       "themes": [{"code": "PCT", "name": "Product-Centric Thinking",
         "practices": ["Keep product teams stable instead of staffing projects", ...],
         "items": [{"code": "PCT1", "text": "...", "reverse": false}]}]}]}

`text`, `name`, `title`, `description`, each label and each practice may be a string or a mapping
of language codes to strings; they are stored as given, so a file exported again reads the same. What makes
a document an instrument is checked in `instrument_checks`.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction

from .instrument_checks import InstrumentFileError, validate_instrument
from .models import Dimension, InstrumentVersion, Item, Theme

BUILT_IN_INSTRUMENT = Path(__file__).resolve().parent / "instruments" / "vsm-oa-1.1.json"

# Lists and objects inside each other. The format needs 8 (document → dimensions → dimension →
# themes → theme → items → item → its texts); a file nesting far deeper is refused before anything
# walks it: parsers and code that recurse stop with a RecursionError near 1,000 levels.
MAX_NESTING = 20


class InstrumentFrozenError(Exception):
    """The instrument version already has responses and the file would change it."""


def read_instrument_file(path):
    """Parse a JSON or YAML instrument file into a validated document (a plain dict)."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InstrumentFileError([f"{path}: cannot be read ({error.strerror})."]) from error
    except UnicodeDecodeError as error:
        raise InstrumentFileError([f"{path}: is not UTF-8 text."]) from error
    return parse_instrument_text(raw, str(path), yaml_text=path.suffix.lower() in {".yaml", ".yml"})


def parse_instrument_text(raw, path, *, yaml_text):
    """Parse the text of an instrument file (YAML if `yaml_text`, else JSON) into a validated
    document; `path` names the file in the messages (a path, or the name of an uploaded file)."""
    too_deep = InstrumentFileError(
        [f"{path}: the file nests too deeply: lists and objects more than {MAX_NESTING} levels inside each other."]
    )
    if yaml_text:
        try:
            if _yaml_nesting(raw) > MAX_NESTING:
                raise too_deep
            document = yaml.safe_load(raw)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
            raise InstrumentFileError([f"{path}: not valid YAML at {where}."]) from error
    else:
        try:
            document = json.loads(raw)
        except json.JSONDecodeError as error:
            raise InstrumentFileError(
                [f"{path}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}."]
            ) from error
        except RecursionError:  # json recurses once per level: deeper than Python's limit
            raise too_deep from None
        if _json_nesting(document) > MAX_NESTING:
            raise too_deep
    validate_instrument(document)
    return document


def _yaml_nesting(raw):
    """How deep YAML text nests, from its parser's events: read only up to one level past the limit.

    Not from the loaded document: YAML's aliases let a small file name one list a billion times
    (and a list itself), which a walk over the document would follow.
    """
    depth = deepest = 0
    for event in yaml.parse(raw, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_NESTING:
                break
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return deepest


def _json_nesting(document):
    """How deep a parsed JSON document nests (a tree: JSON has no aliases), without recursing."""
    deepest, pending = 0, [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1) for child in (value.values() if isinstance(value, dict) else value))
    return deepest


def _languages_of(document):
    """The declared languages, else every language code found in the texts ('en' first)."""
    if document.get("languages"):
        return list(document["languages"])
    found = set()

    def collect(value):
        if isinstance(value, dict):
            found.update(value)

    collect(document.get("title"))
    for dimension in document["dimensions"]:
        collect(dimension["name"])
        for theme in dimension["themes"]:
            collect(theme["name"])
            for item in theme["items"]:
                collect(item["text"])
    return sorted(found, key=lambda lang: (lang != "en", lang)) or ["en"]


@dataclass
class LoadResult:
    instrument: InstrumentVersion
    outcome: str  # "created", "updated" or "unchanged"


def load_instrument(document):
    """Store a validated instrument document as its code+version; return what happened.

    A new code+version is created. An existing one is replaced while it has no responses;
    once it has responses only an identical document is accepted (nothing changes), anything
    else raises InstrumentFrozenError, because stored answers would silently change meaning.
    A document that differs only in its themes' practices updates them in place, with or without
    responses, keeping the items and the revision ("practices updated"): practices are
    suggestions for action plans and change nothing that is measured or answered.
    """
    validate_instrument(document)
    code, version = document["code"], str(document["version"])
    with transaction.atomic():
        existing = InstrumentVersion.objects.filter(code=code, version=version).first()
        if existing is not None:
            stored, given = export_instrument(existing), _normalized(document)
            if stored == given:
                return LoadResult(existing, "unchanged")
            if _without_practices(stored) == _without_practices(given):
                _update_practices(existing, given)
                return LoadResult(existing, "practices updated")
            if existing.has_responses():
                raise InstrumentFrozenError(
                    f"Instrument {code} v{version} already has responses, so it is frozen: "
                    "its texts and structure can no longer change. Give the file a new version."
                )
            existing.dimensions.all().delete()
            instrument = existing
            outcome = "updated"
        else:
            instrument = InstrumentVersion(code=code, version=version)
            outcome = "created"
        scale = document["scale"]
        instrument.title = document.get("title", {})
        instrument.languages = _languages_of(document)
        instrument.scale_min = scale["min"]
        instrument.scale_max = scale["max"]
        instrument.scale_labels = {str(key): label for key, label in scale.get("labels", {}).items()}
        instrument.allows_not_applicable = scale.get("not_applicable", True)
        instrument.save()
        _store_tree(instrument, document["dimensions"])
        instrument.renew_revision()  # the items came by bulk_create, which sends no signal
    return LoadResult(instrument, outcome)


def _store_tree(instrument, dimensions):
    themes, items = [], []
    for d, dimension_doc in enumerate(dimensions):
        dimension = Dimension.objects.create(
            instrument=instrument,
            code=dimension_doc["code"],
            name=dimension_doc["name"],
            category=dimension_doc.get("category", ""),
            order=d,
        )
        for t, theme_doc in enumerate(dimension_doc["themes"]):
            theme = Theme(
                instrument=instrument,
                dimension=dimension,
                code=theme_doc["code"],
                name=theme_doc["name"],
                description=theme_doc.get("description", {}),
                practices=theme_doc.get("practices", []),
                order=t,
            )
            themes.append(theme)
            items.extend(
                Item(
                    instrument=instrument,
                    theme=theme,
                    code=item_doc["code"],
                    text=item_doc["text"],
                    reverse=item_doc.get("reverse", False),
                    order=i,
                )
                for i, item_doc in enumerate(theme_doc["items"])
            )
    Theme.objects.bulk_create(themes)
    Item.objects.bulk_create(items)


def _normalized(document):
    """The document as export_instrument would write it, for an exact comparison."""
    return json.loads(json.dumps(_as_export_shape(document)))


def _without_practices(shape):
    """An export-shaped document without its themes' practices (a copy)."""
    shape = json.loads(json.dumps(shape))
    for dimension in shape["dimensions"]:
        for theme in dimension["themes"]:
            del theme["practices"]
    return shape


def _update_practices(instrument, shape):
    """Give the stored themes the practices of an export-shaped document of the same tree."""
    practices = {
        theme["code"]: theme["practices"] for dimension in shape["dimensions"] for theme in dimension["themes"]
    }
    themes = list(Theme.objects.filter(instrument=instrument))
    for theme in themes:
        theme.practices = practices[theme.code]
    Theme.objects.bulk_update(themes, ["practices"])


def _as_export_shape(document):
    scale = document["scale"]
    return {
        "code": document["code"],
        "version": str(document["version"]),
        "title": document.get("title", {}),
        "languages": _languages_of(document),
        "scale": {
            "min": scale["min"],
            "max": scale["max"],
            "not_applicable": scale.get("not_applicable", True),
            "labels": {str(key): label for key, label in scale.get("labels", {}).items()},
        },
        "dimensions": [
            {
                "code": dimension["code"],
                "name": dimension["name"],
                "category": dimension.get("category", ""),
                "themes": [
                    {
                        "code": theme["code"],
                        "name": theme["name"],
                        "description": theme.get("description", {}),
                        "practices": theme.get("practices", []),
                        "items": [
                            {"code": item["code"], "text": item["text"], "reverse": item.get("reverse", False)}
                            for item in theme["items"]
                        ],
                    }
                    for theme in dimension["themes"]
                ],
            }
            for dimension in document["dimensions"]
        ],
    }


def export_instrument(instrument):
    """The instrument version as a document in the file format (loads back to the same)."""
    themes = list(Theme.objects.filter(instrument=instrument).order_by("order"))
    items = list(Item.objects.filter(instrument=instrument).order_by("order"))
    stored = {
        "code": instrument.code,
        "version": instrument.version,
        "title": instrument.title,
        "languages": list(instrument.languages),
        "scale": {
            "min": instrument.scale_min,
            "max": instrument.scale_max,
            "not_applicable": instrument.allows_not_applicable,
            "labels": dict(instrument.scale_labels),
        },
        "dimensions": [
            {
                "code": dimension.code,
                "name": dimension.name,
                "category": dimension.category,
                "themes": [
                    {
                        "code": theme.code,
                        "name": theme.name,
                        "description": theme.description,
                        "practices": theme.practices,
                        "items": [
                            {"code": item.code, "text": item.text, "reverse": item.reverse}
                            for item in items
                            if item.theme_id == theme.pk
                        ],
                    }
                    for theme in themes
                    if theme.dimension_id == dimension.pk
                ],
            }
            for dimension in instrument.dimensions.order_by("order")
        ],
    }
    return _as_export_shape(stored)


def load_built_in_instrument():
    """Load the shipped "VSM operational alignment" instrument (idempotent)."""
    return load_instrument(read_instrument_file(BUILT_IN_INSTRUMENT))
