"""Releases: the frozen sets of responses that every figure, chart and file is computed from.

Why. Figures computed from the live responses change with every submission, so two downloads
taken before and after one colleague answers differ by exactly that colleague's answers. So
nobody sees the live responses: they see releases, and any two releases of a wave differ, in
every value stream and side, by no response or by at least k (the wave's threshold):

1. The first release of a wave holds every response it has at that moment (there is nothing
   earlier to subtract it from).
2. Every later release adds, per value stream and side, the responses not yet released if there
   are at least k of them, and none otherwise: those wait for the next release.
3. Releases are cumulative (release n holds everything of release n − 1), so the difference of
   any two is a sum of such steps: none or at least k in each group.

A wave that shows interim results gets interim releases while it is open (`release_interim`:
the daily job, or a change manager's button); every wave gets its final release when it closes
(`release_final`). After the final release the wave never reopens, and responses still waiting
then (fewer than k in their group since the last interim release) can never be added: they are
deleted, since no one may ever read them. A wave without interim results has only its final
release, which holds everything.
"""

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Count, Q

from . import audit
from .models import Release, Response, Wave

# Who a release made by the clock (the daily job, or a wave found past its closing time) is logged as.
AUTOMATIC = "close_waves"


def groups_to_release(pending: Mapping, k: int, first: bool) -> set:
    """The groups whose waiting responses go into the next release (rules 1 and 2 above).

    Parameters
    ----------
    pending : Mapping
        Responses not yet released per group (any hashable key, e.g. (value stream id, side)).
    k : int
        The wave's anonymity threshold.
    first : bool
        Whether this is the wave's first release.

    Examples
    --------
    >>> sorted(groups_to_release({"A": 2, "B": 5, "C": 0}, k=5, first=False))
    ['B']
    >>> sorted(groups_to_release({"A": 2, "B": 5, "C": 0}, k=5, first=True))
    ['A', 'B']
    """
    if first:
        return {group for group, n in pending.items() if n > 0}
    return {group for group, n in pending.items() if n >= k}


def pending_counts(wave):
    """Responses not yet in any release, per (value stream id, side)."""
    rows = (
        Response.objects.filter(wave=wave, released_in__isnull=True)
        .values_list("value_stream_id", "side")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(stream, side): n for stream, side, n in rows}


def newest_release(wave):
    """The wave's newest release, or None: what every page, file and command shows of it."""
    return wave.releases.order_by("-number").first()


def _release(wave, kind, user=None, actor=""):
    """Make the next release of `wave` (locked, so two at once get distinct numbers); None if it adds nothing.

    Logged in the audit log as done by `user` (or `actor`): with its number, kind and counts of
    the whole wave, nothing per group.
    """
    with transaction.atomic():
        wave = Wave.objects.select_for_update().get(pk=wave.pk)
        last = newest_release(wave)
        if last is not None and last.kind == Release.Kind.FINAL:
            return None
        pending = pending_counts(wave)
        chosen = groups_to_release(pending, wave.anonymity_threshold, first=last is None)
        if not chosen and (kind == Release.Kind.INTERIM or last is None):
            return None  # an interim release that adds nothing, or a final one of a wave nobody answered
        number = 1 if last is None else last.number + 1
        added = 0
        if chosen:
            in_chosen = Q()
            for stream, side in chosen:
                in_chosen |= Q(value_stream_id=stream, side=side)
            added = Response.objects.filter(in_chosen, wave=wave, released_in__isnull=True).update(released_in=number)
        total = Response.objects.filter(wave=wave, released_in__isnull=False).count()
        withheld = 0
        if kind == Release.Kind.FINAL:
            # Never releasable now (rule 2, and the wave never reopens): no one may ever read them.
            _, deleted = Response.objects.filter(wave=wave, released_in__isnull=True).delete()
            withheld = deleted.get(Response._meta.label, 0)
        release = Release.objects.create(wave=wave, number=number, kind=kind, responses=total, withheld=withheld)
        audit.record(
            "release",
            organization=wave.organization,
            wave=wave,
            user=user,
            actor=actor,
            number=number,
            kind=kind,
            responses=total,
            added=added,
            withheld=withheld,
        )
    return release


def release_interim(wave, user=None, actor=""):
    """An interim release of an open wave that shows interim results; None if there is nothing to add."""
    if not wave.interim_results or wave.status != Wave.Status.OPEN:
        return None
    return _release(wave, Release.Kind.INTERIM, user, actor)


def release_final(wave, user=None, actor=""):
    """The final release of a closed wave; None if it has one already or nobody answered."""
    if wave.status != Wave.Status.CLOSED:
        raise ValueError(f'The wave "{wave}" is not closed: only a closed wave gets its final release.')
    return _release(wave, Release.Kind.FINAL, user, actor)
