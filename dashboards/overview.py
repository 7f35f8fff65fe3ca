"""The wave overview: responses per value stream and side against the head count, and the releases.

Counts only: how many people answered says nothing about what they answered, and change
managers need it to chase participation. Scores stay on the pages that read a release and apply
the anonymity rules.
"""

from dataclasses import dataclass

from django.db.models import Count, Q

from surveys.models import HeadCount, Release, Response, Side, Wave
from surveys.releases import groups_to_release


@dataclass
class ResponseRow:
    value_stream: object
    biz: int
    it: int
    released_biz: int  # of `biz`, in the newest release
    released_it: int
    head_count: object  # surveys.models.HeadCount or None
    below_threshold: bool  # a side has 0 < n < k: its scores are hidden on every page

    @property
    def total(self):
        return self.biz + self.it

    @property
    def people(self):
        return self.head_count.people if self.head_count else None

    @property
    def rate(self):
        """Responses as a percentage of the head count, or None without a head count."""
        return _percent(self.total, self.people)

    @property
    def biz_rate(self):
        return _percent(self.biz, self.head_count and self.head_count.biz)

    @property
    def it_rate(self):
        return _percent(self.it, self.head_count and self.head_count.it)


def _percent(part, whole):
    return round(100 * part / whole) if whole else None


@dataclass
class ResponseTable:
    rows: list
    biz: int
    it: int

    @property
    def total(self):
        return self.biz + self.it

    @property
    def people(self):
        """The head counts set, added up; None when no value stream has one."""
        counted = [row.people for row in self.rows if row.people is not None]
        return sum(counted) if counted else None

    @property
    def counted(self):
        """The responses of the value streams with a head count: the rate's numerator."""
        return sum(row.total for row in self.rows if row.people is not None)

    @property
    def rate(self):
        """The overall response rate over the value streams with a head count, or None. Made of the
        rows' own counts and head counts, which the table shows: it tells nothing they do not."""
        return _percent(self.counted, self.people)


def group_counts(wave):
    """Responses per (value stream id, side), and of them how many are released: one query for
    the overview's table and its results panel alike."""
    rows = (
        Response.objects.filter(wave=wave)
        .values_list("value_stream_id", "side")
        .annotate(n=Count("pk"), released=Count("pk", filter=Q(released_in__isnull=False)))
        .order_by()
    )
    return {(stream_id, side): (n, released) for stream_id, side, n, released in rows}


def response_table(wave, organization_streams, counts):
    """One row per value stream of the wave (and any other stream that has responses in it).

    `counts` as from `group_counts`.
    """
    released = {group: n_released for group, (_, n_released) in counts.items()}
    counts = {group: n for group, (n, _) in counts.items()}
    head_counts = {head_count.value_stream_id: head_count for head_count in HeadCount.objects.filter(wave=wave)}
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
                released_biz=released.get((vs.pk, Side.BIZ.value), 0),
                released_it=released.get((vs.pk, Side.IT.value), 0),
                head_count=head_counts.get(vs.pk),
                below_threshold=any(0 < n < k for n in (biz, it)),
            )
        )
    return ResponseTable(rows=rows, biz=sum(r.biz for r in rows), it=sum(r.it for r in rows))


@dataclass
class ReleaseState:
    """Where a wave's results stand: its newest release, and what waits for the next one."""

    wave: object
    release: object  # surveys.models.Release or None
    waiting: int  # responses in no release yet
    ready: int  # of them, those the next release would add now

    @property
    def is_final(self):
        return self.release is not None and self.release.kind == Release.Kind.FINAL

    @property
    def can_release_now(self):
        """Whether a change manager's "release now" would add something."""
        return self.wave.interim_results and self.wave.status == Wave.Status.OPEN and self.ready > 0


def release_state(wave, release, counts):
    """The ReleaseState of `wave`: `release` its newest, `counts` as from `group_counts`."""
    pending = {group: n - n_released for group, (n, n_released) in counts.items() if n > n_released}
    chosen = groups_to_release(pending, wave.anonymity_threshold, first=release is None)
    return ReleaseState(
        wave=wave,
        release=release,
        waiting=sum(pending.values()),
        ready=sum(pending[group] for group in chosen),
    )
