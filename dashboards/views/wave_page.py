"""What every page of one wave needs: the change manager's login, the wave with its value
streams and newest release, and the page that stands in for figures not released yet."""

from functools import wraps

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from accounts.access import CHANGE_MANAGER, managed_waves
from accounts.decorators import role_required
from surveys.closing import close_if_due
from surveys.releases import newest_release

from ..overview import group_counts, release_state
from ..wave_data import organization_streams, wave_figures

change_manager_required = role_required(CHANGE_MANAGER)

# The tab of the wave's navigation that each page of figures belongs to.
NAV_PAGES = {"organization_view": "organization", "value_stream_view": "streams", "items_view": "items"}


class NoResultsYet(Exception):
    """The wave has no release yet: its figures do not exist for anyone."""


class WavePage:
    """What every page of one wave needs: the wave, its value streams, its newest release and (lazily) its figures."""

    def __init__(self, slug, waves):
        """`waves`: the waves the visitor may see; any other wave is "not found"."""
        self.wave = close_if_due(get_object_or_404(waves.select_related("organization", "instrument"), slug=slug))
        self.organization_streams = organization_streams(self.wave)
        self.value_streams = [vs for vs in self.organization_streams if vs.in_wave]
        self.release = newest_release(self.wave)
        self._figures = None

    @property
    def figures(self):
        """The figures of the newest release; NoResultsYet when there is none."""
        if self.release is None:
            raise NoResultsYet()
        if self._figures is None:
            self._figures = wave_figures(self.wave, self.organization_streams, self.release)
        return self._figures

    @property
    def report(self):
        return self.figures.report

    def report_streams(self):
        """The value streams of the report (with the ones only old responses name), as objects."""
        by_name = {vs.name: vs for vs in self.organization_streams}
        return [by_name[name] for name in self.report.value_streams]

    def stream(self, pk):
        for vs in self.report_streams():
            if vs.pk == pk:
                return vs
        raise Http404("This value stream is not part of the wave.")

    def context(self, **extra):
        return {
            "wave": self.wave,
            "value_streams": self.value_streams,
            "k": self.wave.anonymity_threshold,
            "release": self.release,
            **extra,
        }


def results_page(view):
    """A page or file of a wave's figures: without a release yet, the page that says when they come."""

    @wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        page = WavePage(slug, managed_waves(request.user))
        try:
            return view(request, page, *args, **kwargs)
        except NoResultsYet:
            state = release_state(page.wave, page.release, group_counts(page.wave))
            context = page.context(page=NAV_PAGES.get(view.__name__, ""), state=state)
            # A page says so; a file that does not exist yet is "not found", with the same explanation.
            status = 404 if view.__name__.endswith(("_csv", "_pdf")) else 200
            return render(request, "dashboards/no_results.html", context, status=status)

    return change_manager_required(wrapper)
