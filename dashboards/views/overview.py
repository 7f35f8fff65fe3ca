"""The organizations a change manager manages with their waves, and a wave's overview: response
counts against the head counts, and its releases (the figures change only when one is made)."""

from django.db.models import Count, Prefetch
from django.shortcuts import render
from django.utils.translation import gettext

from accounts.access import managed_organizations, managed_waves
from surveys.models import Wave
from surveys.releases import release_interim

from ..csv_files import RESPONSES_HEADER, csv_response, response_rows
from ..overview import group_counts, release_state, response_table
from .wave_page import WavePage, change_manager_required


@change_manager_required
def home(request):
    organizations = (
        managed_organizations(request.user)
        .prefetch_related(
            Prefetch(
                "waves", queryset=Wave.objects.select_related("instrument").annotate(responses_total=Count("responses"))
            )
        )
        .order_by("name")
    )
    return render(request, "dashboards/home.html", {"organizations": organizations})


@change_manager_required
def wave_overview(request, slug):
    """Response counts, and the wave's releases: the figures change only when a release is made."""
    page = WavePage(slug, managed_waves(request.user))
    notice = None
    if request.method == "POST" and request.POST.get("action") == "release":
        release = release_interim(page.wave, user=request.user)
        if release is None:
            notice = ("info", gettext("Nothing to release: no group has enough new responses yet."))
        else:
            page.release = release
            message = gettext("Released interim results: release %(number)s, %(responses)s responses.")
            notice = ("success", message % {"number": release.number, "responses": release.responses})
    counts = group_counts(page.wave)
    table = response_table(page.wave, page.organization_streams, counts)
    state = release_state(page.wave, page.release, counts)
    return render(
        request,
        "dashboards/wave_overview.html",
        page.context(table=table, page="overview", state=state, notice=notice),
    )


@change_manager_required
def wave_responses_csv(request, slug):
    page = WavePage(slug, managed_waves(request.user))
    table = response_table(page.wave, page.organization_streams, group_counts(page.wave))
    return csv_response(f"{page.wave.slug}-responses.csv", RESPONSES_HEADER, response_rows(table))
