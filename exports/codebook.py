"""The codebook of an export: every variable, the instrument, the scoring rules, the privacy steps.

`variables(structure, generalization, layout)` is the one list of columns that the row builders
and every writer follow, so a file and its codebook cannot disagree. `build_codebook` turns a
plan into plain data (JSON); `codebook_markdown` renders the same data as a readable file, and
templates/exports/codebook.html as a page.
"""

from dataclasses import asdict, dataclass

from django.template.loader import render_to_string
from django.utils import translation

from surveys.models import NOT_APPLICABLE, Role, Side, TenureBand, pick_language

from .anonymize import ANY, AS_COLLECTED, TENURE_WIDE_BAND_LABELS, WIDE_BANDS
from .rows import LONG, WIDE, column_names
from .sav import VALUE_LABEL_LIMIT

CODEBOOK_VERSION = 1
SAV_MISSING_CODE = 999  # outside every scale (points lie within ±100): "not applicable" and "not given"

# kinds of variable
RESPONDENT = "respondent"
QUASI_IDENTIFIER = "quasi-identifier"
ITEM_RAW = "item, as answered"
ITEM_SCORED = "item, as scored"
THEME_SCORE = "theme score"
DIMENSION_SCORE = "dimension score"
CODE = "code"
FLAG = "flag"

# types of variable
INTEGER, NUMBER, CATEGORY = "integer", "number", "category"
# The long layout's row for a response without any answer has no item, theme or dimension.
NO_ANSWER_CATEGORY = (None, "No answer: the response answered no item")


@dataclass(frozen=True)
class Variable:
    """One column of an export file."""

    name: str
    label: str
    kind: str
    type: str
    measure: str  # SPSS measurement level: nominal, ordinal or scale
    categories: tuple = ()  # ((value, label), ...) for a category; value None is "not given"
    scale_labels: bool = False  # the instrument's scale labels apply to the values
    scale_reversed: bool = False  # … read backwards: a reverse-worded item as scored
    not_applicable: bool = False  # "not applicable" is a value of its own (raw answers)
    item: dict | None = None  # item code, text per language, theme, dimension, reverse-worded

    def sav_codes(self):
        """Value -> numeric code in a .sav file: 1, 2, … in category order; "not given" is the missing code."""
        return {
            value: (SAV_MISSING_CODE if value is None else position)
            for position, (value, _) in enumerate(self.categories, start=1)
        }


def _role_categories(generalization):
    if generalization.role == ANY:
        return ((ANY, "Any role family (generalized for anonymity)"),)
    return (*((value, str(label)) for value, label in Role.choices), (None, "Not given"))


def _tenure_categories(generalization):
    if generalization.tenure == ANY:
        return ((ANY, "Any tenure (generalized for anonymity)"),)
    if generalization.tenure == WIDE_BANDS:
        return (*TENURE_WIDE_BAND_LABELS.items(), (None, "Not given"))
    return (*((value, str(label)) for value, label in TenureBand.choices), (None, "Not given"))


def _value_stream_variable(structure, generalization):
    if generalization.value_stream == ANY:
        categories = ((ANY, "Any value stream (pooled for anonymity)"),)
        return Variable(
            "value_stream",
            "Value stream (pooled: every record reads “any”)",
            QUASI_IDENTIFIER,
            CATEGORY,
            "nominal",
            categories,
        )
    categories = tuple((name, name) for name in structure.template.value_stream_names)
    return Variable("value_stream", "Value stream", QUASI_IDENTIFIER, CATEGORY, "nominal", categories=categories)


def _side_variable(generalization):
    if generalization.side == ANY:
        categories = ((ANY, "Any side (dropped for anonymity)"),)
        return Variable(
            "side", "Side (dropped: every record reads “any”)", QUASI_IDENTIFIER, CATEGORY, "nominal", categories
        )
    categories = tuple((value, str(label)) for value, label in Side.choices)
    return Variable("side", "Side: Business or IT", QUASI_IDENTIFIER, CATEGORY, "nominal", categories=categories)


def quasi_identifier_variables(structure, generalization):
    role_note = " (generalized: every record reads “any”)" if generalization.role == ANY else ""
    tenure_note = {
        ANY: " (generalized: every record reads “any”)",
        WIDE_BANDS: " (generalized into wider bands)",
        AS_COLLECTED: "",
    }[generalization.tenure]
    return [
        _value_stream_variable(structure, generalization),
        _side_variable(generalization),
        Variable(
            "role", "Role family" + role_note, QUASI_IDENTIFIER, CATEGORY, "nominal", _role_categories(generalization)
        ),
        Variable(
            "tenure",
            "Years in the organization, as a band" + tenure_note,
            QUASI_IDENTIFIER,
            CATEGORY,
            "ordinal" if generalization.tenure != ANY else "nominal",
            _tenure_categories(generalization),
        ),
    ]


def _item_info(structure, index):
    item = structure.items[index]
    return {
        "code": item.code,
        "text": dict(item.text) if isinstance(item.text, dict) else {"en": item.text},
        "theme": item.theme.code,
        "dimension": item.theme.dimension.code,
        "reverse_worded": item.reverse,
    }


def _label(text, limit=250):
    """SPSS keeps variable labels up to 256 bytes; the codebook keeps the full text."""
    return text if len(text.encode()) <= limit else text.encode()[: limit - 3].decode(errors="ignore") + "…"


RESPONDENT_VARIABLE = Variable(
    "respondent",
    "Respondent number in this file (a fresh random order in every export; not a stored id)",
    RESPONDENT,
    INTEGER,
    "nominal",
)


def _code_variable(name, label, coded):
    """A long-layout code column: its codes with their labels, and "no answer" for an empty response's row."""
    categories = tuple((code, _label(text, VALUE_LABEL_LIMIT)) for code, text in coded)
    return Variable(name, label, CODE, CATEGORY, "nominal", (*categories, NO_ANSWER_CATEGORY))


def variables(structure, generalization, layout):
    """The columns of a file of `layout`, in order."""
    template = structure.template
    scale_sum = template.scale_min + template.scale_max
    head = [RESPONDENT_VARIABLE, *quasi_identifier_variables(structure, generalization)]
    if layout == LONG:
        return [
            *head,
            _code_variable(
                "item",
                "Item code",
                [(item.code, f"{item.code}: {pick_language(item.text, 'en')}") for item in structure.items],
            ),
            _code_variable(
                "theme",
                "Theme code of the item",
                [(theme.code, pick_language(theme.name, "en")) for theme in structure.themes],
            ),
            _code_variable(
                "dimension",
                "Dimension code of the item",
                [(dimension.code, pick_language(dimension.name, "en")) for dimension in structure.dimensions],
            ),
            Variable(
                "reverse_worded",
                "1 if the item is reverse-worded, else 0 (empty without an item)",
                FLAG,
                INTEGER,
                "nominal",
            ),
            Variable(
                "answer_raw",
                "The answer as given",
                ITEM_RAW,
                INTEGER,
                "ordinal",
                scale_labels=True,
                not_applicable=True,
            ),
            # No scale labels: the same number reads differently for a reverse-worded item.
            Variable(
                "answer_scored",
                f"The answer as scored: reverse-worded items recoded to {scale_sum} − answer",
                ITEM_SCORED,
                INTEGER,
                "ordinal",
            ),
            Variable("theme_score", "The respondent's score on the item's theme", THEME_SCORE, NUMBER, "scale"),
            Variable(
                "dimension_score", "The respondent's score on the item's dimension", DIMENSION_SCORE, NUMBER, "scale"
            ),
        ]
    if layout != WIDE:
        raise ValueError(f"unknown layout {layout!r}")
    names = column_names(template)
    result = list(head)
    for index, code in enumerate(template.item_codes):
        info = _item_info(structure, index)
        text = pick_language(info["text"], "en")
        result.append(
            Variable(
                names.item_raw[index],
                _label(f"{code} as answered: {text}"),
                ITEM_RAW,
                INTEGER,
                "ordinal",
                scale_labels=True,
                not_applicable=True,
                item=info,
            )
        )
        recoded = f" (reverse-worded: recoded to {scale_sum} − answer)" if info["reverse_worded"] else ""
        result.append(
            Variable(
                names.item_scored[index],
                _label(f"{code} as scored{recoded}: {text}"),
                ITEM_SCORED,
                INTEGER,
                "ordinal",
                scale_labels=True,
                scale_reversed=info["reverse_worded"],
                item=info,
            )
        )
    for index, code in enumerate(template.theme_codes):
        result.append(
            Variable(
                names.theme[index],
                f"Theme score {code}: {pick_language(structure.themes[index].name, 'en')}",
                THEME_SCORE,
                NUMBER,
                "scale",
            )
        )
    for index, code in enumerate(template.dimension_codes):
        result.append(
            Variable(
                names.dimension[index],
                f"Dimension score {code}: {pick_language(structure.dimensions[index].name, 'en')}",
                DIMENSION_SCORE,
                NUMBER,
                "scale",
            )
        )
    return result


SCORING_RULES = {
    "reverse_coding": "Reverse-worded items are recoded x' = min + max − x before scoring "
    "(the *_scored columns); the *_raw columns keep the answer as given.",
    "theme_score": "A respondent's theme score is the mean of the theme's answered items (as scored), "
    "if at least half of them, rounded up, are answered; otherwise it is missing.",
    "dimension_score": "A dimension score is the mean of the dimension's theme scores, if at least half of "
    "its themes, rounded up, have a score; otherwise it is missing.",
    "missing": "“Not applicable” and unanswered items are both missing for scoring.",
    "same_as_report": "The scores are computed by the same code as the assessment report and the dashboards.",
}

MISSING_VALUES = {
    "csv": f"An unanswered item is an empty cell; “not applicable” is {NOT_APPLICABLE} in the *_raw columns and empty "
    "in the *_scored columns; a missing score is empty; a role or tenure not given is empty. Text that a spreadsheet "
    "would run as a formula (starting with = + - @) is written with a leading apostrophe.",
    "json": "null for an unanswered item, a missing score, and a role or tenure not given; the string "
    f"“{NOT_APPLICABLE}” for “not applicable” in the *_raw columns (null in *_scored).",
    "sav": f"System-missing for an unanswered item and a missing score; {SAV_MISSING_CODE} for “not applicable” "
    f"(*_raw) and for a role or tenure not given, declared as user-missing and labelled. Categories are "
    "numbered 1, 2, … with value labels.",
}


def privacy_section(plan):
    anonymization = plan.anonymization
    generalization = anonymization.generalization
    k = anonymization.k
    return {
        "k": k,
        "quasi_identifiers": ["value_stream", "side", "role", "tenure"],
        "generalization": {
            "level": generalization.name,
            "chosen_by": "researcher" if plan.chosen else "automatic",
            "value_stream": generalization.value_stream,
            "side": generalization.side,
            "role": generalization.role,
            "tenure": generalization.tenure,
            "description": generalization.description,
            "same_for_every_record": True,
        },
        "records_in_wave": anonymization.records_total,
        "records_written": anonymization.records_written,
        "records_suppressed": anonymization.records_suppressed,
        "value_streams_absent": plan.value_streams_absent(),
        "guarantees": [
            f"Every combination of value stream, side, role family and tenure band in the file is shared by at "
            f"least {k} records (k-anonymity with the wave's threshold k = {k}).",
            (
                "To get there, the quasi-identifiers are generalized as the researcher chose, the same way for every "
                "record; the records still in a combination of fewer than k are then left out (suppressed)."
                if plan.chosen
                else "To get there, role and tenure are first generalized, the same way for every record, as little "
                "as possible; the records still in a combination of fewer than k are then left out (suppressed)."
            ),
            "A value stream or side with fewer than k respondents never appears; a value stream may therefore be "
            "absent from the file altogether.",
            "Records are also left out where subtracting the file from a figure the assessment report or the "
            "dashboards show would reveal fewer than k people: in every shown cell (value stream × side × measure) "
            "the left-out records are none or at least k, and so are those of the hidden cells together.",
            "Only closed waves are exported, so the file and the report describe the same respondents.",
            "Rows are in a random order, new for every export, numbered 1, 2, … in that order.",
        ],
        "not_in_any_export": [
            "invitation tokens, e-mail addresses, or anything linking a response to an invitation",
            "the day or time of a response (only the wave, whose dates are above)",
            "database ids",
            "free text: the questionnaire collects none",
        ],
    }


def build_codebook(plan):
    """The codebook of `plan` as plain data (JSON-ready), valid for every format and both layouts."""
    structure = plan.structure
    wave = structure.wave
    instrument = structure.instrument
    with translation.override("en"):
        layouts = {
            WIDE: {
                "description": "One row per response.",
                "variables": [_variable_data(v) for v in variables(structure, plan.generalization, WIDE)],
            },
            LONG: {
                "description": "One row per answer (an answer on the scale or “not applicable”; an unanswered "
                "item has no row), with the respondent's number and scores repeated. A response without any "
                "answer has one row with no item, so every combination of quasi-identifiers holds as many "
                "respondents as in the wide layout.",
                "variables": [_variable_data(v) for v in variables(structure, plan.generalization, LONG)],
            },
        }
        return {
            "codebook_version": CODEBOOK_VERSION,
            "created_on": plan.created_on.isoformat(),
            "wave": {
                "slug": wave.slug,
                "title": wave.title,
                "organization": wave.organization.name,
                "status": wave.status,
                "opened_on": wave.opens_at.date().isoformat(),
                "closed_on": wave.closes_at.date().isoformat() if wave.closes_at else None,
            },
            "instrument": {
                "code": instrument.code,
                "version": instrument.version,
                "title": pick_language(instrument.title, "en"),
                "scale": {
                    "min": instrument.scale_min,
                    "max": instrument.scale_max,
                    "labels": {str(point): instrument.scale_label(point, "en") for point in instrument.scale_points},
                    "not_applicable_offered": instrument.allows_not_applicable,
                },
                "dimensions": [
                    {
                        "code": dimension.code,
                        "name": pick_language(dimension.name, "en"),
                        "category": dimension.category,
                        "themes": [theme.code for theme in structure.themes if theme.dimension_id == dimension.pk],
                    }
                    for dimension in structure.dimensions
                ],
                "themes": [
                    {
                        "code": theme.code,
                        "name": pick_language(theme.name, "en"),
                        "dimension": theme.dimension.code,
                        "items": [item.code for item in structure.items if item.theme_id == theme.pk],
                    }
                    for theme in structure.themes
                ],
            },
            "privacy": privacy_section(plan),
            "scoring": SCORING_RULES,
            "missing_values": MISSING_VALUES,
            "layouts": layouts,
        }


def _variable_data(variable):
    data = {key: value for key, value in asdict(variable).items() if value not in ((), None, "", False)}
    if variable.categories:
        codes = variable.sav_codes()
        data["categories"] = [
            {"value": value, "label": label, "sav_code": codes[value]} for value, label in variable.categories
        ]
    return data


def codebook_markdown(codebook):
    """The codebook as a readable Markdown document (templates/exports/codebook.md), in English like its data."""
    instrument = codebook["instrument"]
    dimensions = {dimension["code"]: dimension for dimension in instrument["dimensions"]}
    themes = [
        {
            **theme,
            "dimension_name": dimensions[theme["dimension"]]["name"],
            "category": dimensions[theme["dimension"]]["category"],
        }
        for theme in instrument["themes"]
    ]
    layouts = [
        {
            "name": name,
            "description": layout["description"],
            "variables": layout["variables"],
            # Each item once, though its raw and scored columns both describe it.
            "items": list({v["item"]["code"]: v["item"] for v in layout["variables"] if v.get("item")}.values()),
        }
        for name, layout in codebook["layouts"].items()
    ]
    return render_to_string(
        "exports/codebook.md",
        {
            "codebook": codebook,
            "wave": codebook["wave"],
            "instrument": instrument,
            "privacy": codebook["privacy"],
            "themes": themes,
            "layouts": layouts,
            "not_applicable": NOT_APPLICABLE,
        },
    )
