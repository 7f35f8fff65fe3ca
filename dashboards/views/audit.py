"""The organization's audit log as its change managers read it: newest first, a page at a time,
each entry's details in words of the page's language.

The entries come from `surveys.audit.record`; details this page has no words for (a release's,
say, or an action added later) are shown as they are, key by key, never dropped.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.access import managed_organizations
from surveys.invitations import SIDE_NAMES
from surveys.models import AuditEntry, Release, Wave

from ..forms import ActionForm, WaveForm
from ..models import Action
from .wave_page import change_manager_required

ENTRIES_PER_PAGE = 50

DETAIL_LABELS = {
    "value_stream": _("Value stream"),
    "side": _("Side"),
    "count": _("Number"),
    "channel": _("Channel"),
    "sent": _("Sent"),
    "already_invited": _("Already invited, not sent again"),
    "not_sent": _("Not sent: the mail server failed"),
    "format": _("Format"),
    "layout": _("Layout"),
    "generalization": _("Generalization"),
    "records_written": _("Responses written"),
    "records_suppressed": _("Responses suppressed"),
    # An export's choice of what to keep (exports.log).
    "generalization_chosen": _("Chosen by the researcher"),
    "export_value_stream": _("Value stream in the file"),
    "export_side": _("Side in the file"),
    "export_role": _("Role family in the file"),
    "export_tenure": _("Tenure in the file"),
    # A release's (surveys.releases): counts of the whole wave, never per group.
    "number": _("Release number"),
    "kind": _("Kind of release"),
    "responses": _("Responses in the release"),
    "added": _("Responses added"),
    "withheld": _("Deleted at the close: too few to add"),
    # An action plan's (dashboards.action_plans).
    "theme": _("Theme"),
    "marked": _("Focus theme"),
    "operation": _("Change made"),
    "action_id": _("Action number"),
    "practice": _("Suggested practice number"),
    "what": _("What"),
    # An instrument's upload (surveys.instrument_uploads).
    "code": _("Instrument code"),
    "version": _("Version"),
    "outcome": _("Outcome"),
    "file": _("File"),
    "items": _("Items"),
}
# The fields of a wave's set-up, as the set-up page names them; the admin's have the same names.
FIELD_LABELS = {
    **{name: field.label for name, field in WaveForm.base_fields.items()},
    "organization": _("Organization"),
    "head_count": _("Head count"),
    **{name: field.label for name, field in ActionForm.base_fields.items() if name != "status"},
}
VALUE_LABELS = {
    "side": SIDE_NAMES,
    "status": {**dict(Wave.Status.choices), **dict(Action.Status.choices)},
    "operation": {"added": _("added"), "changed": _("changed"), "removed": _("removed")},
    "access": dict(Wave.Access.choices),
    "languages": dict(settings.LANGUAGES),
    "channel": {
        "csv": _("links for a mail merge (CSV)"),
        "email": _("by e-mail"),
        "page": _("page"),
        "admin": _("admin"),
        "command": _("command line"),
    },
    "outcome": {
        "created": _("stored as a new version"),
        "updated": _("replaced (it had no responses)"),
        "unchanged": _("unchanged, the same file was stored before"),
        "practices updated": _("practices updated"),
    },
    "format": {"csv": "CSV", "json": "JSON", "sav": "SPSS (.sav)"},
    "kind": dict(Release.Kind.choices),
    "layout": {"wide": _("Wide: one row per response"), "long": _("Long: one row per answer")},
    # The generalization levels of exports.anonymize, by name (its descriptions are the codebook's English).
    "generalization": {
        "none": _("role family and tenure band as collected"),
        "tenure_wide": _("tenure in wider bands"),
        "role_any": _("role family replaced by “any”"),
        "role_any_tenure_wide": _("role family replaced by “any”, tenure in wider bands"),
        "role_any_tenure_any": _("role family and tenure replaced by “any”"),
    },
    "export_value_stream": {"as collected": _("as collected"), "any": _("pooled")},
    "export_side": {"as collected": _("as collected"), "any": _("dropped")},
    "export_role": {"as collected": _("as collected"), "any": _("replaced by “any”")},
    "export_tenure": {"as collected": _("as collected"), "wide bands": _("wider bands"), "any": _("replaced by “any”")},
}


@change_manager_required
def audit_log(request, pk):
    organization = get_object_or_404(managed_organizations(request.user), pk=pk)
    entries = AuditEntry.objects.filter(organization=organization).select_related("wave").order_by("-created_at", "-pk")
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(entry, describe(entry)) for entry in page]
    context = {"organization": organization, "page_obj": page, "rows": rows}
    return render(request, "dashboards/audit_log.html", context)


def describe(entry):
    """The details of `entry` as (label, text) lines; a set-up change gives a line per field."""
    details = entry.details if isinstance(entry.details, dict) else {"details": entry.details}
    lines = []
    for key, value in details.items():
        if key == "changes" and isinstance(value, list):
            lines += [_change(change) for change in value]
        else:
            lines.append((_label(key), _text(key, value)))
    return lines


def _label(key):
    return DETAIL_LABELS.get(key) or str(key).replace("_", " ")


def _change(change):
    if not isinstance(change, dict):
        return ("", _text("", change))
    field = change.get("field", "")
    label = str(FIELD_LABELS.get(field, field))
    if field == "head_count":
        side = change.get("side")
        label = f"{label}: {change.get('value_stream', '')}, {SIDE_NAMES.get(side, side)}"
    return (label, f"{_text(field, change.get('old'))} → {_text(field, change.get('new'))}")


def _text(key, value):
    """A value of the details in words: choices by their labels, numbers the way of the language."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, int | float):
        return formats.number_format(value)
    if isinstance(value, list):
        return ", ".join(_text(key, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(inner)}: {_text(inner, item)}" for inner, item in value.items())
    return str(VALUE_LABELS.get(key, {}).get(value, value))
