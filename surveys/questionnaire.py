"""The respondent's questionnaire: its pages, the server-side draft, and the one submission.

Views stay thin: they call these functions. Everything a respondent enters goes into a Draft
row at once, so a reload, the back button or a lost connection loses nothing. Submitting
turns the draft into a Response in one transaction and deletes the draft in that same
transaction: a second, concurrent submit finds no draft and stores nothing.
"""

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import Answer, Draft, Response, Role, Side, TenureBand

NOT_APPLICABLE = "NA"
ITEM_FIELD_PREFIX = "item-"


class TamperedRequest(Exception):
    """A POST that no form of ours can produce; answered with 400 and nothing stored."""


class AlreadySubmitted(Exception):
    """This browser session has already submitted the wave."""


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
    """The questionnaire's theme pages in order, from one query."""
    pages, by_theme = [], {}
    for item in instrument.ordered_items():
        page = by_theme.get(item.theme_id)
        if page is None:
            page = by_theme[item.theme_id] = ThemePage(len(pages) + 1, item.theme, [])
            pages.append(page)
        page.items.append(item)
    return pages


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


def check_about_post(post, wave):
    """Raise TamperedRequest if the background answers could not come from our form."""
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


def has_submitted(session, wave):
    return wave.slug in session.get(SESSION_SUBMITTED, [])


def find_draft(session, wave):
    key = session.get(SESSION_DRAFTS, {}).get(wave.slug)
    if key is None:
        return None
    return Draft.objects.filter(key=key, wave=wave).first()


def start_draft(session, wave):
    """The session's draft for `wave`, created if there is none yet."""
    draft = find_draft(session, wave)
    if draft is None:
        draft = Draft.objects.create(key=secrets.token_hex(32), wave=wave, data={"answers": {}})
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


def submit_draft(session, wave, pages):
    """Store the session's draft as one Response with all its answers; return the Response.

    Raises AlreadySubmitted when the draft is gone (submitted before, possibly by a
    concurrent request) and IncompleteDraft when answers are missing.
    """
    if has_submitted(session, wave):
        raise AlreadySubmitted()
    draft = find_draft(session, wave)
    if draft is None:
        raise AlreadySubmitted()
    missing = incomplete_pages(draft, pages)
    if missing or not has_background(draft):
        raise IncompleteDraft(missing)
    items = [item for page in pages for item in page.items]
    allowed = set(allowed_values(wave.instrument))
    data = draft.data
    with transaction.atomic():
        # Deleting first is the lock: of two concurrent submits only one deletes the row.
        deleted, _ = Draft.objects.filter(pk=draft.pk).delete()
        if not deleted:
            raise AlreadySubmitted()
        if not wave.value_streams.filter(pk=data["value_stream"]).exists():
            raise TamperedRequest("The chosen value stream is not part of this survey.")
        response = Response.objects.create(
            wave=wave,
            value_stream_id=data["value_stream"],
            side=data["side"],
            role=data.get("role", ""),
            tenure_band=data.get("tenure_band", ""),
            submitted_on=timezone.localdate(),
        )
        answers = []
        for item in items:
            value = data["answers"][item.code]
            if value not in allowed:
                raise TamperedRequest(f'"{value}" is not an answer on the scale of question "{item.code}".')
            answers.append(Answer(response=response, item=item, value=None if value == NOT_APPLICABLE else int(value)))
        Answer.objects.bulk_create(answers)
    session[SESSION_SUBMITTED] = [*session.get(SESSION_SUBMITTED, []), wave.slug]
    drafts = session.get(SESSION_DRAFTS, {})
    drafts.pop(wave.slug, None)
    session[SESSION_DRAFTS] = drafts
    return response
