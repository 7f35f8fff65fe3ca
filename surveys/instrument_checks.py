"""Whether a document is an instrument: every rule of the file format (instrument_files), each
problem named by its place (`dimensions[0].themes[1].code`), all of them at once, so a
researcher fixes a file in one go."""

from dataclasses import dataclass

from .models import ACTION_TEXT_MAX_LENGTH, MAX_SCALE_POINTS, MIN_SCALE_POINTS, SCALE_VALUE_LIMIT, Category


class InstrumentFileError(Exception):
    """An instrument file that cannot be loaded; `errors` lists each problem with its place."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


TEXT_RULE = "must be a non-empty string or a mapping of language codes to non-empty strings."


def is_text(value):
    """A text of the format: a non-empty string, or a mapping of language codes to such strings."""
    if isinstance(value, str):
        return bool(value.strip())
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(lang, str) and isinstance(text, str) and text.strip() for lang, text in value.items())
    )


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
        if not is_text(value):
            self.fail(f"{place}.{key}", TEXT_RULE)

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
            _validate_practices(theme, theme_place, check)
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


def _validate_practices(theme, place, check):
    """The optional `practices`: a list, each a text (a string or a mapping of languages to strings)
    no longer than an action, since a change manager adds a practice as an action in one click."""
    if "practices" not in theme:
        return
    practices = theme["practices"]
    if not isinstance(practices, list):
        check.fail(
            f"{place}.practices",
            "must be a list of practices (each a string or a mapping of language codes to strings).",
        )
        return
    for p, practice in enumerate(practices):
        if not is_text(practice):
            check.fail(f"{place}.practices[{p}]", TEXT_RULE)
        elif any(len(text) > ACTION_TEXT_MAX_LENGTH for text in _texts(practice)):
            check.fail(
                f"{place}.practices[{p}]", f"must be at most {ACTION_TEXT_MAX_LENGTH} characters in every language."
            )


def _texts(text):
    return list(text.values()) if isinstance(text, dict) else [text]


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
