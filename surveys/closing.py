"""What a wave's close ends and makes: the final release, and the end of what answering needed.

A closed wave takes no more answers, so its unused invitations (with the addresses kept for
reminders), the record of which addresses were sent a link, and the drafts of questionnaires
never submitted have no purpose left; keeping them would only keep personal data. Closing also
makes the wave's final release (surveys/releases.py), after which the wave never reopens: a
reopened wave would release more responses, and the difference could single people out.

Links stop working at the closing time (`Wave.availability`); `close_due_waves` marks such waves
closed and does the rest, and makes the day's interim releases of open waves that show interim
results. Run it from a daily job (`manage.py close_waves`, docs/administrators.md "The daily job").
Saving a wave as closed (set-up page, admin) and opening a wave's results after its closing time
close it at once (`close_wave`, `close_if_due`).
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import releases
from .models import Draft, Invitation, InvitedAddress, Wave


@dataclass
class Closed:
    waves: int = 0
    invitations_revoked: int = 0
    drafts_deleted: int = 0
    final_releases: int = 0
    interim_releases: int = 0


def erase_what_closing_ends(wave, today=None):
    """Revoke `wave`'s unused invitations (erasing their addresses), forget its invited addresses,
    delete its drafts. Returns (invitations revoked, drafts deleted)."""
    with transaction.atomic():
        revoked = Invitation.objects.unused().filter(wave=wave).update(
            revoked_on=today or timezone.localdate(), email=""
        )
        InvitedAddress.objects.filter(wave=wave).delete()
        drafts, _ = Draft.objects.filter(wave=wave).delete()
    return revoked, drafts


def close_wave(wave, today=None, user=None, actor=""):
    """Close `wave` for good: mark it closed, make its final release, erase what answering needed.

    Returns a `Closed` for this wave. Safe to call again: a wave's final release is made once.
    The release is logged as made by `user` (or `actor`; see releases.AUTOMATIC).
    """
    if wave.status != Wave.Status.CLOSED:
        wave.status = Wave.Status.CLOSED
        Wave.objects.filter(pk=wave.pk).update(status=Wave.Status.CLOSED)
    release = releases.release_final(wave, user, actor)
    revoked, drafts = erase_what_closing_ends(wave, today)
    return Closed(waves=1, invitations_revoked=revoked, drafts_deleted=drafts, final_releases=int(release is not None))


def close_if_due(wave, now=None):
    """Close `wave` if its closing time has passed and it is still marked open; return the wave.

    The daily job does this too; doing it when someone opens the wave's results means nobody
    reads an interim release of a wave that already stopped taking answers.
    """
    if wave.status == Wave.Status.OPEN and wave.closes_at and wave.closes_at <= (now or timezone.now()):
        close_wave(wave, actor=releases.AUTOMATIC)
    return wave


def close_those_due(waves, now=None):
    """Close the waves of the queryset `waves` that are past their closing time but still marked open."""
    for wave in waves.filter(status=Wave.Status.OPEN, closes_at__lte=now or timezone.now()):
        close_wave(wave, actor=releases.AUTOMATIC)


def close_due_waves(now=None):
    """The daily job: close waves past their closing time (final release, erasing what closing ends),
    finish closed waves that still hold something of answering, and make the interim releases of
    open waves that show them."""
    now = now or timezone.now()
    result = Closed()
    due = Wave.objects.filter(status=Wave.Status.OPEN, closes_at__lte=now)
    unfinished = Wave.objects.filter(status=Wave.Status.CLOSED).filter(
        Q(invitations__revoked_on__isnull=True)
        | Q(drafts__isnull=False)
        | Q(invited_addresses__isnull=False)
        | Q(responses__released_in__isnull=True)
    )
    for wave in (due | unfinished).distinct():  # a loop over waves, each erased in bulk
        closed = close_wave(wave, timezone.localdate(now), actor=releases.AUTOMATIC)
        result.waves += 1
        result.invitations_revoked += closed.invitations_revoked
        result.drafts_deleted += closed.drafts_deleted
        result.final_releases += closed.final_releases
    for wave in Wave.objects.open(now).filter(interim_results=True):
        if releases.release_interim(wave, actor=releases.AUTOMATIC) is not None:
            result.interim_releases += 1
    return result
