"""The respondent's pages: (personal link →) intro → about you → one page per theme → review → thank you."""

from functools import wraps

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_safe

from accounts.secret_links import INVITATION_LOOKUPS, private_page

from . import invitations, questionnaire
from .forms import BackgroundForm, ThemePageForm
from .models import Role, Side, TenureBand, ValueStream, Wave, pick_language


@require_safe
@private_page
def invitation(request, token):
    """A personal link: note the invitation in this browser's session and open the questionnaire.

    Opening a link does not use it up (mail scanners open links too); submitting does, and
    deletes the invitation. So a used link, like an unknown, mistyped, replaced or revoked one,
    shows one and the same page: no one can tell from outside whether a link was used.
    """
    found = invitations.invitation_for_token(token)
    if found is None or found.state == "revoked":
        refusal = INVITATION_LOOKUPS.failed_lookup(request)  # after the lookup: a valid link is never refused
        return refusal or render(request, "surveys/invitation_invalid.html", status=404)
    wave = found.wave
    availability = wave.availability()
    if availability != "open":
        return render(request, "surveys/unavailable.html", {"wave": wave, "availability": availability})
    request.session.cycle_key()  # the session now opens someone's draft: give it a key no one planted
    questionnaire.enter_with_invitation(request.session, found)
    return redirect("surveys:intro", slug=wave.slug)


def _access_refusal(request, wave):
    """The page to show instead of the questionnaire, by the session's invitation and the wave's access; or None."""
    try:
        invitation = questionnaire.session_invitation(request.session, wave)
    except questionnaire.InvitationUsed:  # submitted with the same link, perhaps on another device
        return render(request, "surveys/already_submitted.html", {"wave": wave})
    if invitation is not None:
        if invitation.state == "revoked":
            return render(request, "surveys/invitation_invalid.html", {"wave": wave}, status=403)
        return None
    if wave.access == Wave.Access.INVITATION:
        return render(request, "surveys/invitation_required.html", {"wave": wave}, status=403)
    return None


def respondent_language(wave):
    """The language of this request's respondent pages: the one chosen on the intro page (the
    language cookie) or else the browser's, if the wave offers it; otherwise the wave's first."""
    offered = wave.offered_languages()
    current = get_language()
    return current if current in offered else offered[0]


def respondent_page(view):
    """Load the wave; show a clear page instead when it is not open, needs an invitation, or is already answered.

    Every page of the wave speaks one language the wave offers (see respondent_language): the
    interface and the instrument's texts alike. A tampered POST ends here as a 400 with its
    message, and nothing is stored.
    """

    @wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        wave = get_object_or_404(Wave.objects.select_related("instrument", "organization"), slug=slug)
        # LocaleMiddleware chose from the cookie or Accept-Language; keep to the wave's languages.
        request.LANGUAGE_CODE = respondent_language(wave)
        translation.activate(request.LANGUAGE_CODE)
        availability = wave.availability()
        if availability != "open":
            return render(
                request,
                "surveys/unavailable.html",
                {"wave": wave, "availability": availability},
                status=200 if request.method == "GET" else 403,
            )
        submitted = questionnaire.has_submitted(request.session, wave)
        if submitted and view.__name__ != "thanks":
            return render(request, "surveys/already_submitted.html", {"wave": wave})
        if not submitted:
            refusal = _access_refusal(request, wave)
            if refusal is not None:
                return refusal
        try:
            return view(request, wave, *args, **kwargs)
        except questionnaire.TamperedRequest as error:
            return render(request, "surveys/bad_request.html", {"wave": wave, "message": str(error)}, status=400)
        except questionnaire.InvitationRequired:
            return render(request, "surveys/invitation_required.html", {"wave": wave}, status=403)

    return require_http_methods(["GET", "POST"])(wrapper)


def _without_draft(request, wave):
    """The reply to a questionnaire step without a draft: the intro, unless the draft went with a submission.

    respondent_page checked the session's invitation when the request began; a submission with
    the same link on another device may have deleted it, and the draft, since. Then this device,
    too, is told that the survey was answered.
    """
    try:
        questionnaire.session_invitation(request.session, wave)
    except questionnaire.InvitationUsed:
        return render(request, "surveys/already_submitted.html", {"wave": wave})
    return redirect("surveys:intro", slug=wave.slug)


def _progress(wave, pages, step, draft=None):
    """Where the respondent is: step k of (about you + theme pages + review)."""
    total = len(pages) + 2
    return {
        "step": step,
        "total": total,
        "percent": round(100 * step / total),
        "answered": questionnaire.answered_count(draft, pages) if draft else 0,
        "questions": sum(len(page.items) for page in pages),
    }


@respondent_page
def intro(request, wave):
    pages = questionnaire.theme_pages(wave.instrument)
    if request.method == "POST":
        # Starting afresh begins with "About you"; coming back goes on where the answers stop.
        draft = questionnaire.start_draft(request.session, wave)
        step = questionnaire.resume_step(draft, pages)
        if step == "about":
            return redirect("surveys:about", slug=wave.slug)
        if step == "review":
            return redirect("surveys:review", slug=wave.slug)
        return redirect("surveys:page", slug=wave.slug, number=step)
    names = dict(settings.LANGUAGES)  # each language named in itself: "Deutsch", "Français"
    return render(
        request,
        "surveys/intro.html",
        {
            "wave": wave,
            "languages": [(code, names[code]) for code in wave.offered_languages()],
            "language": request.LANGUAGE_CODE,
            "resuming": questionnaire.find_draft(request.session, wave) is not None,
            "invited": questionnaire.session_invitation(request.session, wave) is not None,
            "question_count": sum(len(page.items) for page in pages),
        },
    )


@respondent_page
def about(request, wave):
    draft = questionnaire.find_draft(request.session, wave)
    if draft is None:
        return _without_draft(request, wave)
    invitation = questionnaire.session_invitation(request.session, wave)
    if request.method == "POST":
        questionnaire.check_about_post(request.POST, wave, invitation)
        form = BackgroundForm(request.POST, wave=wave, invitation=invitation)
        if form.is_valid():
            questionnaire.save_background(draft, form.cleaned_data)
            if _returns_to_review(request):
                return redirect("surveys:review", slug=wave.slug)
            return redirect("surveys:page", slug=wave.slug, number=1)
    else:
        form = BackgroundForm(initial=draft.data, wave=wave, invitation=invitation)
    pages = questionnaire.theme_pages(wave.instrument)
    return render(
        request,
        "surveys/about.html",
        {
            "wave": wave,
            "form": form,
            "invitation": invitation,
            "progress": _progress(wave, pages, 1, draft),
            "return_to_review": _returns_to_review(request),
        },
    )


@respondent_page
def page(request, wave, number):
    draft = questionnaire.find_draft(request.session, wave)
    if draft is None:
        return _without_draft(request, wave)
    if not questionnaire.has_background(draft):
        return redirect("surveys:about", slug=wave.slug)
    pages = questionnaire.theme_pages(wave.instrument)
    if not 1 <= number <= len(pages):
        raise Http404("No such page in this questionnaire.")
    theme_page = pages[number - 1]
    language = get_language()
    if request.method == "POST":
        questionnaire.check_page_post(request.POST, theme_page, wave.instrument)
        questionnaire.save_page_answers(draft, theme_page, request.POST)
        if "previous" in request.POST:
            return _previous_step(wave, number)
        # Validate what the draft now holds for this page: the answers just posted plus any
        # kept from before, so a partial post never forgets earlier answers.
        form = ThemePageForm(
            questionnaire.page_initial(draft, theme_page),
            page=theme_page,
            instrument=wave.instrument,
            language=language,
        )
        if form.is_valid():
            if number < len(pages) and not _returns_to_review(request):
                return redirect("surveys:page", slug=wave.slug, number=number + 1)
            return redirect("surveys:review", slug=wave.slug)
    else:
        form = ThemePageForm(
            initial=questionnaire.page_initial(draft, theme_page),
            page=theme_page,
            instrument=wave.instrument,
            language=language,
        )
    return render(
        request,
        "surveys/page.html",
        {
            "wave": wave,
            "form": form,
            "page": theme_page,
            "theme_name": pick_language(theme_page.theme.name, language),
            "dimension_name": pick_language(theme_page.theme.dimension.name, language),
            "page_count": len(pages),
            "progress": _progress(wave, pages, number + 1, draft),
            "return_to_review": _returns_to_review(request),
            "first_unanswered": _first_unanswered(form),
        },
    )


# "Change" on the review page opens a page with ?return=review; its form posts the same back.
RETURN_TO_REVIEW = "review"


def _returns_to_review(request):
    """Whether this page was opened from the review, to which saving it returns."""
    return (request.POST if request.method == "POST" else request.GET).get("return") == RETURN_TO_REVIEW


def _first_unanswered(form):
    """The id of the first answer of the first statement the page's error box names, or ""."""
    for field in form:
        if field.errors:
            return f"{field.auto_id}_0"
    return ""


def _previous_step(wave, number):
    if number == 1:
        return redirect("surveys:about", slug=wave.slug)
    return redirect("surveys:page", slug=wave.slug, number=number - 1)


@respondent_page
def review(request, wave):
    draft = questionnaire.find_draft(request.session, wave)
    if draft is None:
        return _without_draft(request, wave)
    if not questionnaire.has_background(draft):
        return redirect("surveys:about", slug=wave.slug)
    pages = questionnaire.theme_pages(wave.instrument)
    if request.method == "POST":
        try:
            questionnaire.submit_draft(request.session, wave, pages, draft)
        except questionnaire.AlreadySubmitted:
            return render(request, "surveys/already_submitted.html", {"wave": wave})
        except questionnaire.IncompleteDraft:
            pass  # the page below lists what is missing
        else:
            return redirect("surveys:thanks", slug=wave.slug)
    return render(
        request,
        "surveys/review.html",
        {
            "wave": wave,
            "background": _background_summary(draft),
            "sections": _review_sections(wave, draft, pages),
            "incomplete": questionnaire.incomplete_pages(draft, pages),
            "submit_failed": request.method == "POST",
            "progress": _progress(wave, pages, len(pages) + 2, draft),
        },
    )


def _background_summary(draft):
    data = draft.data
    value_stream = ValueStream.objects.filter(pk=data.get("value_stream")).first()
    return {
        "value_stream": value_stream,
        "side": Side(data["side"]).label,
        "role": Role(data["role"]).label if data.get("role") else None,
        "tenure_band": TenureBand(data["tenure_band"]).label if data.get("tenure_band") else None,
    }


def _review_sections(wave, draft, pages):
    language = get_language()
    instrument = wave.instrument
    answers = draft.data.get("answers", {})
    sections = []
    for theme_page in pages:
        rows = []
        for item in theme_page.items:
            value = answers.get(item.code)
            if value is None:
                shown = None
            elif value == questionnaire.NOT_APPLICABLE:
                shown = "not_applicable"
            else:
                shown = f"{value} — {instrument.scale_label(int(value), language)}"
            rows.append({"text": pick_language(item.text, language), "answer": shown})
        sections.append(
            {"number": theme_page.number, "name": pick_language(theme_page.theme.name, language), "rows": rows}
        )
    return sections


@respondent_page
def thanks(request, wave):
    if not questionnaire.has_submitted(request.session, wave):
        return redirect("surveys:intro", slug=wave.slug)
    return render(request, "surveys/thanks.html", {"wave": wave})
