"""How each item was answered, per side: the counts behind the Likert charts.

Pure, like `report.build_report`: it reads a `gather.WaveData` and applies the same anonymity
rules (`anonymity.suppress_cells`). A group here is the respondents of one side who answered the
item (on the scale or "not applicable") in one value stream, or in all of them together. A group
that the rules suppress carries no counts at all, so no page or file built on this can show them.

Answers are counted as given, not reverse-coded: a chart of an item shows what people said to
its wording.
"""

from dataclasses import dataclass

import numpy as np

from .anonymity import SHOWN, SUPPRESSED, suppress_cells

SIDES = ("biz", "it")


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
    k = data.anonymity_threshold
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
        visibility = {}
        for side in SIDES:
            counts, not_applicable = by_side[side]
            respondents = counts[:, i, :].sum(axis=1) + not_applicable[:, i]
            visibility[side] = suppress_cells(
                dict(zip(data.value_stream_names, respondents.tolist(), strict=True)), int(respondents.sum()), k
            )
        for s, name in [*enumerate(data.value_stream_names), (None, None)]:
            for side in SIDES:
                counts, not_applicable = by_side[side]
                status = visibility[side].pooled if name is None else visibility[side].by_value_stream[name]
                group = ItemGroup(value_stream=name, item=code, side=side, status=status)
                if status == SHOWN:
                    if name is None:
                        group.counts = counts[:, i, :].sum(axis=0).tolist()
                        group.not_applicable = int(not_applicable[:, i].sum())
                    else:
                        group.counts = counts[s, i, :].tolist()
                        group.not_applicable = int(not_applicable[s, i])
                elif status != SUPPRESSED:  # empty: nobody answered, which reveals nothing
                    group.counts = [0] * n_points
                    group.not_applicable = 0
                groups.append(group)
    return groups
