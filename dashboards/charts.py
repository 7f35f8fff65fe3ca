"""Plotly figures as plain dicts, built from the report: pure functions, no database.

Plain dicts rather than `plotly.graph_objects`: plotly.js reads them as they are, and building
them costs microseconds instead of milliseconds per figure. The tests validate every figure with
`plotly.graph_objects.Figure`, so a misspelt property still fails loudly.

A suppressed side never becomes a number here: the report does not hold it, and these functions
draw only what the report holds.

Texts are in the active language, and so are the numbers (`separators`): figures are built per
request, from the cached report, so that is the request's language. Every text is a plain `str`
(`gettext`, never a lazy string), since the figures are serialized to JSON.
"""

import html
import math
import textwrap

from django.utils.formats import get_format
from django.utils.translation import gettext, pgettext
from plotly.colors import sample_colorscale

from assessments.anonymity import SUPPRESSED
from assessments.report import SIDES

from .templatetags.figures import decimal_point, localized, p_value, signed

# Okabe–Ito blue and orange: distinguishable with every common colour vision deficiency.
SIDE_COLOURS = {"biz": "#0072B2", "it": "#D55E00"}
SIDE_LABELS = {"biz": "Biz", "it": "IT"}
# Gap = Biz − IT: orange where IT scores higher, blue where Biz does, white at 0.
GAP_COLOURSCALE = [[0.0, SIDE_COLOURS["it"]], [0.5, "#f7f7f7"], [1.0, SIDE_COLOURS["biz"]]]
NEUTRAL_GREY = "#bdbdbd"
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"}


def _config(filename):
    """Plotly's toolbar: keep the PNG download (named after the chart), drop the clutter."""
    return {
        "displaylogo": False,
        "showSendToCloud": False,  # the "share" button would send the data to plotly's cloud
        "responsive": True,
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }


def figure(data, layout, filename):
    """The figure bundle that `static/js/charts.js` draws: data, layout and config."""
    return {"data": data, "layout": {"font": FONT, **layout, **separators()}, "config": _config(filename)}


def separators():
    """plotly's decimal and thousands separators for the active language, as the tables use them.

    Nothing for a language that writes numbers as plotly does by default (".,": English), so
    those figures stay as they were.
    """
    marks = f"{get_format('DECIMAL_SEPARATOR')}{get_format('THOUSAND_SEPARATOR')}"
    return {} if marks == ".," else {"separators": marks}


def text(label):
    """Text that users typed (names, wordings), made safe for plotly.

    plotly.js reads a few HTML tags in labels (<a href>, <b>, <br>, ...); escaped, the text shows
    exactly as typed and can never become a link or markup.
    """
    return html.escape(str(label), quote=False)


def wrap(label, width=14):
    """Break a long axis label at the space nearest its middle, so it fits beside a small chart;
    a half still longer than `width` + 4 is broken again (German and French theme names are long)."""
    if len(label) <= width or " " not in label:
        return label
    spaces = [i for i, char in enumerate(label) if char == " "]
    cut = min(spaces, key=lambda i: abs(i - len(label) / 2))
    halves = [label[:cut], label[cut + 1 :]]
    return "<br>".join(half if len(half) <= width + 4 else wrap(half, width) for half in halves)


def radar(rows, scale_min, scale_max, filename, height=420, legend=True, font_size=12, label_width=14):
    """Biz and IT means of one value stream's comparison rows as two closed polygons.

    A side with no shown mean on any axis gets no trace at all; a single hidden axis leaves a gap.
    Axis labels are wrapped at about `label_width` characters (narrower for a small chart), and the
    margins are made wide enough for them (`radar_margins`), so no label is cut off.
    """
    axes = [wrap(text(row.name), label_width) for row in rows]
    traces = []
    for side in SIDES:
        means = [_mean(getattr(row, side)) for row in rows]
        if all(mean is None for mean in means):
            continue
        traces.append(
            {
                "type": "scatterpolar",
                "r": means + means[:1],
                "theta": axes + axes[:1],
                "name": SIDE_LABELS[side],
                "fill": "toself",
                "opacity": 0.75,
                "line": {"color": SIDE_COLOURS[side], "width": 3},
                "marker": {"size": 7},
                "connectgaps": False,
                "hovertemplate": "%{theta}: %{r:.2f}<extra>" + SIDE_LABELS[side] + "</extra>",
            }
        )
    layout = {
        "polar": {
            "radialaxis": {"range": [scale_min, scale_max], "dtick": 1, "angle": 90, "tickangle": 90},
            "angularaxis": {"direction": "clockwise"},
        },
        "showlegend": legend,
        # At the foot of the figure, under the bottom margin: never over the label of the lowest axis.
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0.5, "xanchor": "center"},
        "margin": radar_margins(axes, font_size, legend),
        "height": height,
        "font": {**FONT, "size": font_size},
    }
    return figure(traces, layout, filename)


# A character's width and a line's height in the chart's font, as shares of the font size: generous
# averages for the system sans-serif fonts (measured in chromium, tests/browser/test_chart_labels.py).
CHARACTER_WIDTH = 0.62
LINE_HEIGHT = 1.3
LABEL_GAP = 8  # px between a label and the edge of the chart


def radar_margins(axes, font_size, legend=False):
    """Margins in px that hold the radar's axis labels, wherever each one sits.

    plotly puts the first axis at the top and goes clockwise; a label beside the circle runs
    outwards from it (its whole width in the left or right margin), one above or below it is
    centred (its lines in the top or bottom margin, half its width to either side).
    """
    margin = {"l": LABEL_GAP, "r": LABEL_GAP, "t": LABEL_GAP, "b": LABEL_GAP}
    count = len(axes)
    for index, label in enumerate(axes):
        lines = html.unescape(label).split("<br>")
        width = CHARACTER_WIDTH * font_size * max(len(line) for line in lines)
        height = LINE_HEIGHT * font_size * len(lines)
        angle = math.radians(90 - 360 * index / count)
        across, up = math.cos(angle), math.sin(angle)
        if abs(across) >= 0.3:  # beside the circle
            side = "r" if across > 0 else "l"
            margin[side] = max(margin[side], width + LABEL_GAP)
        else:  # above or below it
            margin["l"] = max(margin["l"], width / 2 + LABEL_GAP)
            margin["r"] = max(margin["r"], width / 2 + LABEL_GAP)
        if abs(up) >= 0.7:
            side = "t" if up > 0 else "b"
            margin[side] = max(margin[side], height + LABEL_GAP)
    if legend:  # one line of legend under everything
        margin["b"] += LINE_HEIGHT * font_size + 2 * LABEL_GAP
    return {side: math.ceil(value) for side, value in margin.items()}


def _mean(cell):
    return None if cell is None else cell.mean


def gap_heatmap(report, filename):
    """Value streams × themes, coloured by gap on a scale centred on 0; '*' marks Holm p < .05."""
    themes = report.themes
    streams = report.value_streams
    by_key = {(row.value_stream, row.code): row for row in report.comparisons if row.level == "theme"}
    z, cell_labels = [], []
    for stream in streams:
        z_row, label_row = [], []
        for theme in themes:
            row = by_key[(stream, theme["code"])]
            z_row.append(row.gap)
            label_row.append(heatmap_label(row))
        z.append(z_row)
        cell_labels.append(label_row)
    shown = [abs(gap) for z_row in z for gap in z_row if gap is not None]
    if not shown:  # no value stream has a gap to show: nothing to draw (the page says so), not empty axes
        return figure([], {}, filename)
    largest = max(shown) or 1.0
    trace = {
        "type": "heatmap",
        "z": z,
        "x": [wrap(text(theme["name"])) for theme in themes],
        "y": [text(stream) for stream in streams],
        "text": cell_labels,
        "texttemplate": "%{text}",
        # Translators: hover text of a heatmap cell; %(gap)s is the signed gap, e.g. "+0.71*".
        "hovertemplate": "%{y}<br>%{x}<br>" + gettext("gap %(gap)s") % {"gap": "%{text}"} + "<extra></extra>",
        "colorscale": GAP_COLOURSCALE,
        "zmid": 0,
        "zmin": -largest,
        "zmax": largest,
        "xgap": 2,
        "ygap": 2,
        "colorbar": {"title": {"text": gettext("Gap") + "<br>Biz − IT"}},
    }
    layout = {
        "xaxis": {"side": "top", "tickangle": 0, "automargin": True},
        "yaxis": {"autorange": "reversed", "automargin": True},
        "margin": {"t": 80, "l": 10, "r": 10, "b": 10},
        "height": 120 + 60 * len(streams),
    }
    return figure([trace], layout, filename)


def heatmap_label(row):
    if row.suppressed:
        return gettext("hidden")
    if row.gap is None:
        return "—"
    star = "*" if row.mwu_p_holm is not None and row.mwu_p_holm < 0.05 else ""
    return f"{signed(row.gap)}{star}"


STATEMENT_WIDTH = 36  # characters per line of a statement beside the Likert bars


def likert_bars(items, groups, scale_min, scale_labels, filename):
    """Diverging stacked bars, one pair per item (Biz above IT), plus "not applicable" apart.

    `items` is [(code, text)], `groups` maps (code, side) to an ItemGroup. The neutral middle
    of an odd scale is split across 0. Shares are of the answers on the scale; the right-hand
    panel shows "not applicable" as a share of everyone who answered the item.

    The rows sit on a two-level axis: the statement (its code and its wording, wrapped onto
    short lines so that nothing is cut off), and within it Biz above IT.
    """
    points = len(scale_labels)
    colours = sample_colorscale("BrBG", [i / (points - 1) for i in range(points)]) if points > 1 else [NEUTRAL_GREY]
    middle = (points - 1) / 2
    rows = [(code, side) for code, _ in items for side in SIDES]
    statements = {code: f"<b>{text(code)}</b> {wrap(text(wording), STATEMENT_WIDTH)}" for code, wording in items}
    y = [[statements[code] for code, _ in rows], [SIDE_LABELS[side] for _, side in rows]]
    row_names = [f"{text(code)} · {SIDE_LABELS[side]}" for code, side in rows]
    shares = []
    for code, side in rows:
        group = groups[(code, side)]
        answered = group.answered
        shares.append([count / answered for count in group.counts] if answered else None)

    # Relative bars stack outwards from 0 in trace order, so each half starts at the middle.
    lower = [p for p in range(points) if p < middle]
    upper = [p for p in range(points) if p > middle]
    neutral = [p for p in range(points) if p == middle]
    segments = [(p, -0.5, False) for p in neutral] + [(p, -1.0, True) for p in reversed(lower)]
    segments += [(p, 0.5, True) for p in neutral] + [(p, 1.0, True) for p in upper]
    traces = []
    for p, sign, in_legend in segments:
        label = f"{scale_min + p} {text(scale_labels[p])}"
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "x": [None if share is None else sign * share[p] * 100 for share in shares],
                "y": y,
                "name": label,
                "legendgroup": str(p),
                "legendrank": p + 1,
                "showlegend": in_legend,
                "marker": {"color": NEUTRAL_GREY if p == middle else colours[p]},
                "customdata": [None if share is None else _share(share[p]) for share in shares],
                "text": row_names,
                "textposition": "none",
                "hovertemplate": "%{text}: %{customdata}%<extra>" + label + "</extra>",
            }
        )
    not_applicable_label = gettext("not applicable")
    not_applicable = []
    for code, side in rows:
        group = groups[(code, side)]
        total = (group.answered or 0) + (group.not_applicable or 0)
        not_applicable.append(round(100 * group.not_applicable / total, 1) if total else None)
    traces.append(
        {
            "type": "bar",
            "orientation": "h",
            "x": not_applicable,
            "y": y,
            "xaxis": "x2",
            "name": not_applicable_label,
            "marker": {"color": "#6c757d"},
            "text": row_names,
            "textposition": "none",
            # Translators: hover text of the "not applicable" bar; %(share)s is a percentage, e.g. "12%".
            "hovertemplate": "%{text}: " + gettext("%(share)s not applicable") % {"share": "%{x}%"} + "<extra></extra>",
        }
    )
    # On a category axis a position is also the row's index, which a two-level axis needs.
    hidden = [
        {"x": 0, "y": index, "xref": "x", "yref": "y", "text": _hidden_text(groups[row]), "showarrow": False}
        for index, row in enumerate(rows)
        if groups[row].counts is None or not groups[row].answered
    ]
    layout = {
        "barmode": "relative",
        "xaxis": {
            "domain": [0, 0.8],
            "range": [-100, 100],
            "ticksuffix": "%",
            "zeroline": True,
            "title": {"text": gettext("share")},
        },
        "xaxis2": {
            "domain": [0.84, 1],
            "range": [0, 100],
            "ticksuffix": "%",
            # Translators: short axis title for "not applicable" answers, beside a narrow panel.
            "title": {"text": pgettext("not applicable", "n/a")},
        },
        "yaxis": {"autorange": "reversed", "automargin": True},
        "legend": {"orientation": "h", "y": -0.25, "traceorder": "normal"},
        "annotations": hidden,
        "margin": {"t": 10, "l": 10, "r": 10, "b": 10},
        "height": 120 + 34 * len(rows) + 14 * sum(label.count("<br>") for label in statements.values()),
    }
    return figure(traces, layout, filename)


def _share(share):
    """A share of answers in percent, one decimal, for the hover text.

    plotly writes a number it is given with a point, whatever the separators; so with a decimal
    comma the share goes as text, written as the tables write it.
    """
    percent = round(share * 100, 1)
    if decimal_point():
        return percent
    return localized(percent, 0 if percent.is_integer() else 1)


def _hidden_text(group):
    return gettext("hidden to protect anonymity") if group.status == SUPPRESSED else gettext("no answers")


# How the trend marks a gap that changed significantly since the previous wave, and how it wraps
# wave labels so that they fit under the axis however many waves there are.
SIGNIFICANT_CHANGE_SYMBOL = "diamond"
TREND_LABEL_WIDTH = 20


def gap_trend(wave_labels, series, filename, changes=None):
    """The gap per theme over waves for one value stream. `series` is [(theme name, [gap or None])].

    `changes` (optional), aligned with `series`: [(theme name, [the gap's ChangeRow since the
    previous wave, or None, per wave])]; a point whose change is significant after Holm is drawn
    as a larger diamond, and every shown change is in the point's hover text.

    The wave labels are wrapped and the axis makes room for them (automargin), so no label is
    ever cut off; the legend sits above the chart, out of their way.
    """
    axis_labels = [
        "<br>".join(textwrap.wrap(text(label), TREND_LABEL_WIDTH, break_long_words=False, break_on_hyphens=False))
        for label in wave_labels
    ]
    change_rows = dict(changes or [])
    traces = []
    for name, gaps in series:
        rows = change_rows.get(name) or [None] * len(gaps)
        significant = [row is not None and row.shown and row.significant for row in rows]
        name = text(name)
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": axis_labels,
                "y": gaps,
                "name": name,
                "connectgaps": False,
                "marker": {
                    "symbol": [SIGNIFICANT_CHANGE_SYMBOL if mark else "circle" for mark in significant],
                    "size": [13 if mark else 7 for mark in significant],
                    "line": {"width": [2 if mark else 0 for mark in significant], "color": "#212529"},
                },
                "customdata": [_change_hover(row) for row in rows],
                "hovertemplate": "%{x}<br>" + name + ": %{y:+.2f}%{customdata}<extra></extra>",
            }
        )
    layout = {
        "yaxis": {
            "title": {"text": gettext("Gap (Biz − IT)")},
            "zeroline": True,
            "zerolinewidth": 2,
            "automargin": True,
        },
        "xaxis": {"type": "category", "automargin": True},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        "margin": {"t": 10, "l": 60, "r": 10, "b": 10},
        "height": 400,
    }
    return figure(traces, layout, filename)


def _change_hover(row):
    """The change of a gap since the previous wave, for a point's hover text ("" when there is none to show)."""
    if row is None or not row.shown:
        return ""
    star = " *" if row.significant else ""
    # Translators: hover text of a point in the gap trend; %(change)s is the signed change of the gap
    # since the previous wave, %(p)s its Holm-adjusted p, e.g. "change +0.52, p .012 *".
    return (
        "<br>"
        + gettext("change %(change)s, p %(p)s") % {"change": signed(row.difference), "p": text(p_value(row.p_holm))}
        + star
    )
