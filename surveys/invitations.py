"""Personal invitations: one-time links to a wave, per value stream and side.

Plain functions, called by the `invite` command and by the change manager's pages:

- ``create_invitations(wave, value_stream, side, count)`` → ``[(invitation, token), ...]``, for a
  mail merge through ``invitations_csv_rows(pairs, build_url)`` (header ``CSV_HEADER``);
- ``send_invitations(wave, value_stream, side, emails, build_url)`` e-mails one link per address;
- ``send_reminders(wave, build_url)`` e-mails a fresh link to every unused invitation that has
  an address;
- ``revoke_invitations(selected)`` ends the unused ones of some invitations at once, and
  ``revoke(invitation)`` one of them;
- ``invitation_for_token(token)`` is the invitation of a link, unused or revoked, or None;
- ``links_left(wave, value_stream, side)`` is how many more links the group's head count allows.

Links for a group (value stream and side) are bounded by its head count (see HeadCount): beyond
it, or without one, ``create_invitations`` and ``send_invitations`` raise LinkLimitReached and
store nothing.

``build_url`` is any function from a token to the absolute link, e.g. ``link_builder(base_url)``
or ``lambda token: request.build_absolute_uri(invitation_path(token))`` in a view.

Each of the first four writes the audit log (`surveys.audit`): how many links, for which value
stream and side, by whom — the keyword arguments ``user`` (a person on a page) or ``actor`` (a
name; by default the operating-system account, for a command).

What keeps a person apart from their answers: a token (256 random bits) exists only in the link
handed out; the database holds its SHA-256 hash. An invitation is unused or revoked, never
"used": submitting deletes it in the transaction that stores the response
(`questionnaire.submit_draft`), so after a submission no row points from an invitation to a
response — the response has no reference to it and no time finer than the day, and on
PostgreSQL no live invitation row carries the id of the submitting transaction (xmin). A used
link therefore looks exactly like an unknown one. The remaining caveat: PostgreSQL keeps the
deleted row version on disk until VACUUM (routine autovacuum) removes it; until then it is
readable only with superuser tools such as pageinspect.
"""

import hashlib
import hmac
import secrets
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.secret_links import hash_token, new_token

from . import audit
from .models import Draft, HeadCount, Invitation, InvitedAddress, Side
from .spreadsheets import formula_safe

CSV_HEADER = ["value_stream", "side", "link"]


class SendingFailed(Exception):
    """The mail server refused a message part-way. The invitations that were not sent are revoked,
    their addresses forgotten and their places under the head count given back (their links never
    reached anyone), so sending again to `unsent` is safe."""

    def __init__(self, sent, unsent):
        self.sent = sent
        self.unsent = unsent
        super().__init__(f"The mail server failed after {len(sent)} messages; not sent: {', '.join(unsent)}")


# Biz and IT are called so in every language of the staff pages.
SIDE_NAMES = {Side.BIZ: "Biz", Side.IT: "IT"}


class LinkLimitReached(ValueError):
    """Links for a value stream and side are limited to its head count: `left` more may be made
    (None: the group has no head count, so none), `wanted` were asked for. Nothing was stored."""

    def __init__(self, value_stream, side, head_count, left, wanted):
        self.value_stream, self.side, self.wanted = value_stream, side, wanted
        self.head_count, self.left = head_count, left
        group = f"{value_stream}, {SIDE_NAMES[side]}"
        if head_count is None:
            message = (
                f"Links for {group} are limited to its head count, and it has none (head counts are set in the "
                "wave's set-up before it opens). Nothing was made."
            )
        else:
            message = (
                f"Links for {group} are limited to its head count of {head_count}; links left: {left}, "
                f"asked for: {wanted}. Nothing was made."
            )
        super().__init__(message)


def links_left(wave, value_stream, side):
    """How many more links the head count of `value_stream` and `side` allows; None without a head count."""
    row = HeadCount.objects.filter(wave=wave, value_stream=value_stream).values_list(side, f"{side}_links").first()
    if row is None or row[0] is None:
        return None
    return row[0] - row[1]


def _take_places(wave, value_stream, side, wanted):
    """Count `wanted` more links for the group, or raise LinkLimitReached. Part of the transaction
    that stores them, so a refusal or a failure stores nothing and counts nothing.

    One conditional UPDATE: two requests at once cannot both take the last places, which a
    read, then a check, then a write could.
    """
    issued = f"{side}_links"
    taken = HeadCount.objects.filter(
        wave=wave, value_stream=value_stream, **{f"{side}__gte": F(issued) + wanted}
    ).update(**{issued: F(issued) + wanted})
    if not taken:
        head_count = HeadCount.objects.filter(wave=wave, value_stream=value_stream).values_list(side, flat=True).first()
        raise LinkLimitReached(value_stream, side, head_count, links_left(wave, value_stream, side), wanted)


@dataclass
class Sending:
    """What `send_invitations` did: addresses invited now, and those sent a link to the wave before."""

    sent: list = field(default_factory=list)
    already_invited: list = field(default_factory=list)


def address_hash(wave_id, address):
    """A keyed hash of an e-mail address for one wave: without the secret key, a copy of the
    database cannot be checked against a list of the staff's addresses."""
    message = f"{wave_id}:{address.strip().lower()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def invitation_path(token):
    return reverse("surveys:invitation", args=[token])


def link_builder(base_url):
    """A `build_url` for links under `base_url`, e.g. "https://survey.example.org"."""
    base = base_url.rstrip("/")
    return lambda token: base + invitation_path(token)


def _check_target(wave, value_stream, side):
    if side not in Side.values:
        raise ValueError(f'"{side}" is not a side; use one of {", ".join(Side.values)}.')
    if not wave.value_streams.filter(pk=value_stream.pk).exists():
        raise ValueError(f'"{value_stream}" is not a value stream of the wave "{wave}".')


def _new_invitations(wave, value_stream, side, emails):
    """Store one invitation per entry of `emails` ("" for none); return [(invitation, token)] in their order."""
    pairs = []
    for email in emails:
        token = new_token()
        invitation = Invitation(
            wave=wave, value_stream=value_stream, side=side, token_hash=hash_token(token), email=email
        )
        pairs.append((invitation, token))
    # Stored in a random order: numbered in the order of the list, an invitation's number (in the
    # admin, say) would tell whose it is, and its disappearance that this person has answered.
    stored = [invitation for invitation, _ in pairs]
    secrets.SystemRandom().shuffle(stored)
    Invitation.objects.bulk_create(stored)
    return pairs


def create_invitations(wave, value_stream, side, count, *, user=None, actor=""):
    """Create `count` invitations for people of `value_stream` on `side` (Side value: "biz" or "it").

    Returns ``[(invitation, token), ...]``: the only moment the tokens exist. Raises ValueError
    when the value stream is not part of the wave or the side is unknown, and LinkLimitReached
    (a ValueError) beyond the group's head count.
    """
    _check_target(wave, value_stream, side)
    if count < 1:
        raise ValueError("The number of invitations must be at least 1.")
    with transaction.atomic():
        _take_places(wave, value_stream, side, count)
        pairs = _new_invitations(wave, value_stream, side, [""] * count)
        who, group = _audited(wave, user, actor), _group(value_stream, side)
        audit.record("links_created", **who, **group, count=count, channel="csv")
    return pairs


def _audited(wave, user, actor):
    """Whose action on which wave, as `audit.record` takes it."""
    return {"organization": wave.organization, "wave": wave, "user": user, "actor": actor}


def _group(value_stream, side):
    """The group an action was for, as the audit log keeps it: names, not ids, so it reads on its own."""
    return {"value_stream": value_stream.name, "side": side}


def invitations_csv_rows(pairs, build_url):
    """Rows for a mail-merge CSV with the columns of CSV_HEADER: value stream, side, link.

    `pairs` as returned by `create_invitations`. Names that a spreadsheet would run as a formula
    are quoted.
    """
    for invitation, token in pairs:
        yield [formula_safe(invitation.value_stream.name), invitation.side, build_url(token)]


class InvalidAddresses(ValueError):
    """Some entries of a list are not e-mail addresses; `addresses` names them."""

    def __init__(self, addresses):
        self.addresses = addresses
        super().__init__(f"Not e-mail addresses: {', '.join(addresses)}. Nothing was sent.")


def clean_addresses(emails):
    """The addresses of `emails`, stripped, without blanks and repeats (ignoring case).

    Raises InvalidAddresses naming every address that is not one, so nothing is sent from a list with typos.
    """
    addresses, seen, invalid = [], set(), []
    for raw in emails:
        address = raw.strip()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            invalid.append(address)
            continue
        if address.lower() not in seen:
            seen.add(address.lower())
            addresses.append(address)
    if invalid:
        raise InvalidAddresses(invalid)
    return addresses


def _message(template, invitation, link):
    context = {
        "wave": invitation.wave,
        "organization": invitation.wave.organization,
        "value_stream": invitation.value_stream,
        "side": invitation.get_side_display(),
        "link": link,
    }
    # In the wave's first language, whatever the language of the change manager's page that sends it.
    with translation.override(invitation.wave.offered_languages()[0]):
        subject = " ".join(render_to_string(f"surveys/email/{template}_subject.txt", context).split())
        body = render_to_string(f"surveys/email/{template}_body.txt", context)
    return mail.EmailMessage(subject, body, to=[invitation.email])


def send_invitations(wave, value_stream, side, emails, build_url, connection=None, *, user=None, actor=""):
    """E-mail a personal link to each address of `emails` for `value_stream` and `side`.

    Addresses that have been sent a link to this wave before are left out, whether that link has
    been used, revoked or neither (a second link would let one person answer twice, and a
    difference would tell who has answered), and listed in the result's ``already_invited``;
    `InvitedAddress` remembers them as keyed hashes until the wave closes. The address itself is
    kept only for reminders: it is deleted with the invitation when the invitation is used, and
    erased when it is revoked.
    Raises ValueError for an unknown value stream or side or any invalid address, and
    LinkLimitReached (a ValueError) when the new addresses are more than the group's head count
    leaves links for (then nothing is stored or sent); SendingFailed when the mail server fails
    part-way.
    """
    _check_target(wave, value_stream, side)
    who, group = _audited(wave, user, actor), _group(value_stream, side)
    addresses = clean_addresses(emails)
    hashes = {address: address_hash(wave.pk, address) for address in addresses}
    with transaction.atomic():
        invited = set(
            InvitedAddress.objects.filter(wave=wave, address_hash__in=hashes.values()).values_list(
                "address_hash", flat=True
            )
        )
        sending = Sending(already_invited=[address for address in addresses if hashes[address] in invited])
        new = [address for address in addresses if hashes[address] not in invited]
        if new:
            _take_places(wave, value_stream, side, len(new))
        # ignore_conflicts: a concurrent sending to the same address stores the hash once.
        InvitedAddress.objects.bulk_create(
            [InvitedAddress(wave=wave, address_hash=hashes[address]) for address in new], ignore_conflicts=True
        )
        pairs = _new_invitations(wave, value_stream, side, new)
        if pairs:
            audit.record("links_created", **who, **group, count=len(pairs), channel="email")
    # The invitations are committed before any mail goes out: a write transaction held open
    # across a slow mail server would block respondents' submissions.
    already = len(sending.already_invited)
    try:
        _send_each(pairs, "invitation", build_url, connection)
    except SendingFailed as failure:
        sent, not_sent = len(failure.sent), len(failure.unsent)
        audit.record("invitations_sent", **who, **group, sent=sent, already_invited=already, not_sent=not_sent)
        raise
    sending.sent = [invitation.email for invitation, _ in pairs]
    audit.record("invitations_sent", **who, **group, sent=len(sending.sent), already_invited=already)
    return sending


def _send_each(pairs, template, build_url, connection):
    connection = connection or mail.get_connection()
    sent = []
    try:
        with connection:  # one connection to the mail server for all messages
            for invitation, token in pairs:
                connection.send_messages([_message(template, invitation, build_url(token))])
                sent.append(invitation)
    except Exception as error:  # whatever the backend raises, links that never left must not stay usable
        unsent = [invitation for invitation, _ in pairs[len(sent) :]]
        addresses = [invitation.email for invitation in unsent]
        _withdraw_unsent(unsent)
        raise SendingFailed([invitation.email for invitation in sent], addresses) from error


def _withdraw_unsent(unsent):
    """Revoke invitations whose e-mail never left, forget that their addresses were invited, and
    give their places under the head count back.

    Unlike revoking a link that was handed out, this reveals nothing and lets no one answer more:
    nobody had the link, so nobody can have answered with it.
    """
    with transaction.atomic():
        for invitation in unsent:
            email = invitation.email
            if revoke(invitation):
                hashed = address_hash(invitation.wave_id, email)
                InvitedAddress.objects.filter(wave_id=invitation.wave_id, address_hash=hashed).delete()
                issued = f"{invitation.side}_links"
                HeadCount.objects.filter(wave_id=invitation.wave_id, value_stream_id=invitation.value_stream_id).update(
                    **{issued: F(issued) - 1}
                )


def send_reminders(wave, build_url, connection=None, *, user=None, actor=""):
    """E-mail a new link to every unused, unrevoked invitation of `wave` that has an address.

    Only the hash of a token is stored, so the old link cannot be sent again: each reminder
    carries a new token, and the old link stops working. The invitation stays the same row, so
    a started questionnaire (its draft) is kept. Returns the number of reminders sent. Raises
    ValueError when the wave is not open, and SendingFailed when the mail server fails (the
    invitation whose reminder failed keeps its old link).
    """
    if wave.availability() != "open":
        raise ValueError(f'The wave "{wave}" is not open: reminders go out only while people can answer.')
    connection = connection or mail.get_connection()
    reminded = []
    pending = list(wave.invitations.unused().exclude(email="").select_related("wave__organization", "value_stream"))
    with connection:
        for position, invitation in enumerate(pending):
            token, old_hash = new_token(), invitation.token_hash
            # Conditional: an invitation used (deleted) or revoked since it was read gets no reminder.
            rotated = Invitation.objects.unused().filter(pk=invitation.pk, token_hash=old_hash)
            if not rotated.update(token_hash=hash_token(token)):
                continue
            try:
                connection.send_messages([_message("reminder", invitation, build_url(token))])
            except Exception as error:  # the new link never left: the old one must keep working
                Invitation.objects.filter(pk=invitation.pk, token_hash=hash_token(token)).update(token_hash=old_hash)
                unsent = [other.email for other in pending[position:]]
                who = _audited(wave, user, actor)
                audit.record("reminders_sent", **who, count=len(reminded), not_sent=len(unsent))
                raise SendingFailed([other.email for other in reminded], unsent) from error
            reminded.append(invitation)
    audit.record("reminders_sent", **_audited(wave, user, actor), count=len(reminded))
    return len(reminded)


def revoke_invitations(selected, *, user=None, actor=""):
    """Revoke every invitation of `selected` (a queryset) that is still unused; return how many were.

    One audit entry per wave, value stream and side, with how many links were revoked there.
    """
    revoked = Counter()
    with transaction.atomic():
        for invitation in selected.select_related("wave__organization", "value_stream"):
            if revoke(invitation):
                revoked[(invitation.wave, invitation.value_stream, invitation.side)] += 1
        for (wave, value_stream, side), count in revoked.items():
            who, group = _audited(wave, user, actor), _group(value_stream, side)
            audit.record("invitations_revoked", **who, **group, count=count)
    return sum(revoked.values())


def revoke(invitation):
    """End an unused invitation now: its link stops working, its address and any draft are deleted.

    The address stays "already invited" (its `InvitedAddress`) until the wave closes: were it
    forgotten, sending to the same list again would reach exactly those who had not answered (a
    used invitation is gone, so it cannot be revoked), and tell who had.

    Returns False when it was already revoked, or has been used: a used invitation no longer
    exists (its response is stored and, by design, cannot be found from it), so there is nothing
    to revoke. Writes no audit entry: `revoke_invitations` does, for a batch.
    """
    with transaction.atomic():
        revoked_on = timezone.localdate()
        revoked = Invitation.objects.unused().filter(pk=invitation.pk).update(revoked_on=revoked_on, email="")
        if revoked:
            Draft.objects.filter(key=invitation.draft_key).delete()
    if revoked:
        invitation.revoked_on, invitation.email = revoked_on, ""
    else:
        current = Invitation.objects.filter(pk=invitation.pk).values("revoked_on", "email").first()
        if current is not None:  # None: used meanwhile, and deleted with that
            invitation.revoked_on, invitation.email = current["revoked_on"], current["email"]
    return bool(revoked)


def invitation_for_token(token):
    """The invitation of `token`, unused or revoked, whatever its wave's state; else None.

    None also for a used link: its invitation was deleted when the answers were submitted.
    """
    return (
        Invitation.objects.select_related("wave__organization", "value_stream")
        .filter(token_hash=hash_token(token))
        .first()
    )

