"""The report to share: one printable report of a wave's newest release, for the whole organization
or one value stream, in the reader's language, as a print-styled page and as a PDF.

The report is a list of sections, `SECTIONS`, assembled by one view context (`report_context`):
each section is a template `templates/dashboards/report/_<name>.html` and a function that takes
the `ReportScope` (the wave's page, the value stream or None for the whole organization, the
report) and returns what its template reads as `section`, or None to leave the section out of
this scope. A new section is one template plus one line here::

    Section("highlights", highlights_section),

Sections are read in the order of the list, on the page and in the PDF alike. Every figure comes
from the report of the newest release (`wave_page.results_page`), so a section shows nothing a
hidden group said; the swap test of hidden groups (tests/dashboards/test_pages.py) reads the page
and the PDF of both scopes.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.utils.translation import get_language, gettext

from assessments.anonymity import SUPPRESSED
from assessments.highlights import highlights
from assessments.report import DIMENSION, SIDES, THEME
from assessments.stats import COHEN_THRESHOLDS

from .. import action_plans, svg_charts
from ..changes import wave_changes
from ..charts import SIDE_LABELS
from ..report_pdf import html_to_pdf
from .figures import driver_sections
from .wave_page import results_page


@dataclass
class ReportScope:
    """What the sections read: the wave's page, and the value stream reported on (None: all of them)."""

    page: object  # wave_page.WavePage
    stream: object | None  # surveys.models.ValueStream

    @property
    def report(self):
        return self.page.report

    @property
    def name(self):
        """The value stream's name as the report knows it (None: the pooled rows)."""
        return None if self.stream is None else self.stream.name

    def radar(self, rows, label, radius=110):
        return svg_charts.radar(rows, self.report.scale_min, self.report.scale_max, label, radius=radius)


@dataclass(frozen=True)
class Section:
    name: str  # the template: templates/dashboards/report/_<name>.html
    context: Callable  # ReportScope -> what the template reads as `section`, or None: not in this scope

    @property
    def template(self):
        return f"dashboards/report/_{self.name}.html"


def heading_section(scope):
    return {"title": gettext("All value streams") if scope.stream is None else scope.stream.name}


def highlights_section(scope):
    """What stands out in this scope's figures (assessments.highlights), each linking to its row of the gaps."""
    return {"highlights": highlights(scope.report, scope.name)}


def radar_section(scope):
    rows = scope.report.rows(THEME, scope.name)
    return {"svg": scope.radar(rows, gettext("Radar of the Biz and IT means per theme"), radius=130)}


def gaps_section(scope):
    """The gap table of each level, themes first, each with its bar chart of the gaps."""
    tables = []
    for level, caption in ((THEME, gettext("Gaps per theme")), (DIMENSION, gettext("Gaps per dimension"))):
        rows = scope.report.rows(level, scope.name)
        tables.append({"level": level, "rows": rows, "caption": caption, "bars": svg_charts.gap_bars(rows, caption)})
    return {"tables": tables, "cohen": COHEN_THRESHOLDS}


def drivers_section(scope):
    """The item drivers of each theme in this scope (pooled for the whole organization), largest gap first."""
    return {"themes": driver_sections(scope.page, scope.name)}


def heatmap_section(scope):
    """Organization-wide only: the gaps by value stream and theme, the cells tinted by gap."""
    if scope.stream is not None:
        return None
    report = scope.report
    by_key = {(row.value_stream, row.code): row for row in report.comparisons if row.level == THEME}
    largest = max((abs(row.gap) for row in by_key.values() if row.gap is not None), default=0)
    rows = []
    for stream in report.value_streams:
        cells = [by_key[(stream, theme["code"])] for theme in report.themes]
        rows.append((stream, [{"row": row, "colour": svg_charts.gap_colour(row.gap, largest)} for row in cells]))
    return {"themes": report.themes, "rows": rows}


def streams_section(scope):
    """Organization-wide only: each value stream's radar and gap table of the themes."""
    if scope.stream is not None:
        return None
    streams = []
    for stream in scope.page.report_streams():
        rows = scope.report.rows(THEME, stream.name)
        label = gettext("Radar of the Biz and IT means per theme in %(name)s") % {"name": stream.name}
        streams.append({"stream": stream, "rows": rows, "svg": scope.radar(rows, label, radius=80)})
    return {"streams": streams, "cohen": COHEN_THRESHOLDS}


def reliability_section(scope):
    """Organization-wide only: alpha is computed over all the release's respondents, not per value stream."""
    return None if scope.stream is not None else {"rows": scope.report.reliability}


def method_section(scope):
    """The threshold, the tests, and which groups are hidden, in words: never how many people they hold."""
    report = scope.report
    names = report.value_streams if scope.stream is None else [scope.stream.name]
    hidden = [
        {"side": SIDE_LABELS[side], "value_stream": name}
        for name in names
        for side in SIDES
        if any(getattr(row, f"{side}_status") == SUPPRESSED for row in report.rows(THEME, name))
    ]
    pooled_hidden = []
    if scope.stream is None:
        pooled_hidden = [
            SIDE_LABELS[side]
            for side in SIDES
            if any(getattr(row, f"{side}_status") == SUPPRESSED for row in report.rows(THEME, None))
        ]
    return {"hidden": hidden, "pooled_hidden": pooled_hidden, "cohen": COHEN_THRESHOLDS}


def changes_section(scope):
    """The change since the previous wave on the same instrument version, as the pages show it."""
    changes = wave_changes(scope.page.wave, scope.page.release)
    if changes is None:
        return None
    return {"changes": changes, "themes": changes.by_theme(scope.name), "scope": scope.name or ""}


def action_plan_section(scope):
    """The focus themes and actions: of the value stream (with the change of the gaps of the
    previous wave's focus themes), or of every value stream that has a plan."""
    wave, language = scope.page.wave, get_language()
    if scope.stream is None:
        plans = action_plans.plans_with_content(wave, scope.page.report_streams(), language)
        return {"plans": plans, "organization_wide": True, "focus_changes": None}
    plan = action_plans.stream_plan(wave, scope.stream, language)
    focus_changes = action_plans.focus_changes(wave, scope.page.release, scope.stream, language)
    if not (plan.focus_themes or plan.actions or focus_changes):
        return {"plans": [], "organization_wide": False, "focus_changes": None}
    return {"plans": [plan], "organization_wide": False, "focus_changes": focus_changes}


SECTIONS = [
    Section("heading", heading_section),
    Section("highlights", highlights_section),
    Section("radar", radar_section),
    Section("gaps", gaps_section),
    Section("drivers", drivers_section),
    Section("heatmap", heatmap_section),
    Section("streams", streams_section),
    Section("reliability", reliability_section),
    Section("changes", changes_section),
    Section("action_plan", action_plan_section),
    Section("method", method_section),
]


def report_context(page, stream=None):
    """The context of the report's page and PDF: the sections of this scope, in order."""
    scope = ReportScope(page, stream)
    sections = []
    for section in SECTIONS:
        data = section.context(scope)
        if data is not None:
            sections.append({"name": section.name, "template": section.template, "data": data})
    return page.context(page="report", stream=stream, report=page.report, sections=sections)


def _stream(page, pk):
    return None if pk is None else page.stream(pk)


@results_page
def report_view(request, page, pk=None):
    return render(request, "dashboards/report/page.html", report_context(page, _stream(page, pk)))


@results_page
def report_pdf(request, page, pk=None):
    stream = _stream(page, pk)
    html = render_to_string("dashboards/report/document.html", report_context(page, stream), request=request)
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    scope = slugify(stream.name) if stream else "organization"
    response["Content-Disposition"] = f'attachment; filename="{page.wave.slug}-{scope}-report.pdf"'
    return response
