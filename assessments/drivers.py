"""Item drivers: which statements drive a theme's gap — Biz against IT per item.

Pure, like `report.build_report` and `items.item_groups`: it reads a `gather.WaveData` and
hides exactly the groups the report hides (`report.disclosure`, then `anonymity.cell_status`
with the item's respondents, as `items.item_groups` counts them: answered on the scale or "not
applicable"). A hidden side carries no figures, and its item has no comparison.

Per item, per value stream and pooled (see docs/researchers.md, "Item drivers"):

- answers are reverse-coded first (x' = min + max − x), so that an item's gap points the same
  way as its theme's gap; "not applicable" and unanswered are left out;
- n and mean per side, gap = mean(Biz) − mean(IT);
- Mann–Whitney U of Biz and its two-sided p exactly as the theme comparisons compute them
  (`stats.compare_counts`: scipy's `mannwhitneyu` with its defaults), and the rank-biserial
  r = 2U/(n_Biz·n_IT) − 1 (positive: Biz higher);
- Holm-adjusted p within the theme: the family is the items of one theme in one value stream
  (or the pooled rows) that have a p.
"""

import math
from dataclasses import dataclass

import numpy as np

from . import stats
from .anonymity import SHOWN, SUPPRESSED, cell_status
from .report import SIDES, disclosure, group_counts


@dataclass
class ItemDriver:
    """Biz against IT on one item in one value stream (None: all value streams)."""

    value_stream: str | None
    item: str
    theme: str
    reverse: bool  # reverse-worded: its answers were reverse-coded for these figures
    biz_status: str  # anonymity.SHOWN, SUPPRESSED or EMPTY
    it_status: str
    biz_n: int | None = None  # answers on the scale; None when the side is hidden
    biz_mean: float | None = None
    it_n: int | None = None
    it_mean: float | None = None
    gap: float | None = None
    mwu_u: float | None = None
    mwu_p: float | None = None
    mwu_p_holm: float | None = None
    rank_biserial: float | None = None

    @property
    def suppressed(self):
        """A side is hidden: no figures for it, and no comparison."""
        return SUPPRESSED in (self.biz_status, self.it_status)

    @property
    def has_figures(self):
        return self.gap is not None


def _float(value):
    value = float(value)
    return value if math.isfinite(value) else None


def item_drivers(data):
    """Every (item, value stream or pooled) driver of the wave.

    Ordered by item (questionnaire order), then value stream (pooled last).
    """
    groups_shown = disclosure(data)
    n_streams = len(data.value_stream_names)
    reverse_coded = np.array(data.answers, dtype=float)  # a copy
    reverse_coded[:, data.item_reverse] = stats.reverse_code(
        reverse_coded[:, data.item_reverse], data.scale_min, data.scale_max
    )
    # Cell of each response: 2 · stream + side, side 0 = Biz; counts[cell, item, level] in one bincount.
    response_cell = 2 * data.response_value_stream + np.where(data.response_is_biz, 0, 1)
    levels, counts = stats.value_counts(reverse_coded, response_cell, 2 * n_streams)
    counts = counts.reshape(n_streams, 2, *counts.shape[1:])
    counts = np.concatenate([counts, counts.sum(axis=0, keepdims=True)])  # the pooled cells: a last stream
    # Respondents counted in each item's measure (on the scale or "not applicable"): what decides "empty".
    answered = ~np.isnan(data.answers) | data.not_applicable
    respondents = group_counts(data.response_value_stream, data.response_is_biz, answered, n_streams)
    respondents = np.concatenate([respondents, respondents.sum(axis=0, keepdims=True)])

    drivers = []
    for i, code in enumerate(data.item_codes):
        theme = data.theme_codes[data.item_theme[i]]
        for s, name in [*enumerate(data.value_stream_names), (n_streams, None)]:
            statuses = {
                side: cell_status(groups_shown.status(side, name), respondents[s, j, i]) for j, side in enumerate(SIDES)
            }
            driver = ItemDriver(name, code, theme, bool(data.item_reverse[i]), statuses["biz"], statuses["it"])
            side_counts = {}
            for j, side in enumerate(SIDES):
                if statuses[side] == SUPPRESSED:
                    continue
                side_counts[side] = counts[s, j, i]
                n = int(side_counts[side].sum())
                setattr(driver, f"{side}_n", n)
                setattr(driver, f"{side}_mean", _float(side_counts[side] @ levels / n) if n else None)
            if statuses["biz"] == statuses["it"] == SHOWN and driver.biz_n and driver.it_n:
                result = stats.compare_counts(levels, side_counts["biz"], side_counts["it"])
                driver.gap = _float(result.gap)
                driver.mwu_u = _float(result.mwu_u)
                driver.mwu_p = _float(result.mwu_p)
                driver.rank_biserial = _float(result.rank_biserial)
            drivers.append(driver)
    _adjust_within_themes(drivers)
    return drivers


def _adjust_within_themes(drivers):
    """Holm within each (value stream, theme): the items of the theme there that have a p."""
    families = {}
    for driver in drivers:
        if driver.mwu_p is not None:
            families.setdefault((driver.value_stream, driver.theme), []).append(driver)
    for family in families.values():
        for driver, adjusted in zip(family, stats.holm([d.mwu_p for d in family]), strict=True):
            driver.mwu_p_holm = _float(adjusted)


def by_gap(drivers):
    """Drivers sorted by the size of their gap, largest first; those without a comparison last, in order."""
    return sorted(drivers, key=lambda d: -abs(d.gap) if d.gap is not None else math.inf)
