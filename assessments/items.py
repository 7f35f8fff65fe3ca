"""How each item was answered, per side: the counts behind the Likert charts.

Pure, like `report.build_report`: it reads a `gather.WaveData` and hides exactly the groups the
report hides (`report.disclosure`: one decision per side for every table). A group here is the
respondents of one side who answered the item (on the scale or "not applicable") in one value
stream, or in all of them together. A hidden group carries no counts at all, so no page or file
built on this can show them.

Answers are counted as given, not reverse-coded: a chart of an item shows what people said to
its wording.
"""

from dataclasses import dataclass

import numpy as np

from .anonymity import SHOWN, SUPPRESSED, cell_status
from .report import SIDES, disclosure


@dataclass
class ItemGroup:
    """The answers of one side to one item in one value stream (None: all value streams)."""

    value_stream: str | None
    item: str
    side: str
    status: str  # anonymity.SHOWN, SUPPRESSED or EMPTY
    counts: list | None = None  # respondents per scale point, scale_min..scale_max; None unless shown
    not_applicable: int | None = None

    @property
    def answered(self):
        """Respondents who chose a point on the scale (not "not applicable")."""
        return sum(self.counts) if self.counts is not None else None


def item_groups(data):
    """Every (item, side, value stream or pooled) group of the wave, with counts where shown.

    Ordered by item (questionnaire order), then value stream (pooled last), then Biz before IT.
    """
    groups_shown = disclosure(data)
    n_streams = len(data.value_stream_names)
    n_points = data.scale_points
    n_items = len(data.item_codes)
    on_scale = ~np.isnan(data.answers)
    # Scale point index 0..n_points-1 of every answer on the scale; 0 elsewhere (masked out below).
    point = np.where(on_scale, np.nan_to_num(data.answers, nan=data.scale_min) - data.scale_min, 0).astype(np.int64)
    stream = data.response_value_stream

    by_side = {}
    for side in SIDES:
        members = data.response_is_biz if side == "biz" else ~data.response_is_biz
        scale_mask = on_scale & members[:, None]
        na_mask = data.not_applicable & members[:, None]
        # counts[stream, item, point] and not_applicable[stream, item] in two bincounts.
        item_index = np.broadcast_to(np.arange(n_items)[None, :], data.answers.shape)
        stream_index = np.broadcast_to(stream[:, None], data.answers.shape)
        flat = (stream_index * n_items + item_index) * n_points + point
        counts = np.bincount(flat[scale_mask], minlength=n_streams * n_items * n_points).reshape(
            n_streams, n_items, n_points
        )
        not_applicable = np.bincount(
            (stream_index * n_items + item_index)[na_mask], minlength=n_streams * n_items
        ).reshape(n_streams, n_items)
        by_side[side] = (counts, not_applicable)

    groups = []
    for i, code in enumerate(data.item_codes):
        for s, name in [*enumerate(data.value_stream_names), (None, None)]:
            for side in SIDES:
                counts, not_applicable = by_side[side]
                if name is None:
                    group_counts, group_not_applicable = counts[:, i, :].sum(axis=0), int(not_applicable[:, i].sum())
                else:
                    group_counts, group_not_applicable = counts[s, i, :], int(not_applicable[s, i])
                respondents = int(group_counts.sum()) + group_not_applicable
                status = cell_status(groups_shown.status(side, name), respondents)
                group = ItemGroup(value_stream=name, item=code, side=side, status=status)
                if status == SHOWN:
                    group.counts = group_counts.tolist()
                    group.not_applicable = group_not_applicable
                elif status != SUPPRESSED:  # empty: nobody answered, which reveals nothing
                    group.counts = [0] * n_points
                    group.not_applicable = 0
                groups.append(group)
    return groups
