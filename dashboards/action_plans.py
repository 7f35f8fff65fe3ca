"""Action plans: the focus themes a change manager marks for a value stream before the next wave,
the actions recorded for them (some taken from the practices the instrument suggests), and what
the pages show of them. Every change writes one entry to the audit log.

Focus themes and actions are staff data: they say nothing about respondents and show no figure.
The one figure near them, the change in a focus theme's gap on the next wave, comes from
`dashboards.changes`, which applies the anonymity rules of both releases.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from surveys import audit
from surveys.models import AuditEntry, Theme, Wave, pick_language

from .changes import previous_wave, wave_changes
from .forms import ActionForm
from .models import Action, FocusTheme


class UnknownTheme(Exception):
    """The theme code or practice is not one of the wave's instrument."""


def wave_themes(wave):
    """The themes of the wave's instrument, in questionnaire order."""
    return list(Theme.objects.filter(instrument_id=wave.instrument_id).order_by("dimension__order", "order"))


def _theme(wave, code):
    theme = Theme.objects.filter(instrument_id=wave.instrument_id, code=code).first()
    if theme is None:
        raise UnknownTheme(code)
    return theme


def _log(kind, wave, value_stream, user, **details):
    audit.record(kind, organization=wave.organization, wave=wave, user=user, value_stream=value_stream.name, **details)


# --- changes ---------------------------------------------------------------------------


def set_focus(wave, value_stream, theme_code, marked, user):
    """Mark (or unmark) a theme as a focus theme of the value stream; return whether anything changed."""
    _theme(wave, theme_code)
    with transaction.atomic():
        if marked:
            _, changed = FocusTheme.objects.get_or_create(
                wave=wave, value_stream=value_stream, theme_code=theme_code, defaults={"marked_by": user}
            )
        else:
            changed = bool(
                FocusTheme.objects.filter(wave=wave, value_stream=value_stream, theme_code=theme_code).delete()[0]
            )
        if changed:
            _log(AuditEntry.Action.FOCUS_THEMES, wave, value_stream, user, theme=theme_code, marked=marked)
    return changed


def add_action(form, wave, value_stream, user):
    """Save a valid ActionForm as a new action of the value stream's plan."""
    action = form.save(commit=False)
    action.wave, action.value_stream, action.created_by = wave, value_stream, user
    with transaction.atomic():
        action.save()
        _log(
            AuditEntry.Action.ACTIONS,
            wave,
            value_stream,
            user,
            operation="added",
            action_id=action.pk,
            changes=audit.form_changes(form, list(form.fields), created=True),
        )
    return action


def add_practice(wave, value_stream, theme_code, index, language, user):
    """Add the theme's `index`-th suggested practice, in `language`, as a planned action."""
    practices = _theme(wave, theme_code).practices
    if not 0 <= index < len(practices):
        raise UnknownTheme(f"{theme_code} practice {index}")
    with transaction.atomic():
        action = Action.objects.create(
            wave=wave,
            value_stream=value_stream,
            theme_code=theme_code,
            what=pick_language(practices[index], language),
            created_by=user,
        )
        _log(
            AuditEntry.Action.ACTIONS,
            wave,
            value_stream,
            user,
            operation="added",
            action_id=action.pk,
            practice=index,
            changes=[
                {"field": "theme_code", "old": None, "new": theme_code},
                {"field": "what", "old": None, "new": action.what},
            ],
        )
    return action


def change_action(form, user):
    """Save a valid ActionForm of an existing action; log what changed (nothing: no entry)."""
    changes = audit.form_changes(form)
    action = form.save()
    if changes:
        _log(
            AuditEntry.Action.ACTIONS,
            action.wave,
            action.value_stream,
            user,
            operation="changed",
            action_id=action.pk,
            changes=changes,
        )
    return action


def remove_action(action, user):
    with transaction.atomic():
        _log(
            AuditEntry.Action.ACTIONS,
            action.wave,
            action.value_stream,
            user,
            operation="removed",
            action_id=action.pk,
            what=action.what,
        )
        action.delete()


# --- what the pages show ---------------------------------------------------------------


@dataclass
class ThemePlan:
    code: str
    name: str
    focus: bool
    practices: list = field(default_factory=list)  # (index, text in the viewer's language, already an action)


@dataclass
class StreamPlan:
    value_stream: object
    themes: list  # ThemePlan, in questionnaire order
    actions: list  # Action, each with `theme_name`

    @property
    def focus_themes(self):
        return [theme for theme in self.themes if theme.focus]

    @property
    def open_actions(self):
        return [action for action in self.actions if action.is_open]


def stream_plans(wave, value_streams, language=None):
    """The action plan of each value stream in the wave (a few queries, whatever the number of streams)."""
    themes = wave_themes(wave)
    names = {theme.code: pick_language(theme.name, language) for theme in themes}
    focus = set(
        FocusTheme.objects.filter(wave=wave, value_stream__in=value_streams).values_list(
            "value_stream_id", "theme_code"
        )
    )
    actions = {}
    for action in Action.objects.filter(wave=wave, value_stream__in=value_streams):
        action.theme_name = names.get(action.theme_code, action.theme_code)
        actions.setdefault(action.value_stream_id, []).append(action)
    planned = {
        (action.value_stream_id, action.theme_code, action.what) for group in actions.values() for action in group
    }
    plans = []
    for vs in value_streams:
        theme_plans = [
            ThemePlan(
                code=theme.code,
                name=names[theme.code],
                focus=(vs.pk, theme.code) in focus,
                practices=[
                    (index, text, (vs.pk, theme.code, text) in planned)
                    for index, text in enumerate(pick_language(practice, language) for practice in theme.practices)
                ],
            )
            for theme in themes
        ]
        plans.append(StreamPlan(value_stream=vs, themes=theme_plans, actions=actions.get(vs.pk, [])))
    return plans


def plans_with_content(wave, value_streams, language=None):
    """The plans of the value streams that have a focus theme or an action, for the organization's summary."""
    return [plan for plan in stream_plans(wave, value_streams, language) if plan.focus_themes or plan.actions]


def stream_plan(wave, value_stream, language=None):
    return stream_plans(wave, [value_stream], language)[0]


def newest_plan(value_stream, language=None):
    """The value stream's newest action plan: that of its newest wave with a focus theme or an
    action, as (wave, StreamPlan), or None. A plan stays what the value stream works on until a
    later wave has one, also after that wave's figures came out (the radiator shows it so)."""
    wave = (
        Wave.objects.filter(organization_id=value_stream.organization_id)
        .filter(Q(focus_themes__value_stream=value_stream) | Q(actions__value_stream=value_stream))
        .select_related("instrument")
        .order_by("-opens_at", "-pk")
        .first()
    )
    return None if wave is None else (wave, stream_plan(wave, value_stream, language))


def action_form(wave, data=None, instance=None, language=None):
    """The form of an action of the wave (bound to `data` when given)."""
    themes = [(theme.code, pick_language(theme.name, language)) for theme in wave_themes(wave)]
    return ActionForm(data, instance=instance, themes=themes, prefix=f"action-{instance.pk}" if instance else "action")


def page_context(wave, release, value_stream, language=None, form=None, editing=None):
    """What the value stream page's action plan section needs.

    `form`: a bound form that failed (shown with what was typed and its errors); `editing`: the
    action whose form is open instead of the one for a new action.
    """
    if form is None:
        form = action_form(wave, instance=editing, language=language)
    return {
        "action_plan": stream_plan(wave, value_stream, language),
        "action_form": form,
        "editing": editing,
        "focus_changes": focus_changes(wave, release, value_stream, language),
    }


@dataclass
class FocusChanges:
    """The focus themes marked on the previous wave's page of a value stream, with each gap's change since."""

    previous_wave: object
    rows: list  # (theme name, assessments.change.ChangeRow or None when the stream is not in both waves)


def focus_changes(wave, release, value_stream, language=None):
    """For each focus theme marked on the previous wave (`changes.previous_wave`) in this value
    stream, the change of its gap to `release`; None without a previous wave or focus themes.

    The previous wave is the one `dashboards.changes` compares with: the newest earlier wave of
    the organization on the same instrument version with a release. Which figures may be shown
    is that module's decision (a row with `shown` False carries none).
    """
    before = previous_wave(wave) if release is not None else None
    if before is None:
        return None
    codes = set(FocusTheme.objects.filter(wave=before, value_stream=value_stream).values_list("theme_code", flat=True))
    if not codes:
        return None
    changes = wave_changes(wave, release)
    return FocusChanges(
        previous_wave=changes.previous_wave,
        rows=[
            (pick_language(theme.name, language), changes.gap_change(value_stream.name, theme.code))
            for theme in wave_themes(wave)
            if theme.code in codes
        ],
    )
