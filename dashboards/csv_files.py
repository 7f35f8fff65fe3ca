"""The CSV downloads of the dashboard tables: one function per table, plain rows from the report.

Only figures that the report holds are written, so a suppressed group is a status and empty
cells here exactly as it is "hidden" on the page.
"""

import csv

from django.http import HttpResponse

from assessments.anonymity import SHOWN, SUPPRESSED
from assessments.report import SIDES
from surveys.spreadsheets import formula_safe


def _safe(value):
    """Names typed by users kept from running as formulas; figures rounded to 4 places."""
    if isinstance(value, float):
        return round(value, 4)
    return formula_safe(value)


def csv_response(filename, header, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(value) for value in row])
    return response


# The label of the pooled rows in CSV files and file names: English, like the files' columns.
POOLED = "all value streams"


def _bounds(bounds):
    return bounds if bounds else [None, None]


GAP_HEADER = [
    "value_stream", "level", "code", "name",
    "biz_status", "biz_n", "biz_mean", "biz_ci_low", "biz_ci_high", "biz_sd", "biz_rwg",
    "it_status", "it_n", "it_mean", "it_ci_low", "it_ci_high", "it_sd", "it_rwg",
    "gap", "mwu_p", "mwu_p_holm", "mwu_q_bh", "hedges_g", "hedges_g_ci_low", "hedges_g_ci_high", "magnitude",
]  # fmt: skip


def gap_rows(rows):
    for row in rows:
        line = [row.value_stream or POOLED, row.level, row.code, row.name]
        for status, cell in ((row.biz_status, row.biz), (row.it_status, row.it)):
            if cell is None:
                line += [status, None, None, None, None, None, None]
            else:
                line += [status, cell.n, cell.mean, *_bounds(cell.ci), cell.sd, cell.rwg]
        line += [row.gap, row.mwu_p, row.mwu_p_holm, row.mwu_q_bh, row.hedges_g, *_bounds(row.hedges_g_ci)]
        line.append(row.magnitude)
        yield line


RELIABILITY_HEADER = ["theme", "name", "status", "n", "alpha", "alpha_ci_low", "alpha_ci_high"]


def reliability_rows(rows):
    """Cronbach's alpha per theme; a theme with fewer than k complete answers is a status, no figures."""
    for row in rows:
        if row.suppressed:
            yield [row.theme, row.name, SUPPRESSED, None, None, None, None]
        else:
            yield [row.theme, row.name, SHOWN, row.n, row.alpha, *_bounds(row.alpha_ci)]


ITEM_HEADER_START = ["value_stream", "theme", "item", "reverse_worded", "side", "status"]


# The item drivers (assessments.drivers): the side's n and mean of the reverse-coded answers on
# the scale, then Biz against IT on the item, the same on both sides' rows.
ITEM_DRIVER_HEADER = ["n_answered", "mean_reverse_coded", "gap", "mwu_u", "mwu_p", "mwu_p_holm", "rank_biserial"]


def item_header(scale_min, scale_max):
    counts = [f"n_{point}" for point in range(scale_min, scale_max + 1)]
    return [*ITEM_HEADER_START, *counts, "n_not_applicable", *ITEM_DRIVER_HEADER]


def item_rows(value_stream_name, items, figures):
    points = figures.report.scale_max - figures.report.scale_min + 1
    for item in items:
        driver = figures.item_driver(item.code, value_stream_name)
        comparison = [driver.gap, driver.mwu_u, driver.mwu_p, driver.mwu_p_holm, driver.rank_biserial]
        for side in SIDES:
            group = figures.item_group(item.code, side, value_stream_name)
            counts = group.counts if group.counts is not None else [None] * points
            yield [
                value_stream_name or POOLED,
                item.theme.code,
                item.code,
                item.reverse,
                side,
                group.status,
                *counts,
                group.not_applicable,
                getattr(driver, f"{side}_n"),
                getattr(driver, f"{side}_mean"),
                *comparison,
            ]


RESPONSES_HEADER = [
    "value_stream",
    "biz_responses",
    "it_responses",
    "responses",
    "biz_head_count",
    "it_head_count",
    "biz_response_rate_percent",
    "it_response_rate_percent",
    "response_rate_percent",
]


def response_rows(table):
    """The wave overview's table (overview.ResponseTable): responses per value stream and side, and rates."""
    for row in table.rows:
        yield [
            row.value_stream.name,
            row.biz,
            row.it,
            row.total,
            row.head_count and row.head_count.biz,
            row.head_count and row.head_count.it,
            row.biz_rate,
            row.it_rate,
            row.rate,
        ]


def trends_header(trends):
    """The trends table's columns: value stream, theme, one per wave (its slug), then per wave after
    the first the change of the gap since the wave before and its Holm-adjusted p."""
    changes = [f"{column}_{slug}" for slug in trends.wave_slugs[1:] for column in ("gap_change", "gap_change_p_holm")]
    return ["value_stream", "theme", *trends.wave_slugs, *changes]


def trends_rows(trends):
    """The gap per theme and wave, a row per value stream (pooled first) and theme, then the changes.

    A gap or change that the page hides is an empty cell.
    """
    for stream in trends.streams:
        for theme in trends.themes:
            gaps = [by_key.get((stream, theme["code"])) for by_key in trends.gaps]
            changes = []
            for wave_changes in trends.changes[1:]:
                row = wave_changes.gap_change(stream, theme["code"]) if wave_changes else None
                changes += [row.difference, row.p_holm] if row is not None and row.shown else [None, None]
            yield [stream or POOLED, theme["name"], *gaps, *changes]


CHANGES_HEADER = [
    "value_stream", "kind", "code", "name", "status", "previous_wave", "previous_release",
    "previous", "current", "difference", "t", "df", "p", "p_holm", "hedges_g", "magnitude",
]  # fmt: skip


def change_rows(changes):
    """The change since the previous wave (dashboards/changes.WaveChanges), a row per value stream, kind and theme.

    A row that is not shown is its reason ("hidden_previous", "hidden_current", "hidden_both",
    "empty") and empty cells, as on the page.
    """
    before = [changes.previous_wave.slug, changes.previous_release.number]
    for row in changes.rows:
        figures = [row.previous, row.current, row.difference, row.t, row.df, row.p, row.p_holm, row.hedges_g]
        yield [
            row.value_stream or POOLED,
            row.kind,
            row.code,
            row.name,
            SHOWN if row.shown else row.reason,
            *before,
            *figures,
            row.magnitude,
        ]
