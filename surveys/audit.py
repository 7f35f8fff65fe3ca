"""The audit log: who did what to an organization's surveys, and when.

``record(action, *, organization, wave=None, user=None, actor="", **details)`` is the one way in;
the entries (`AuditEntry`) are append-only. Actions are the values of ``AuditEntry.Action``:

- "wave_created", "wave_changed": ``changes``, a list of ``{"field", "old", "new"}`` (head
  counts as ``{"field": "head_count", "value_stream", "side", "old", "new"}``), and ``channel``
  ("page" or "admin");
- "links_created": ``value_stream``, ``side``, ``count``, ``channel`` ("csv" or "email");
- "invitations_sent": ``value_stream``, ``side``, ``sent``, ``already_invited``, and
  ``not_sent`` when the mail server failed;
- "reminders_sent": ``count``, and ``not_sent`` when the mail server failed;
- "invitations_revoked": ``value_stream``, ``side``, ``count``;
- "release": whatever the release says;
- "export": ``format``, ``layout``, ``generalization``, ``generalization_chosen`` (true: the
  researcher chose it; false: the automatic choice), ``export_value_stream``, ``export_side``,
  ``export_role``, ``export_tenure`` (how the file writes each: "as collected", "wide bands" or
  "any"), ``records_written``, ``records_suppressed``, ``channel`` ("page" or "command");
- "focus_themes": ``value_stream``, ``theme`` (its code), ``marked`` (true: marked as a focus
  theme, false: unmarked);
- "actions": ``value_stream``, ``operation`` ("added", "changed" or "removed"), ``action_id``;
  added and changed: ``changes`` as for a set-up (the fields ``what``, ``theme_code``, ``owner``,
  ``due_on``, ``status``), and ``practice`` (its place in the theme's list) for one added from a
  suggested practice; removed: ``what``.
- "instrument_uploaded": ``code``, ``version``, ``outcome`` ("created", "updated", "unchanged" or
  "practices updated"), ``file`` (the uploaded file's name), ``items`` (how many); one entry per
  organization that sees the instrument, one without an organization for an instrument every
  organization sees (surveys/instrument_uploads.py).

Details never say anything about respondents — not who answered, not when, not an address —
only what staff did, in counts per value stream and side at most.
"""

import datetime
import getpass

from django import forms
from django.db.models import Model, QuerySet
from django.utils import timezone

from .models import AuditEntry


def operating_system_account():
    """Who runs a command: the login name of the operating-system account."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        return "unknown"


def record(action, *, organization, wave=None, user=None, actor="", **details):
    """Add an entry to the log and return it.

    `actor` is the name to keep; by default the user's name, and without a user (a command) the
    operating-system account. Raises ValueError for an action that is not an AuditEntry.Action,
    so that every kind of entry has its label on the log's page.
    """
    if action not in AuditEntry.Action.values:
        raise ValueError(f'"{action}" is not an action of the audit log; add it to AuditEntry.Action.')
    if user is not None and not user.is_authenticated:
        user = None
    actor = actor or (user.get_username() if user is not None else operating_system_account())
    return AuditEntry.objects.create(
        organization=organization,
        wave=wave,
        wave_slug=wave.slug if wave is not None else "",
        user=user,
        actor=actor,
        action=action,
        details=details,
    )


def plain(value):
    """A form value as the log keeps it: names for objects, local minutes for times, lists sorted."""
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, QuerySet | set):  # no order of its own
        return sorted(plain(item) for item in value)
    if isinstance(value, list | tuple):  # in order: a wave's first language is its own
        return [plain(item) for item in value]
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _initial(form, name):
    """What the field held before: a ModelForm keeps primary keys there, the log wants names."""
    field, value = form.fields[name], form[name].initial
    if isinstance(field, forms.ModelMultipleChoiceField):
        keys = [getattr(item, "pk", item) for item in value or []]
        return plain(field.queryset.model._default_manager.filter(pk__in=keys))
    if isinstance(field, forms.ModelChoiceField):
        key = getattr(value, "pk", value)
        return plain(field.queryset.model._default_manager.filter(pk=key).first()) if key not in (None, "") else None
    return plain(value)


def form_changes(form, names=None, *, created=False):
    """``[{"field", "old", "new"}, ...]`` for the fields of a valid `form` that changed (or `names`).

    Generic over Django forms: old values from the form's initial data (none for what the form
    `created`), new ones from its cleaned data, both as `plain` makes them. A field whose value
    is the same as before is left out, as is one that was empty and stays empty (a form may count
    a field as changed that is not: a time field with a callable default, posted without its
    hidden initial value).
    """
    changes = []
    for name in form.changed_data if names is None else names:
        old = None if created else _initial(form, name)
        new = plain(form.cleaned_data.get(name))
        if old == new or (old in (None, "", []) and new in (None, "", [])):
            continue
        changes.append({"field": name, "old": old, "new": new})
    return changes
