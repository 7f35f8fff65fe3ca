"""The wave overview's table: responses per value stream and side, against the head count.

Counts only: how many people answered says nothing about what they answered, and change
managers need it to chase participation. Scores stay on the pages that apply the anonymity rules.
"""

from dataclasses import dataclass

from django.db.models import Count

from surveys.models import HeadCount, Response, Side


@dataclass
class ResponseRow:
    value_stream: object
    biz: int
    it: int
    head_count: int | None
    below_threshold: bool  # a side has 0 < n < k: its scores are hidden on every page

    @property
    def total(self):
        return self.biz + self.it

    @property
    def rate(self):
        """Responses as a percentage of the head count, or None without a head count."""
        return round(100 * self.total / self.head_count) if self.head_count else None


@dataclass
class ResponseTable:
    rows: list
    biz: int
    it: int

    @property
    def total(self):
        return self.biz + self.it


def response_table(wave, organization_streams):
    """One row per value stream of the wave (and any other stream that has responses in it)."""
    counts = {
        (stream_id, side): n
        for stream_id, side, n in Response.objects.filter(wave=wave)
        .values_list("value_stream_id", "side")
        .annotate(n=Count("id"))
        .order_by()
    }
    head_counts = dict(HeadCount.objects.filter(wave=wave).values_list("value_stream_id", "people"))
    k = wave.anonymity_threshold
    rows = []
    for vs in organization_streams:
        biz, it = counts.get((vs.pk, Side.BIZ.value), 0), counts.get((vs.pk, Side.IT.value), 0)
        if not vs.in_wave and not (biz or it):
            continue
        rows.append(
            ResponseRow(
                value_stream=vs,
                biz=biz,
                it=it,
                head_count=head_counts.get(vs.pk),
                below_threshold=any(0 < n < k for n in (biz, it)),
            )
        )
    return ResponseTable(rows=rows, biz=sum(r.biz for r in rows), it=sum(r.it for r in rows))
