"""Charts of the shared report as plain SVG strings, drawn from the report's numbers on the server.

The report must print, and become a PDF, without a browser and without network: plotly draws in
the browser, and its image export needs kaleido and Chrome. These few shapes need neither.
Like `charts`, these are pure functions of the report's rows and draw only what the report
holds, so a hidden side is never drawn. Every text is escaped; the pictures carry `role="img"`
and a label, and the tables beside them carry the same numbers for screen readers.

Sizes are in CSS pixels, and the text is measured by an estimate (`TEXT_WIDTH` per character,
wide enough for DejaVu Sans, the report's font): the picture's viewBox grows to hold every label,
so no label is cut off in any language.
"""

import math
from html import escape

from django.utils.translation import gettext

from assessments.report import SIDES

from .charts import SIDE_COLOURS, SIDE_LABELS, wrap
from .templatetags.figures import signed

FONT_SIZE = 11
TEXT_WIDTH = 0.62  # of the font size per character: DejaVu Sans averages less
LINE_HEIGHT = 1.2
GRID = "#c8c8c8"
INK = "#212529"
BACKGROUND = (0xF7, 0xF7, 0xF7)  # the heatmap's white, as in charts.GAP_COLOURSCALE


def _number(value):
    """A coordinate with two decimals: short, and the same on every run."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _text_width(line, font_size):
    return len(line) * font_size * TEXT_WIDTH


def _label(lines, x, y, anchor, font_size, extra=""):
    """A text of one or more lines, the first line's baseline at y."""
    spans = "".join(
        f'<tspan x="{_number(x)}" dy="{0 if i == 0 else _number(font_size * LINE_HEIGHT)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    position = f'x="{_number(x)}" y="{_number(y)}" text-anchor="{anchor}" font-size="{font_size}"'
    return f"<text {position}{extra}>{spans}</text>"


def _svg(width_box, body, label):
    """The picture with a viewBox that holds `width_box` = (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = width_box
    width, height = x1 - x0, y1 - y0
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(label)}" '
        f'viewBox="{_number(x0)} {_number(y0)} {_number(width)} {_number(height)}" '
        f'width="{_number(width)}" height="{_number(height)}" class="report-chart" '
        f'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif">{body}</svg>'
    )


def radar(rows, scale_min, scale_max, label, radius=110, font_size=FONT_SIZE):
    """Biz and IT means of one value stream's comparison rows (themes or dimensions) as a radar.

    Axes clockwise from the top, the radial axis over the whole scale. A side without a shown mean
    on any axis is not drawn at all; one missing mean leaves its axis without a point, and the
    polygon open there (no fill), as the page's radar does.
    """
    count = len(rows)
    angles = [-math.pi / 2 + 2 * math.pi * i / count for i in range(count)]
    span = (scale_max - scale_min) or 1

    def point(value, angle):
        distance = radius * (value - scale_min) / span
        return distance * math.cos(angle), distance * math.sin(angle)

    parts = []
    corners = [point(scale_max, angle) for angle in angles]
    xs, ys = [x for x, _ in corners], [y for _, y in corners]
    box = [min(xs), min(ys), max(xs), max(ys)]  # grows with the labels
    for level in range(scale_min, scale_max + 1):  # the grid: one polygon per scale point
        ring = " ".join(f"{_number(x)},{_number(y)}" for x, y in (point(level, a) for a in angles))
        parts.append(f'<polygon points="{ring}" fill="none" stroke="{GRID}" stroke-width="1"/>')
    for level in range(scale_min + 1, scale_max + 1):
        x, y = point(level, -math.pi / 2)
        parts.append(_label([str(level)], x + 3, y + font_size * 0.35, "start", font_size * 0.8, f' fill="{INK}"'))
    for angle, row in zip(angles, rows, strict=True):
        x, y = point(scale_max, angle)
        parts.append(f'<line x1="0" y1="0" x2="{_number(x)}" y2="{_number(y)}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(_axis_label(row.name, angle, radius + 8, font_size, box))
    for side in SIDES:
        means = [None if getattr(row, side) is None else getattr(row, side).mean for row in rows]
        if all(mean is None for mean in means):
            continue
        parts.append(_polygon(side, [None if m is None else point(m, a) for m, a in zip(means, angles, strict=True)]))
    parts.append(_legend([side for side in SIDES if _drawn(rows, side)], box, font_size))
    padding = 4
    return _svg((box[0] - padding, box[1] - padding, box[2] + padding, box[3] + padding), "".join(parts), label)


def _drawn(rows, side):
    return any(getattr(row, side) is not None and getattr(row, side).mean is not None for row in rows)


def _axis_label(name, angle, distance, font_size, box):
    """An axis's name outside the circle, anchored away from it; grows `box` to hold it."""
    lines = wrap(name).split("<br>")
    cos, sin = math.cos(angle), math.sin(angle)
    x, y = distance * cos, distance * sin
    anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
    height = font_size * LINE_HEIGHT * len(lines)
    # Above the circle the text grows upwards, below it downwards, beside it around the axis.
    top = y - height if sin < -0.2 else (y if sin > 0.2 else y - height / 2)
    width = max(_text_width(line, font_size) for line in lines)
    left = {"start": x, "end": x - width, "middle": x - width / 2}[anchor]
    box[0], box[1] = min(box[0], left), min(box[1], top)
    box[2], box[3] = max(box[2], left + width), max(box[3], top + height)
    return _label(lines, x, top + font_size, anchor, font_size, f' fill="{INK}"')


def _polygon(side, points):
    colour = SIDE_COLOURS[side]
    marks = "".join(
        f'<circle cx="{_number(x)}" cy="{_number(y)}" r="3" fill="{colour}"/>' for x, y in filter(None, points)
    )
    if all(points):
        ring = " ".join(f"{_number(x)},{_number(y)}" for x, y in points)
        return (
            f'<polygon points="{ring}" fill="{colour}" fill-opacity="0.2" stroke="{colour}" stroke-width="2.5"/>{marks}'
        )
    # A missing mean: lines only between neighbouring axes that both have one.
    lines = []
    for start, end in zip(points, points[1:] + points[:1], strict=True):
        if start and end:
            lines.append(
                f'<line x1="{_number(start[0])}" y1="{_number(start[1])}" x2="{_number(end[0])}" '
                f'y2="{_number(end[1])}" stroke="{colour}" stroke-width="2.5"/>'
            )
    return "".join(lines) + marks


def _legend(sides, box, font_size):
    """A square and the name of each side drawn, in a row below the chart."""
    y = box[3] + font_size
    x = box[0]
    parts = []
    for side in sides:
        parts.append(
            f'<rect x="{_number(x)}" y="{_number(y - font_size * 0.8)}" width="{_number(font_size * 0.8)}" '
            f'height="{_number(font_size * 0.8)}" fill="{SIDE_COLOURS[side]}"/>'
        )
        parts.append(_label([SIDE_LABELS[side]], x + font_size, y, "start", font_size, f' fill="{INK}"'))
        x += font_size * 4
    box[3] = y + font_size * 0.4
    return "".join(parts)


def gap_bars(rows, label, width=220, font_size=FONT_SIZE):
    """The gap (Biz − IT) of each row as a bar from 0: right and blue where Biz scores higher, left
    and orange where IT does. A row without a comparison reads "hidden" or "no comparison"."""
    bar_height, gap = font_size * 1.5, font_size * 0.6
    largest = max((abs(row.gap) for row in rows if row.gap is not None), default=0) or 1
    names = [row.name for row in rows]
    label_width = max((_text_width(name, font_size) for name in names), default=0) + 8
    value_width = _text_width("+0.00", font_size) + 6
    half = width / 2
    zero = label_width + value_width + half
    parts = []
    for i, row in enumerate(rows):
        top = i * (bar_height + gap)
        middle = top + bar_height / 2 + font_size * 0.35
        parts.append(_label([row.name], label_width - 8, middle, "end", font_size, f' fill="{INK}"'))
        if row.gap is None:
            note = gettext("hidden") if row.suppressed else gettext("no comparison")
            parts.append(_label([note], zero, middle, "middle", font_size, f' fill="{INK}" font-style="italic"'))
            continue
        length = half * abs(row.gap) / largest
        side = "biz" if row.gap >= 0 else "it"
        x = zero if row.gap >= 0 else zero - length
        parts.append(
            f'<rect x="{_number(x)}" y="{_number(top)}" width="{_number(length)}" height="{_number(bar_height)}" '
            f'fill="{SIDE_COLOURS[side]}"/>'
        )
        text_x, anchor = (zero + length + 4, "start") if row.gap >= 0 else (zero - length - 4, "end")
        parts.append(_label([signed(row.gap)], text_x, middle, anchor, font_size, f' fill="{INK}"'))
    height = len(rows) * (bar_height + gap)
    parts.append(f'<line x1="{_number(zero)}" y1="-2" x2="{_number(zero)}" y2="{_number(height)}" stroke="{INK}"/>')
    return _svg((0, -4, zero + half + value_width, height + 2), "".join(parts), label)


def gap_colour(gap, largest):
    """The background of a heatmap cell: from the light grey at 0 halfway to the colour of the side
    that scores higher (Biz blue, IT orange) at the largest gap shown; dark text stays readable."""
    if gap is None or not largest:
        return None
    target = SIDE_COLOURS["biz" if gap >= 0 else "it"]
    rgb = [int(target[i : i + 2], 16) for i in (1, 3, 5)]
    share = 0.5 * min(abs(gap) / largest, 1)
    mixed = [round(b + (c - b) * share) for b, c in zip(BACKGROUND, rgb, strict=True)]
    return "#" + "".join(f"{channel:02x}" for channel in mixed)
