"""Instrument files: reading, validating, storing and writing questionnaires as JSON or YAML.

One format for the built-in instrument and for the instruments researchers bring::

    {"code": "vsm-oa", "version": "1.0", "title": "...",
     "scale": {"min": 1, "max": 5, "not_applicable": true,
               "labels": {"1": "Strongly disagree", "5": "Strongly agree"}},
     "dimensions": [{"code": "SV", "name": "Seek Value", "category": "skills",
       "themes": [{"code": "PCT", "name": "Product-Centric Thinking",
         "items": [{"code": "PCT1", "text": "...", "reverse": false}]}]}]}

`text`, `name`, `title`, `description` and each label may be a string or a mapping of language
codes to strings; they are stored as given, so a file exported again reads the same.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction

from .models import (
    MAX_SCALE_POINTS,
    MIN_SCALE_POINTS,
    SCALE_VALUE_LIMIT,
    Category,
    Dimension,
    InstrumentVersion,
    Item,
    Theme,
)

BUILT_IN_INSTRUMENT = Path(__file__).resolve().parent / "instruments" / "vsm-oa-1.1.json"

# Lists and objects inside each other. The format needs 8 (document → dimensions → dimension →
# themes → theme → items → item → its texts); a file nesting far deeper is refused before anything
# walks it: parsers and code that recurse stop with a RecursionError near 1,000 levels.
MAX_NESTING = 20


class InstrumentFileError(Exception):
    """An instrument file that cannot be loaded; `errors` lists each problem with its place."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


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
    too_deep = InstrumentFileError(
        [f"{path}: the file nests too deeply: lists and objects more than {MAX_NESTING} levels inside each other."]
    )
    if path.suffix.lower() in {".yaml", ".yml"}:
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


@dataclass
class _Checker:
    """Collects every problem of a document, each named by its place (`dimensions[0].code`)."""

    errors: list

    def fail(self, place, message):
        self.errors.append(f"{place}: {message}")

    def mapping(self, value, place):
        if not isinstance(value, dict):
            self.fail(place, "must be an object.")
            return False
        return True

    def required(self, node, key, place):
        if key not in node:
            self.fail(place, f'missing key "{key}".')
            return False
        return True

    def code(self, node, place):
        if not self.required(node, "code", place):
            return None
        value = node["code"]
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{place}.code", "must be a non-empty string.")
            return None
        return value

    def text(self, node, key, place, required=True):
        if key not in node:
            if required:
                self.fail(place, f'missing key "{key}".')
            return
        value = node[key]
        if not required and value in ("", {}):
            return  # an optional text left empty, as export_instrument writes it
        if isinstance(value, str) and value.strip():
            return
        if (
            isinstance(value, dict)
            and value
            and all(isinstance(lang, str) and isinstance(text, str) and text.strip() for lang, text in value.items())
        ):
            return
        self.fail(
            f"{place}.{key}",
            "must be a non-empty string or a mapping of language codes to non-empty strings.",
        )

    def non_empty_list(self, node, key, place):
        if not self.required(node, key, place):
            return []
        value = node[key]
        if not isinstance(value, list) or not value:
            self.fail(f"{place}.{key}", "must be a non-empty list.")
            return []
        return value


def validate_instrument(document):
    """Raise InstrumentFileError listing every problem of `document`; return None if valid."""
    check = _Checker(errors=[])
    if not check.mapping(document, "document"):
        raise InstrumentFileError(check.errors)

    check.code(document, "document")
    if check.required(document, "version", "document"):
        if not isinstance(document["version"], (str, int, float)) or not str(document["version"]).strip():
            check.fail("version", "must be a non-empty string.")
    check.text(document, "title", "document", required=False)
    languages = document.get("languages", [])
    if not isinstance(languages, list) or not all(isinstance(lang, str) for lang in languages):
        check.fail("languages", "must be a list of language codes.")
    _validate_scale(document, check)

    dimension_codes, theme_places, item_places = {}, {}, {}
    for d, dimension in enumerate(check.non_empty_list(document, "dimensions", "document")):
        place = f"dimensions[{d}]"
        if not check.mapping(dimension, place):
            continue
        _remember_code(check, check.code(dimension, place), place, dimension_codes, "dimension")
        check.text(dimension, "name", place)
        category = dimension.get("category")
        if category not in (None, "") and category not in Category.values:
            check.fail(f"{place}.category", f"must be one of {', '.join(Category.values)}.")
        for t, theme in enumerate(check.non_empty_list(dimension, "themes", place)):
            theme_place = f"{place}.themes[{t}]"
            if not check.mapping(theme, theme_place):
                continue
            _remember_code(check, check.code(theme, theme_place), theme_place, theme_places, "theme")
            check.text(theme, "name", theme_place)
            check.text(theme, "description", theme_place, required=False)
            for i, item in enumerate(check.non_empty_list(theme, "items", theme_place)):
                item_place = f"{theme_place}.items[{i}]"
                if not check.mapping(item, item_place):
                    continue
                _remember_code(check, check.code(item, item_place), item_place, item_places, "item")
                check.text(item, "text", item_place)
                if not isinstance(item.get("reverse", False), bool):
                    check.fail(f"{item_place}.reverse", "must be true or false.")
    if check.errors:
        raise InstrumentFileError(check.errors)


def _remember_code(check, code, place, seen, kind):
    if code is None:
        return
    if code in seen:
        check.fail(f"{place}.code", f'{kind} code "{code}" is already used at {seen[code]}.')
    else:
        seen[code] = place


def _validate_scale(document, check):
    if not check.required(document, "scale", "document") or not check.mapping(document["scale"], "scale"):
        return
    scale = document["scale"]
    ends = {}
    for end in ("min", "max"):
        if check.required(scale, end, "scale"):
            value = scale[end]
            if isinstance(value, bool) or not isinstance(value, int):
                check.fail(f"scale.{end}", "must be a whole number.")
            elif abs(value) > SCALE_VALUE_LIMIT:
                check.fail(f"scale.{end}", f"must lie between -{SCALE_VALUE_LIMIT} and {SCALE_VALUE_LIMIT}.")
            else:
                ends[end] = value
    if len(ends) == 2:
        low, high = ends["min"], ends["max"]
        if low >= high:
            check.fail("scale", f"min ({low}) must be smaller than max ({high}).")
        elif not MIN_SCALE_POINTS <= high - low + 1 <= MAX_SCALE_POINTS:
            check.fail("scale", f"must have {MIN_SCALE_POINTS} to {MAX_SCALE_POINTS} points, not {high - low + 1}.")
    if not isinstance(scale.get("not_applicable", True), bool):
        check.fail("scale.not_applicable", "must be true or false.")
    labels = scale.get("labels", {})
    if not check.mapping(labels, "scale.labels"):
        return
    for key in labels:
        place = f"scale.labels.{key}"
        try:
            point = int(key)
        except (TypeError, ValueError):
            check.fail(place, "label keys must be scale points (whole numbers).")
            continue
        if len(ends) == 2 and not ends["min"] <= point <= ends["max"]:
            check.fail(place, f"{point} is not a point of the scale {ends['min']}–{ends['max']}.")
        check.text(labels, key, "scale.labels")


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
    """
    validate_instrument(document)
    code, version = document["code"], str(document["version"])
    with transaction.atomic():
        existing = InstrumentVersion.objects.filter(code=code, version=version).first()
        if existing is not None:
            if export_instrument(existing) == _normalized(document):
                return LoadResult(existing, "unchanged")
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
