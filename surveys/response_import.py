"""Importing responses collected elsewhere from a CSV file: all or nothing, errors by line.

Columns: `value_stream`, `side` (biz/it, any case), optional `role` and `tenure_years`, then
one column per item code of the instrument. An empty item cell is "not answered", `NA` is
"not applicable". Tenure is stored as a band, never as the exact number of years.

A role is a role family's code or its label in any of the interface languages, in any case;
a role map (`read_role_map`: CSV or YAML of label → code) adds other labels. An unknown role
is reported once per distinct value, with how many rows have it and on which lines.
"""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from . import bulk
from .bulk import ResponseRows, store_responses
from .closing import close_wave
from .models import MIN_ANONYMITY_THRESHOLD, NOT_APPLICABLE, Organization, Role, Side, TenureBand, ValueStream, Wave

BACKGROUND_COLUMNS = ["value_stream", "side", "role", "tenure_years"]
REQUIRED_COLUMNS = ["value_stream", "side"]
MAX_REPORTED_ERRORS = 50
DEFAULT_ORGANIZATION_NAME = "Organization"  # when none exists and none is named; renamed in the admin
LINES_SHOWN = 5  # lines listed for an unknown role before "and N more"


class ImportRefused(Exception):
    """The file was refused and nothing stored; `errors` holds the messages, each with its line."""

    def __init__(self, errors, total=None):
        self.errors = list(errors)
        self.total = total if total is not None else len(self.errors)
        super().__init__("\n".join(self.errors))


@dataclass
class ParsedResponses:
    value_stream_names: list
    sides: np.ndarray
    roles: np.ndarray
    tenure_bands: np.ndarray
    values: np.ndarray  # responses × items: scale values, bulk.NOT_ANSWERED or bulk.NOT_APPLICABLE
    errors: list = field(default_factory=list)
    error_total: int = 0


class _Errors:
    """Counts every error and keeps the first MAX_REPORTED_ERRORS by line number.

    Rows are checked in two passes (background columns, then item cells), so errors arrive
    out of line order; a bounded list sorted now and then keeps memory small on a bad file.
    """

    def __init__(self):
        self._kept, self.total = [], 0

    def add(self, line, message):
        self.total += 1
        self._kept.append((line, self.total, f"line {line}: {message}"))
        if len(self._kept) > 20 * MAX_REPORTED_ERRORS:
            self._kept = sorted(self._kept)[:MAX_REPORTED_ERRORS]

    @property
    def messages(self):
        return [message for _, _, message in sorted(self._kept)[:MAX_REPORTED_ERRORS]]


def _dialect(sample):
    # Spreadsheets in much of Europe write ';' between fields.
    first_line = sample.splitlines()[0] if sample else ""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def parse_response_csv(text, instrument, progress=None, role_map=None):
    """Read and check every row of `text` against `instrument`; never touches the database.

    `role_map` ({label: role code or ""}, see `read_role_map`) adds labels to those `role_labels`
    knows. Returns ParsedResponses whose `errors` list what is wrong (empty when the file is good).
    """
    errors = _Errors()
    reader = csv.reader(io.StringIO(text), delimiter=_dialect(text[:4096]))
    header = next(reader, None)
    if not header:
        raise ImportRefused(["line 1: the file is empty; a header row is needed."])
    header = [name.strip() for name in header]
    item_codes = list(instrument.ordered_items().values_list("code", flat=True))
    _check_header(header, item_codes, errors)
    if errors.total:
        raise ImportRefused(errors.messages, errors.total)

    position = {name: index for index, name in enumerate(header)}
    item_positions = [position[code] for code in item_codes]
    allowed = {str(point): point for point in instrument.scale_points}
    allowed[""] = bulk.NOT_ANSWERED
    if instrument.allows_not_applicable:
        allowed[NOT_APPLICABLE] = bulk.NOT_APPLICABLE
    roles = role_labels(role_map)
    unknown_roles = defaultdict(list)  # an unknown role as compared → its lines
    written_roles = {}  # … → the role as first written

    value_streams, sides, role_values, tenure_bands, lines, item_cells = [], [], [], [], [], []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank lines at the end of a file are not responses
        if len(row) != len(header):
            errors.add(line, f"has {len(row)} fields, the header has {len(header)}.")
            continue
        value_stream = row[position["value_stream"]].strip()
        if not value_stream:
            errors.add(line, "value_stream is empty.")
        side = row[position["side"]].strip().lower()
        if side not in Side.values:
            errors.add(line, f'side "{row[position["side"]]}" is not biz or it.')
        written_role = row[position["role"]].strip() if "role" in position else ""
        role = _label_key(written_role)
        if role and role not in roles:
            unknown_roles[role].append(line)
            written_roles.setdefault(role, written_role)
        tenure_band = ""
        if "tenure_years" in position and row[position["tenure_years"]].strip():
            tenure_band = _tenure_band(row[position["tenure_years"]], line, errors)
        value_streams.append(value_stream)
        sides.append(side)
        role_values.append(roles.get(role, ""))
        tenure_bands.append(tenure_band)
        lines.append(line)
        item_cells.append([row[p] for p in item_positions])
        if progress:
            progress(1)

    for role, role_lines in unknown_roles.items():
        errors.add(role_lines[0], _unknown_role(written_roles[role], role_lines))
    values = _item_values(item_cells, item_codes, lines, allowed, instrument, errors)
    return ParsedResponses(
        value_stream_names=value_streams,
        sides=np.array(sides, dtype=object),
        roles=np.array(role_values, dtype=object),
        tenure_bands=np.array(tenure_bands, dtype=object),
        values=values,
        errors=errors.messages,
        error_total=errors.total,
    )


def _label_key(label):
    """How role labels are compared: case-insensitive, spaces trimmed and collapsed, ’ as '."""
    return " ".join(label.split()).casefold().replace("\u2019", "'")


def role_labels(role_map=None):
    """{compared label: role code} of every role value an import accepts.

    The role families' codes and their labels in each interface language (English, German,
    French), then the labels of `role_map` ({label: code or ""}, "" = no role), which win over
    a built-in label that is written the same.
    """
    labels = {}
    for language, _ in settings.LANGUAGES:
        with translation.override(language):
            labels.update({_label_key(str(label)): code for code, label in Role.choices})
    labels.update({_label_key(code): code for code in Role.values})
    labels.update({_label_key(label): code for label, code in (role_map or {}).items()})
    return labels


def _unknown_role(written, lines):
    shown = ", ".join(str(line) for line in lines[:LINES_SHOWN])
    more = f" and {len(lines) - LINES_SHOWN} more" if len(lines) > LINES_SHOWN else ""
    rows = "1 row" if len(lines) == 1 else f"{len(lines)} rows"
    return (
        f'role "{written}" is unknown ({rows}: line{"s" if len(lines) > 1 else ""} {shown}{more}); use a role '
        f"family's code ({', '.join(Role.values)}) or its label in English, German or French, map it with "
        "--role-map, or leave it empty."
    )


def read_role_map(path):
    """The role map in `path`: {label: role code, or "" for no role}; refused with every problem.

    A `.csv` file has two columns, label and code (comma or semicolon separated; a first row
    `label,code` is a header); a `.yaml`/`.yml` file is one mapping of label: code. Labels are
    compared as the import compares roles (any case); each code must be a role family's code
    or empty.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ImportRefused([f"Cannot read the role map {path}: {error.strerror}."]) from error
    except UnicodeDecodeError as error:
        raise ImportRefused([f"The role map {path} is not UTF-8 text."]) from error
    suffix = path.suffix.lower()
    if suffix == ".csv":
        entries = _role_map_csv(text, path)
    elif suffix in (".yaml", ".yml"):
        entries = _role_map_yaml(text, path)
    else:
        raise ImportRefused([f"The role map {path} must be a .csv or a .yaml (.yml) file."])
    problems, mapping, seen = [], {}, {}
    for where, label, code in entries:
        code = "" if code is None else str(code).strip()
        label = str(label).strip()
        if not label:
            problems.append(f"{path}, {where}: the label is empty.")
            continue
        if code and code not in Role.values:
            problems.append(
                f'{path}, {where}: "{code}" is not a role family code; use one of {", ".join(Role.values)}, '
                "or leave it empty for no role."
            )
        key = _label_key(label)
        if key in seen and mapping.get(seen[key]) != code:
            problems.append(f'{path}, {where}: "{label}" is mapped twice, differently.')
        seen[key] = label
        mapping[label] = code
    if problems:
        raise ImportRefused(problems)
    return mapping


def _role_map_csv(text, path):
    rows = csv.reader(io.StringIO(text), delimiter=_dialect(text[:4096]))
    entries = []
    for row in rows:
        where = f"line {rows.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if rows.line_num == 1 and [cell.strip().lower() for cell in row] == ["label", "code"]:
            continue
        if len(row) != 2:
            raise ImportRefused([f"{path}, {where}: has {len(row)} fields; a role map has two, label and code."])
        entries.append((where, row[0], row[1]))
    return entries


def _role_map_yaml(text, path):
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "the file"
        raise ImportRefused([f"{path}, {where}: not valid YAML."]) from error
    if not isinstance(document, dict):
        raise ImportRefused([f"{path}: a role map in YAML is one mapping of label: code."])
    return [(f'"{label}"', label, code) for label, code in document.items()]


def _check_header(header, item_codes, errors):
    known = set(BACKGROUND_COLUMNS) | set(item_codes)
    seen = set()
    for name in header:
        if name in seen:
            errors.add(1, f'column "{name}" appears twice.')
        seen.add(name)
        if name not in known:
            errors.add(1, f'unknown column "{name}" (not an item of this instrument nor a background column).')
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            errors.add(1, f'the required column "{name}" is missing.')
    missing_items = [code for code in item_codes if code not in seen]
    if missing_items:
        errors.add(1, f"item columns missing: {', '.join(missing_items)}.")


def _tenure_band(raw, line, errors):
    try:
        years = float(raw.strip().replace(",", "."))
    except ValueError:
        errors.add(line, f'tenure_years "{raw}" is not a number.')
        return ""
    if not 0 <= years < 80:
        errors.add(line, f"tenure_years {raw} is not between 0 and 80.")
        return ""
    return TenureBand.for_years(years).value


def _item_values(item_cells, item_codes, lines, allowed, instrument, errors):
    """Map the item cells to codes with one lookup per cell; describe each bad cell."""
    if not item_cells:
        return np.empty((0, len(item_codes)), dtype=np.int16)
    cells = np.array(item_cells, dtype=object)
    lookup = np.frompyfunc(lambda cell: allowed.get(cell, allowed.get(cell.strip().upper())), 1, 1)
    mapped = lookup(cells)
    bad_rows, bad_columns = np.nonzero(mapped == None)  # noqa: E711 - elementwise on an object array
    scale = f"{instrument.scale_min}–{instrument.scale_max}"
    for r, c in zip(bad_rows.tolist(), bad_columns.tolist(), strict=True):
        cell = cells[r, c].strip()
        if cell.upper() == NOT_APPLICABLE:
            message = f'{item_codes[c]}: "{NOT_APPLICABLE}" but this instrument has no "not applicable".'
        elif cell.lstrip("-").isdigit():
            message = f"{item_codes[c]}: {cell} is off the scale {scale}."
        else:
            message = (
                f'{item_codes[c]}: "{cell}" is not a whole number on the scale {scale}, {NOT_APPLICABLE} or empty.'
            )
        errors.add(lines[r], message)
    mapped[mapped == None] = bulk.NOT_ANSWERED  # noqa: E711 - refused anyway; keeps the array numeric
    return mapped.astype(np.int16)


@dataclass
class ImportResult:
    wave: Wave
    created_wave: bool
    responses: int
    created_value_streams: list


def import_responses(
    text,
    *,
    survey,
    instrument,
    organization_name=None,
    threshold=None,
    role_map=None,
    parse_progress=None,
    store_progress=None,
):
    """Import the CSV `text` into the wave `survey` (created if missing, closed); all or nothing.

    A new wave belongs to the organization named, created when missing; without a name, to the
    only organization, or to a new one named `DEFAULT_ORGANIZATION_NAME` when there is none;
    with several and none named the import is refused, listing them. `role_map` is
    `read_role_map`'s.

    A closed wave is released at once (its final release). A wave whose results are final takes
    no more responses: the difference between two final results would single people out.
    """
    wave = Wave.objects.filter(slug=survey).select_related("organization", "instrument").first()
    problems = []
    if wave is not None:
        if wave.instrument_id != instrument.pk:
            problems.append(f'The survey "{survey}" uses instrument {wave.instrument}, not {instrument}.')
        if organization_name and organization_name != wave.organization.name:
            problems.append(f'The survey "{survey}" belongs to {wave.organization.name}, not {organization_name}.')
        if wave.is_final():
            problems.append(
                f'The survey "{survey}" is closed and its results are released: they are final. '
                "Import the file into a new survey."
            )
    elif not organization_name:
        names = list(Organization.objects.order_by("name").values_list("name", flat=True)[:21])
        if len(names) == 1:
            organization_name = names[0]
        elif not names:
            organization_name = DEFAULT_ORGANIZATION_NAME
        else:
            listed = ", ".join(f'"{name}"' for name in names[:20]) + (", …" if len(names) > 20 else "")
            problems.append(
                f'There is no survey "{survey}" yet and there are several organizations; '
                f"give --organization with one of: {listed}."
            )
    if threshold is not None and threshold < MIN_ANONYMITY_THRESHOLD:
        problems.append(f"The anonymity threshold must be at least {MIN_ANONYMITY_THRESHOLD}, not {threshold}.")
    if problems:
        raise ImportRefused(problems)

    parsed = parse_response_csv(text, instrument, progress=parse_progress, role_map=role_map)
    if parsed.error_total:
        raise ImportRefused(parsed.errors, parsed.error_total)
    if not parsed.value_stream_names:
        raise ImportRefused(["The file has a header but no responses."])

    with transaction.atomic():
        created_wave = wave is None
        if created_wave:
            organization, _ = Organization.objects.get_or_create(name=organization_name)
            wave = Wave.objects.create(
                slug=survey,
                title=survey,
                organization=organization,
                instrument=instrument,
                status=Wave.Status.CLOSED,
                **({"anonymity_threshold": threshold} if threshold is not None else {}),
            )
        elif threshold is not None and threshold != wave.anonymity_threshold:
            wave.anonymity_threshold = threshold
            wave.save(update_fields=["anonymity_threshold"])
        streams, created_streams = _value_streams(wave, parsed.value_stream_names)
        rows = ResponseRows(
            value_stream_ids=np.array([streams[name].pk for name in parsed.value_stream_names]),
            sides=parsed.sides,
            roles=parsed.roles,
            tenure_bands=parsed.tenure_bands,
            submitted_on=np.full(len(parsed.sides), timezone.localdate(), dtype=object),
        )
        item_ids = list(instrument.ordered_items().values_list("pk", flat=True))
        count = store_responses(wave, rows, item_ids, parsed.values, progress=store_progress)
        if wave.status == Wave.Status.CLOSED:
            # A closed wave is released at once, so `assess` and the dashboards read it as they
            # always did; with the responses in one transaction, all or nothing.
            close_wave(wave)
    return ImportResult(wave, created_wave, count, created_streams)


def _value_streams(wave, names):
    """The wave's value streams by name, creating in its organization and adding to it the new ones."""
    wanted = sorted(set(names))
    existing = {vs.name: vs for vs in ValueStream.objects.filter(organization=wave.organization, name__in=wanted)}
    created = [
        ValueStream.objects.create(organization=wave.organization, name=name) for name in wanted if name not in existing
    ]
    existing.update({vs.name: vs for vs in created})
    wave.value_streams.add(*existing.values())
    return existing, [vs.name for vs in created]
