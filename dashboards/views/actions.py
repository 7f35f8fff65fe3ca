"""A value stream's action plan: marking focus themes, adding (or taking a suggested practice as),
changing and removing actions. Thin: each view looks up what the change manager may touch, calls
`action_plans` and goes back to the value stream page (POST, redirect, GET); a form with mistakes
is shown again on that page with what was typed."""

from django.core.exceptions import BadRequest
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from accounts.access import managed_waves
from surveys.models import ValueStream

from .. import action_plans
from ..models import Action
from . import figures
from .wave_page import change_manager_required


def _wave_and_stream(request, slug, pk):
    """The wave (of the change manager's organizations) and one of its organization's value streams."""
    wave = get_object_or_404(managed_waves(request.user).select_related("organization", "instrument"), slug=slug)
    return wave, get_object_or_404(ValueStream, organization_id=wave.organization_id, pk=pk)


def _managed_action(request, pk):
    actions = Action.objects.filter(wave__in=managed_waves(request.user))
    return get_object_or_404(actions.select_related("wave__organization", "wave__instrument", "value_stream"), pk=pk)


def _plan_page(wave, value_stream):
    return redirect(reverse("dashboards:value_stream", args=[wave.slug, value_stream.pk]) + "#action-plan")


@change_manager_required
@require_POST
def set_focus(request, slug, pk):
    wave, vs = _wave_and_stream(request, slug, pk)
    try:
        action_plans.set_focus(wave, vs, request.POST.get("theme", ""), request.POST.get("marked") == "1", request.user)
    except action_plans.UnknownTheme as error:
        raise BadRequest("Not a theme of the wave's instrument.") from error
    return _plan_page(wave, vs)


@change_manager_required
@require_POST
def add_action(request, slug, pk):
    wave, vs = _wave_and_stream(request, slug, pk)
    form = action_plans.action_form(wave, request.POST, language=get_language())
    if not form.is_valid():
        return figures.value_stream_view(request, slug, pk, action_form=form)
    action_plans.add_action(form, wave, vs, request.user)
    return _plan_page(wave, vs)


@change_manager_required
@require_POST
def add_practice(request, slug, pk):
    wave, vs = _wave_and_stream(request, slug, pk)
    index = request.POST.get("practice", "")
    if not (index.isascii() and index.isdigit()):
        raise BadRequest("A practice is named by its place in the theme's list.")
    try:
        action_plans.add_practice(wave, vs, request.POST.get("theme", ""), int(index), get_language(), request.user)
    except action_plans.UnknownTheme as error:
        raise BadRequest("Not a practice of the wave's instrument.") from error
    return _plan_page(wave, vs)


@change_manager_required
@require_POST
def change_action(request, pk):
    action = _managed_action(request, pk)
    form = action_plans.action_form(action.wave, request.POST, instance=action, language=get_language())
    if not form.is_valid():
        return figures.value_stream_view(
            request, action.wave.slug, action.value_stream_id, action_form=form, editing=action
        )
    action_plans.change_action(form, request.user)
    return _plan_page(action.wave, action.value_stream)


@change_manager_required
@require_POST
def remove_action(request, pk):
    action = _managed_action(request, pk)
    wave, vs = action.wave, action.value_stream
    action_plans.remove_action(action, request.user)
    return _plan_page(wave, vs)
