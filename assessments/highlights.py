"""Highlights: what stands out in one value stream's (or the pooled) figures, as a few findings.

Pure over a `report.Report`: it reads only the report's comparison rows, so a side the report
hides is no part of any finding (its rows have no comparison and no figures for that side).
The pages turn each finding into a sentence of the reader's language (templates/dashboards/
_highlights.html); this module only chooses and orders them. The rules (docs/researchers.md,
"Highlights"), in the order the findings are listed:

1. Significant gaps: theme comparisons with a Holm-adjusted Mann–Whitney p below .05, the largest
   absolute gap first, at most `MOST["gap"]` of them; each says its Hedges' g and magnitude.
2. Cancelling gaps: a dimension whose themes have non-negligible gaps of opposite sign
   (|g| ≥ 0.2 each way) while the dimension's own gap is negligible (|g| < 0.2) — its mean
   hides two disagreements. The dimension with the widest spread of its themes' gaps first.
3. Split sides: a theme where a shown side's within-group agreement rwg(j) is below `LOW_RWG`
   (.50: weak or no agreement, LeBreton & Senter 2008), so its mean hides a split. The lowest
   rwg first.
4. Agreement: theme comparisons with |g| < 0.2 (negligible, Cohen 1988) that are not
   significant after Holm: Biz and IT see the theme alike. The smallest |g| first.

At most `MOST[kind]` findings of each kind: five in all, so the list stays short.
"""

import math
from dataclasses import dataclass

from .report import DIMENSION, SIDES, THEME
from .stats import COHEN_THRESHOLDS

SIGNIFICANT_GAP, CANCELLING, SPLIT, AGREEMENT = "gap", "cancelling", "split", "agreement"
ALPHA = 0.05  # Holm-adjusted p below this is significant, as the gap tables mark it
NEGLIGIBLE_G = COHEN_THRESHOLDS[0][0]  # |g| below this is negligible (0.2)
LOW_RWG = 0.50  # rwg(j) below this: weak or no agreement within a side
MOST = {SIGNIFICANT_GAP: 2, CANCELLING: 1, SPLIT: 1, AGREEMENT: 1}


@dataclass(frozen=True)
class Highlight:
    """One finding, with the comparison rows whose numbers it rests on (and links to)."""

    kind: str  # SIGNIFICANT_GAP, CANCELLING, SPLIT or AGREEMENT
    row: object  # report.ComparisonRow: the theme (CANCELLING: the dimension)
    side: str | None = None  # SPLIT: the side whose answers are split ("biz" or "it")
    themes: tuple = ()  # CANCELLING: the theme rows with the largest gap each way, Biz higher first

    @property
    def side_cell(self):
        """SPLIT: the split side's cell (n, mean, rwg)."""
        return getattr(self.row, self.side) if self.side else None


def _significant(row):
    return row.mwu_p_holm is not None and row.mwu_p_holm < ALPHA


def _g(row):
    return row.hedges_g if row.hedges_g is not None and math.isfinite(row.hedges_g) else None


def significant_gaps(theme_rows):
    found = [row for row in theme_rows if row.has_figures and _significant(row)]
    return [Highlight(SIGNIFICANT_GAP, row) for row in sorted(found, key=lambda row: -abs(row.gap))]


def cancelling_gaps(report, value_stream=None):
    by_code = {row.code: row for row in report.rows(THEME, value_stream)}
    found = []
    for dimension in report.rows(DIMENSION, value_stream):
        g = _g(dimension)
        if not dimension.has_figures or g is None or abs(g) >= NEGLIGIBLE_G:
            continue
        themes = [
            by_code[theme["code"]]
            for theme in report.themes
            if theme["dimension"] == dimension.code and theme["code"] in by_code
        ]
        compared = [row for row in themes if row.has_figures and _g(row) is not None]
        biz_higher = [row for row in compared if _g(row) >= NEGLIGIBLE_G]
        it_higher = [row for row in compared if _g(row) <= -NEGLIGIBLE_G]
        if biz_higher and it_higher:
            pair = (max(biz_higher, key=lambda row: row.gap), min(it_higher, key=lambda row: row.gap))
            found.append(Highlight(CANCELLING, dimension, themes=pair))
    return sorted(found, key=lambda h: -(h.themes[0].gap - h.themes[1].gap))


def split_sides(theme_rows):
    found = []
    for row in theme_rows:
        for side in SIDES:
            cell = getattr(row, side)  # None when the side is hidden: it counts for nothing
            if cell is not None and cell.rwg is not None and cell.rwg < LOW_RWG:
                found.append(Highlight(SPLIT, row, side=side))
    return sorted(found, key=lambda h: h.side_cell.rwg)


def agreements(theme_rows):
    found = [
        row
        for row in theme_rows
        if row.has_figures and _g(row) is not None and abs(_g(row)) < NEGLIGIBLE_G and not _significant(row)
    ]
    return [Highlight(AGREEMENT, row) for row in sorted(found, key=lambda row: abs(_g(row)))]


def highlights(report, value_stream=None):
    """The findings of one value stream's figures (None: the pooled ones), in the order of the rules."""
    theme_rows = report.rows(THEME, value_stream)
    found = {
        SIGNIFICANT_GAP: significant_gaps(theme_rows),
        CANCELLING: cancelling_gaps(report, value_stream),
        SPLIT: split_sides(theme_rows),
        AGREEMENT: agreements(theme_rows),
    }
    return [highlight for kind, listed in found.items() for highlight in listed[: MOST[kind]]]
