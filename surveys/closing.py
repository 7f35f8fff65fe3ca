"""What a wave's close ends: everything that existed only so that people could answer.

A closed wave takes no more answers, so its unused invitations (with the addresses kept for
reminders), the record of which addresses were sent a link, and the drafts of questionnaires
never submitted have no purpose left; keeping them would only keep personal data. Links already
stop working at the closing time (`Wave.availability`); `close_due_waves` also erases what they
leave behind, and marks the wave closed, so that re-opening it is a deliberate act and does not
wake old links. Run it from a daily job (`manage.py close_waves`, README "Running in production");
saving a wave as closed in the set-up page does the same at once.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Draft, Invitation, InvitedAddress, Wave


@dataclass
class Closed:
    waves: int = 0
    invitations_revoked: int = 0
    drafts_deleted: int = 0


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


def close_due_waves(now=None):
    """Close every wave past its closing time, and erase what closing ends for every closed wave."""
    now = now or timezone.now()
    Wave.objects.filter(status=Wave.Status.OPEN, closes_at__lte=now).update(status=Wave.Status.CLOSED)
    result = Closed()
    closed = Wave.objects.filter(status=Wave.Status.CLOSED).filter(
        Q(invitations__revoked_on__isnull=True) | Q(drafts__isnull=False) | Q(invited_addresses__isnull=False)
    )
    for wave in closed.distinct():  # a loop over waves, each erased in bulk
        revoked, drafts = erase_what_closing_ends(wave, timezone.localdate(now))
        result.waves += 1
        result.invitations_revoked += revoked
        result.drafts_deleted += drafts
    return result
