"""The information radiator: a value stream's wall screen behind a secret link (no login), and
the change manager's making and revoking of such links."""

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from accounts.access import managed_organizations
from accounts.secret_links import RADIATOR_LOOKUPS, private_page, shown_once
from assessments.report import SUPPRESSED, THEME
from surveys.closing import close_those_due
from surveys.models import ValueStream, Wave

from .. import action_plans, charts
from ..models import RadiatorLink
from .wave_page import WavePage, change_manager_required


@change_manager_required
@require_POST
def create_radiator_link(request, pk):
    vs = get_object_or_404(
        ValueStream.objects.filter(organization__in=managed_organizations(request.user)).select_related("organization"),
        pk=pk,
    )
    label = request.POST.get("label", "").strip()[:100]
    link, token = RadiatorLink.create(vs, request.user, label)
    url = request.build_absolute_uri(reverse("dashboards:radiator", args=[token]))
    return shown_once(render(request, "dashboards/radiator_created.html", {"link": link, "url": url, "stream": vs}))


@change_manager_required
@require_POST
def revoke_radiator_link(request, pk):
    link = get_object_or_404(
        RadiatorLink.objects.filter(value_stream__organization__in=managed_organizations(request.user)), pk=pk
    )
    link.revoke()
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("dashboards:home")


@private_page
def radiator(request, token):
    """A value stream's wall screen: no login, only what passes the anonymity rules."""
    link = RadiatorLink.objects.find(token)
    if link is None:
        refusal = RADIATOR_LOOKUPS.failed_lookup(request)  # after the lookup: a valid link is never refused
        if refusal is not None:
            return refusal
        # Rendered here, not raised: the 404 of an unknown link goes out with the private headers too.
        return render(request, "404.html", status=404)
    vs = link.value_stream
    wave = _newest_released_wave(vs)
    context = {"stream": vs, "wave": wave, "now": timezone.now()}
    if wave is not None:
        context.update(_figures(wave, vs))
        context["radiator_plan"] = action_plans.newest_plan(vs, get_language())
    return render(request, "dashboards/radiator.html", context)


def _newest_released_wave(vs):
    """The newest wave of the value stream that has released results, or None. A wave past its
    closing time is closed first, so the screen never shows interim results of a finished wave."""
    close_those_due(Wave.objects.filter(value_streams=vs))
    return (
        Wave.objects.filter(value_streams=vs, releases__isnull=False)
        .select_related("instrument", "organization")
        .order_by("-opens_at")
        .distinct()
        .first()
    )


def _figures(wave, vs):
    """What the screen shows of the value stream in the wave's newest release: its themes, as the report has them."""
    page = WavePage(wave.slug, Wave.objects.filter(pk=wave.pk))
    report = page.report
    rows = report.rows(THEME, vs.name)
    return {
        "rows": rows,
        "k": wave.anonymity_threshold,
        "release": page.release,
        "radar": charts.radar(rows, report.scale_min, report.scale_max, "radiator", 640, font_size=18, label_width=10),
        # per side: "hidden", or the respondents as the report shows them
        "side_n": {
            side: "hidden"
            if any(getattr(row, f"{side}_status") == SUPPRESSED for row in rows)
            else max((cell.n for row in rows if (cell := getattr(row, side)) is not None), default=0)
            for side in ("biz", "it")
        },
    }
