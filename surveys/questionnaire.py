"""The respondent's questionnaire: its pages, the server-side draft, and the one submission.

Views stay thin: they call these functions. Everything a respondent enters goes into a Draft
row at once, so a reload, the back button or a lost connection loses nothing. Submitting
turns the draft into a Response in one transaction and deletes the draft in that same
transaction: a second, concurrent submit finds no draft and stores nothing.

A respondent who came with a personal invitation (`/i/<token>/`) has it noted in the session;
their draft is keyed by the invitation, not the browser, so the same link resumes on any device.
The submission deletes the invitation in the transaction that stores the response: after it, no
row points from an invitation to a response. The response keeps no reference to the invitation
and no time finer than the day, and since the invitation row is deleted rather than updated, no
live invitation row shares the id of the submitting transaction with the response (on
PostgreSQL the hidden column xmin; the deleted row version stays on disk, readable only with
superuser tools such as pageinspect, until VACUUM removes it). A session that still names an
invitation which no longer exists — submitted with the same link on another device — gets
InvitationUsed, never a fresh questionnaire.
"""

import secrets
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from . import answer_codes
from .bulk import insert_answers
from .models import (
    NOT_APPLICABLE,
    Dimension,
    Draft,
    InstrumentVersion,
    Invitation,
    Item,
    Response,
    Role,
    Side,
    TenureBand,
    Theme,
    Wave,
    new_revision,
)

ITEM_FIELD_PREFIX = "item-"


class TamperedRequest(Exception):
    """A POST that no form of ours can produce; answered with 400 and nothing stored."""


class AlreadySubmitted(Exception):
    """This browser session, or its invitation, has already submitted the wave."""


class InvitationUsed(AlreadySubmitted):
    """The session came with an invitation that no longer exists: its answers were submitted,
    perhaps on another device with the same link, and the invitation was deleted with that."""


class InvitationRequired(Exception):
    """The wave takes answers by personal invitation only, and this session came without one."""


class IncompleteDraft(Exception):
    """The draft misses answers; `pages` are the numbers of the pages to complete."""

    def __init__(self, pages):
        self.pages = pages
        super().__init__(f"Pages to complete: {pages}")


@dataclass
class ThemePage:
    """One page of questions: the items of one theme."""

    number: int  # 1-based among the theme pages
    theme: object
    items: list


def theme_pages(instrument):
    """The questionnaire's theme pages in order: one query per instrument revision and process.

    The pages and their items are shared between requests: read them, never change them.
    """
    return _pages_of_revision(instrument.pk, instrument.revision)


# Every respondent request needs the pages, and building them (24 items with their themes and
# dimensions) cost about a quarter of a submission's server time, so each process keeps those of
# the revisions it has shown. Keyed by the revision, which changes with any change to the tree,
# so a reloaded instrument is never shown with its old pages (see InstrumentVersion). 64: the
# instrument revisions in use at once; more only while instruments are reloaded.
@lru_cache(maxsize=64)
def _pages_of_revision(instrument_pk, revision):
    """The pages of the instrument `instrument_pk`; `revision` is part of the key, not of the query."""
    pages, by_theme = [], {}
    for item in InstrumentVersion(pk=instrument_pk).ordered_items():  # its items by id: no read of the instrument
        page = by_theme.get(item.theme_id)
        if page is None:
            page = by_theme[item.theme_id] = ThemePage(len(pages) + 1, item.theme, [])
            pages.append(page)
        page.items.append(item)
    return pages


@receiver([post_save, post_delete], sender=Dimension)
@receiver([post_save, post_delete], sender=Theme)
@receiver([post_save, post_delete], sender=Item)
def _instrument_tree_changed(sender, instance, **kwargs):
    """A dimension, theme or item was saved or deleted (the admin, load_instrument): new revision.

    Other processes see the new revision with the next wave they read; this one also forgets
    every page it kept, in case an instance read before the change is used again.
    """
    InstrumentVersion.objects.filter(pk=instance.instrument_id).update(revision=new_revision())
    _pages_of_revision.cache_clear()


def item_field_name(item):
    return f"{ITEM_FIELD_PREFIX}{item.code}"


def allowed_values(instrument):
    """The answer values a form may post for an item of `instrument`, as strings."""
    values = [str(point) for point in instrument.scale_points]
    if instrument.allows_not_applicable:
        values.append(NOT_APPLICABLE)
    return values


def check_page_post(post, page, instrument):
    """Raise TamperedRequest if `post` names an item not on `page` or a value off the scale."""
    codes = {item.code for item in page.items}
    allowed = set(allowed_values(instrument))
    for name in post:
        if not name.startswith(ITEM_FIELD_PREFIX):
            continue
        code = name[len(ITEM_FIELD_PREFIX) :]
        if code not in codes:
            raise TamperedRequest(f'The question "{code}" is not part of this page of the questionnaire.')
        for value in post.getlist(name):
            if value and value not in allowed:
                raise TamperedRequest(
                    f'"{value}" is not an answer on the scale of question "{code}" ({", ".join(allowed)}).'
                )


def check_about_post(post, wave, invitation=None):
    """Raise TamperedRequest if the background answers could not come from our form.

    With an invitation, value stream and side are the invitation's: the form does not post them.
    """
    if invitation is not None:
        fixed = {"value_stream": str(invitation.value_stream_id), "side": invitation.side}
        for name, value in fixed.items():
            if name in post and post.getlist(name) != [value]:
                raise TamperedRequest(
                    "The value stream and side come with your personal invitation and cannot be changed."
                )
    value_stream = post.get("value_stream", "")
    if value_stream:
        if (
            not (value_stream.isascii() and value_stream.isdigit())
            or not wave.value_streams.filter(pk=int(value_stream)).exists()
        ):
            raise TamperedRequest("The chosen value stream is not part of this survey.")
    for field, choices in (("side", Side.values), ("role", Role.values), ("tenure_band", TenureBand.values)):
        value = post.get(field, "")
        if value and value not in choices:
            raise TamperedRequest(f'"{value}" is not a valid choice for {field.replace("_", " ")}.')


# --- the draft ---------------------------------------------------------------------------

SESSION_DRAFTS = "survey_drafts"
SESSION_SUBMITTED = "survey_submitted"
SESSION_INVITATIONS = "survey_invitations"


def session_invitation(session, wave):
    """The invitation this browser came in with for `wave`, unused or revoked; None if it came without one.

    Raises InvitationUsed when the session names an invitation that no longer exists: submitting
    deletes the invitation, perhaps from another device with the same link. That must never read
    as "no invitation", which would start a second questionnaire through the open link.
    """
    pk = session.get(SESSION_INVITATIONS, {}).get(wave.slug)
    if pk is None:
        return None
    invitation = Invitation.objects.filter(pk=pk, wave=wave).select_related("value_stream").first()
    if invitation is None:
        raise InvitationUsed()
    return invitation


def enter_with_invitation(session, invitation):
    """Note in the session that this browser answers `invitation`'s wave with that invitation.

    A new invitation is a new respondent: what this browser did on the wave before (a colleague's
    submission on a shared computer, an open-link draft) no longer counts here.
    """
    slug = invitation.wave.slug
    session[SESSION_INVITATIONS] = {**session.get(SESSION_INVITATIONS, {}), slug: invitation.pk}
    session[SESSION_DRAFTS] = {**session.get(SESSION_DRAFTS, {}), slug: invitation.draft_key}
    session[SESSION_SUBMITTED] = [submitted for submitted in session.get(SESSION_SUBMITTED, []) if submitted != slug]


def has_submitted(session, wave):
    return wave.slug in session.get(SESSION_SUBMITTED, [])


def find_draft(session, wave):
    key = session.get(SESSION_DRAFTS, {}).get(wave.slug)
    if key is None:
        return None
    return Draft.objects.filter(key=key, wave=wave).first()


def start_draft(session, wave):
    """The session's draft for `wave`, created if there is none yet.

    An invitation's draft starts with the invitation's value stream and side. Raises
    InvitationUsed when the session's invitation has been used meanwhile.
    """
    draft = find_draft(session, wave)
    if draft is None:
        invitation = session_invitation(session, wave)
        if invitation is None:
            draft = Draft.objects.create(key=secrets.token_hex(32), wave=wave, data={"answers": {}})
        else:
            # get_or_create: the same link may be starting on another device at this moment.
            draft, _ = Draft.objects.get_or_create(
                key=invitation.draft_key,
                defaults={
                    "wave": wave,
                    "data": {"answers": {}, "value_stream": invitation.value_stream_id, "side": invitation.side},
                },
            )
        drafts = session.get(SESSION_DRAFTS, {})
        drafts[wave.slug] = draft.key
        session[SESSION_DRAFTS] = drafts
    return draft


def save_background(draft, cleaned):
    draft.data.update(
        value_stream=cleaned["value_stream"].pk,
        side=cleaned["side"],
        role=cleaned.get("role") or "",
        tenure_band=cleaned.get("tenure_band") or "",
    )
    draft.save(update_fields=["data", "updated_on"])


def has_background(draft):
    return bool(draft.data.get("value_stream") and draft.data.get("side"))


def background_given(draft):
    """Whether the respondent has been through "About you" (which stores the optional answers too,
    even empty): an invitation's draft starts with value stream and side, not with that page done."""
    return has_background(draft) and "role" in draft.data


def resume_step(draft, pages):
    """Where the respondent of `draft` goes on: "about", the number of the first theme page with a
    statement unanswered, or "review" when every statement has an answer."""
    if not background_given(draft):
        return "about"
    missing = incomplete_pages(draft, pages)
    return missing[0] if missing else "review"


def save_page_answers(draft, page, post):
    """Keep every answer given on the page, valid page or not, so nothing is lost."""
    answers = draft.data.setdefault("answers", {})
    for item in page.items:
        value = post.get(item_field_name(item), "")
        if value:
            answers[item.code] = value
    draft.save(update_fields=["data", "updated_on"])


def page_initial(draft, page):
    answers = draft.data.get("answers", {})
    return {item_field_name(item): answers[item.code] for item in page.items if item.code in answers}


def incomplete_pages(draft, pages):
    answers = draft.data.get("answers", {})
    return [page.number for page in pages if any(item.code not in answers for item in page.items)]


def answered_count(draft, pages):
    answers = draft.data.get("answers", {})
    return sum(item.code in answers for page in pages for item in page.items)


# --- the submission ----------------------------------------------------------------------


def submit_draft(session, wave, pages, draft=None):
    """Store the session's draft as one Response with all its answers; return the Response.

    Raises AlreadySubmitted when the draft is gone or its invitation used (deleted) or revoked
    (submitted before, possibly by a concurrent request; InvitationUsed when this session's
    invitation is known to be gone), IncompleteDraft when answers are missing, and
    InvitationRequired for an invitation-only wave without an invitation.

    `draft` is the session's draft when the caller has already read it (the review page has),
    else it is read here. Either way the transaction below decides: only the request that
    deletes the draft row stores a response.
    """
    if has_submitted(session, wave):
        raise AlreadySubmitted()
    invitation = session_invitation(session, wave)
    if invitation is None and wave.access == Wave.Access.INVITATION:
        raise InvitationRequired()
    if draft is None:
        draft = find_draft(session, wave)
    if draft is None:
        raise AlreadySubmitted()
    missing = incomplete_pages(draft, pages)
    if missing or not has_background(draft):
        raise IncompleteDraft(missing)
    items = [item for page in pages for item in page.items]
    allowed = set(allowed_values(wave.instrument))
    data = draft.data
    values = []
    for item in items:
        value = data["answers"][item.code]
        if value not in allowed:
            raise TamperedRequest(f'"{value}" is not an answer on the scale of question "{item.code}".')
        values.append(None if value == NOT_APPLICABLE else int(value))
    codes = answer_codes.encode(dict(enumerate(values)), len(items), wave.instrument.scale_min)
    # Everything above is worked out before the transaction: on SQLite it holds the one write
    # lock of the whole database, so it does nothing in it but write.
    with transaction.atomic():
        # Deleting first is the lock: of two concurrent submits only one deletes the row.
        deleted, _ = Draft.objects.filter(pk=draft.pk).delete()
        if not deleted:
            raise AlreadySubmitted()
        if invitation is not None:
            _use_invitation(invitation, data)
        if not wave.value_streams.filter(pk=data["value_stream"]).exists():
            raise TamperedRequest("The chosen value stream is not part of this survey.")
        response = Response.objects.create(
            wave=wave,
            value_stream_id=data["value_stream"],
            side=data["side"],
            role=data.get("role", ""),
            tenure_band=data.get("tenure_band", ""),
            submitted_on=timezone.localdate(),
            answer_codes=codes,
        )
        # One prepared INSERT run per answer: a fraction of what building 24 model instances for
        # bulk_create costs, inside the lock.
        with connection.cursor() as cursor:
            insert_answers(cursor, [(response.pk, item.pk, value) for item, value in zip(items, values, strict=True)])
    session[SESSION_SUBMITTED] = [*session.get(SESSION_SUBMITTED, []), wave.slug]
    drafts = session.get(SESSION_DRAFTS, {})
    drafts.pop(wave.slug, None)
    session[SESSION_DRAFTS] = drafts
    # The session is done with the invitation: nothing of this browser points at it any more.
    session_invitations = session.get(SESSION_INVITATIONS, {})
    session_invitations.pop(wave.slug, None)
    session[SESSION_INVITATIONS] = session_invitations
    return response


def _use_invitation(invitation, data):
    """Delete the invitation, with its address, inside the submitting transaction.

    Deleted, not marked used: an updated row would carry the id of the transaction that also
    wrote the response (PostgreSQL's xmin) and so link the two. The DELETE is conditional, so of
    two submissions racing on one invitation only one deletes the row; the other raises
    AlreadySubmitted and its transaction stores nothing. A revoked invitation is not deleted.
    """
    if (data["value_stream"], data["side"]) != (invitation.value_stream_id, invitation.side):
        raise TamperedRequest("The value stream and side come with your personal invitation and cannot be changed.")
    deleted, _ = Invitation.objects.filter(pk=invitation.pk, revoked_on__isnull=True).delete()
    if not deleted:
        raise AlreadySubmitted()
