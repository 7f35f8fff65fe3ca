"""The pages of a wave's figures and their CSV files: the organization (pooled, per value stream,
the gap heatmap, reliability), one value stream, the items; and the gaps over an organization's
waves. Each page reads the wave's newest release (`wave_page.results_page`)."""

from django.core.exceptions import BadRequest
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy

from accounts.access import managed_organizations
from assessments.drivers import by_gap
from assessments.highlights import highlights
from assessments.report import DIMENSION, THEME
from assessments.stats import COHEN_THRESHOLDS

from .. import action_plans, charts
from ..changes import wave_changes
from ..csv_files import (
    CHANGES_HEADER,
    GAP_HEADER,
    POOLED,
    RELIABILITY_HEADER,
    change_rows,
    csv_response,
    gap_rows,
    item_header,
    item_rows,
    reliability_rows,
    trends_header,
    trends_rows,
)
from ..models import Action, RadiatorLink
from ..trends import gap_trends
from .wave_page import NoResultsYet, change_manager_required, results_page

LEVELS = {THEME: gettext_lazy("Themes"), DIMENSION: gettext_lazy("Dimensions")}


def _level(request):
    level = request.GET.get("level", THEME)
    return level if level in LEVELS else THEME


@results_page
def organization_view(request, page):
    report = page.report
    level = _level(request)
    pooled_rows = report.rows(level, None)
    multiples = []
    for vs in page.report_streams():
        rows = report.rows(THEME, vs.name)
        figure = charts.radar(
            rows,
            report.scale_min,
            report.scale_max,
            f"{page.wave.slug}-{slugify(vs.name)}-radar",
            300,
            legend=False,
            label_width=10,
        )
        multiples.append({"stream": vs, "rows": rows, "figure": figure, "id": f"radar-{vs.pk}"})
    context = page.context(
        page="organization",
        level=level,
        levels=LEVELS,
        rows=pooled_rows,
        radar=charts.radar(pooled_rows, report.scale_min, report.scale_max, f"{page.wave.slug}-radar-{level}"),
        multiples=multiples,
        heatmap=charts.gap_heatmap(report, f"{page.wave.slug}-gap-heatmap"),
        heatmap_rows=_heatmap_rows(report),
        report=report,
        highlights=highlights(report),
        reliability=report.reliability,
        cohen=COHEN_THRESHOLDS,
        **_change_context(page, None),
        action_plans_shown=action_plans.plans_with_content(page.wave, page.report_streams(), get_language()),
    )
    return render(request, "dashboards/organization.html", context)


def _change_context(page, stream_name):
    """The context of _changes.html: the change since the previous wave of one value stream (None: pooled)."""
    changes = wave_changes(page.wave, page.release)
    return {
        "changes": changes,
        "change_themes": changes.by_theme(stream_name) if changes else [],
        "change_scope": stream_name or "",
    }


@results_page
def changes_csv(request, page):
    """Every row of the change since the previous wave; only the header when there is no previous wave."""
    if page.release is None:
        raise NoResultsYet()
    changes = wave_changes(page.wave, page.release)
    return csv_response(f"{page.wave.slug}-changes.csv", CHANGES_HEADER, change_rows(changes) if changes else [])


def _heatmap_rows(report):
    by_key = {(row.value_stream, row.code): row for row in report.comparisons if row.level == THEME}
    return [(stream, [by_key[(stream, theme["code"])] for theme in report.themes]) for stream in report.value_streams]


@results_page
def heatmap_csv(request, page):
    rows = [row for row in page.report.comparisons if row.level == THEME and row.value_stream is not None]
    return csv_response(f"{page.wave.slug}-gaps-by-value-stream.csv", GAP_HEADER, gap_rows(rows))


@results_page
def reliability_csv(request, page):
    return csv_response(
        f"{page.wave.slug}-reliability.csv", RELIABILITY_HEADER, reliability_rows(page.report.reliability)
    )


@results_page
def value_stream_view(request, page, pk, action_form=None, editing=None):
    """`action_form`, `editing`: a form of the action plan that failed, shown again (views.actions)."""
    vs = page.stream(pk)
    report = page.report
    level = _level(request)
    rows = report.rows(level, vs.name)
    context = page.context(
        page="streams",
        stream=vs,
        level=level,
        levels=LEVELS,
        rows=rows,
        radar=charts.radar(rows, report.scale_min, report.scale_max, f"{page.wave.slug}-{slugify(vs.name)}-{level}"),
        cohen=COHEN_THRESHOLDS,
        highlights=highlights(report, vs.name),
        radiator_links=RadiatorLink.objects.active().filter(value_stream=vs).select_related("created_by"),
        **_change_context(page, vs.name),
        **action_plans.page_context(
            page.wave, page.release, vs, get_language(), action_form, editing or _editing(request, page.wave, vs)
        ),
    )
    return render(request, "dashboards/value_stream.html", context)


def _editing(request, wave, vs):
    """The action whose form the page opens (`?edit=<id>`), if it is one of this plan's."""
    pk = request.GET.get("edit", "")
    if not (pk.isascii() and pk.isdigit()):
        return None
    return Action.objects.filter(wave=wave, value_stream=vs, pk=int(pk)).first()


@results_page
def gaps_csv(request, page, pk=None):
    level = _level(request)
    name = None if pk is None else page.stream(pk).name
    filename = f"{page.wave.slug}-{slugify(name or POOLED)}-gaps-{level}.csv"
    return csv_response(filename, GAP_HEADER, gap_rows(page.report.rows(level, name)))


def _items_by_theme(wave):
    themes = {}
    for item in wave.instrument.ordered_items():
        themes.setdefault(item.theme, []).append(item)
    return themes


def _selected_stream(page, request):
    pk = request.GET.get("value_stream", "")
    if not pk:
        return None
    # ASCII digits only: isdigit() alone passes "²", which int() refuses, and "١", which it reads as 1.
    if not (pk.isascii() and pk.isdigit()):
        raise BadRequest("The value stream filter takes a value stream's id.")
    return page.stream(int(pk))


def theme_drivers(figures, items, value_stream=None):
    """The item drivers of one theme's `items` in a value stream (None: pooled), largest gap first, with their items."""
    by_code = {item.code: item for item in items}
    return [
        {"item": by_code[driver.item], "driver": driver}
        for driver in by_gap([figures.item_driver(item.code, value_stream) for item in items])
    ]


def driver_sections(page, value_stream=None):
    """Every theme's item drivers, as the items page and the report show them."""
    return [
        {"theme": theme, "drivers": theme_drivers(page.figures, items, value_stream), "id": f"drivers-{theme.code}"}
        for theme, items in _items_by_theme(page.wave).items()
    ]


@results_page
def items_view(request, page):
    stream = _selected_stream(page, request)
    name = stream.name if stream else None
    figures = page.figures
    instrument = page.wave.instrument
    points = list(range(instrument.scale_min, instrument.scale_max + 1))
    labels = [instrument.scale_label(point) for point in points]
    sections = []
    for theme, items in _items_by_theme(page.wave).items():
        groups = {
            (item.code, side): figures.item_group(item.code, side, name) for item in items for side in ("biz", "it")
        }
        figure = charts.likert_bars(
            [(item.code, item.text_in_language) for item in items],
            groups,
            instrument.scale_min,
            labels,
            f"{page.wave.slug}-{slugify(name or POOLED)}-{theme.code}-items",
        )
        table = [
            {"item": item, "side": side, "group": groups[(item.code, side)]} for item in items for side in ("biz", "it")
        ]
        drivers = theme_drivers(figures, items, name)
        sections.append(
            {
                "theme": theme,
                "items": items,
                "figure": figure,
                "table": table,
                "drivers": drivers,
                "id": f"likert-{theme.code}",
            }
        )
    context = page.context(page="items", stream=stream, sections=sections, points=points, labels=labels)
    return render(request, "dashboards/items.html", context)


@results_page
def items_csv(request, page):
    stream = _selected_stream(page, request)
    name = stream.name if stream else None
    instrument = page.wave.instrument
    items = [item for theme_items in _items_by_theme(page.wave).values() for item in theme_items]
    return csv_response(
        f"{page.wave.slug}-{slugify(name or POOLED)}-items.csv",
        item_header(instrument.scale_min, instrument.scale_max),
        item_rows(name, items, page.figures),
    )


@change_manager_required
def trends_view(request, pk):
    organization = get_object_or_404(managed_organizations(request.user), pk=pk)
    trends = gap_trends(organization, request.GET.get("instrument"))
    charts_by_stream = [
        {
            "name": series.value_stream or POOLED,
            "id": f"trend-{index}",
            "figure": charts.gap_trend(
                series.wave_labels,
                series.by_theme,
                f"{slugify(organization.name)}-{slugify(series.value_stream or POOLED)}-trend",
                series.changes,
            ),
            "series": series,
        }
        for index, series in enumerate(trends.series)
        if series.waves
    ]
    context = {"organization": organization, "trends": trends, "charts": charts_by_stream, "page": "trends"}
    return render(request, "dashboards/trends.html", context)


@change_manager_required
def trends_csv(request, pk):
    organization = get_object_or_404(managed_organizations(request.user), pk=pk)
    trends = gap_trends(organization, request.GET.get("instrument"))
    return csv_response(f"{slugify(organization.name)}-gap-trends.csv", trends_header(trends), trends_rows(trends))
