"""The researcher's Instruments page: upload a file, preview a version as respondents see it,
download it, compare it with the version before.

Thin: every view starts from `surveys.instrument_uploads.instruments_for_user`, so a version
another organization uploaded is not found (404); the logic is in that module.
"""

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from accounts.access import RESEARCHER
from accounts.decorators import role_required
from surveys.forms import ThemePageForm
from surveys.instrument_checks import InstrumentFileError
from surveys.instrument_files import InstrumentFrozenError, export_instrument
from surveys.instrument_uploads import (
    MAX_UPLOAD_BYTES,
    PreviewWave,
    UploadRefused,
    compare_instruments,
    instruments_for_user,
    preview_progress,
    previous_version,
    read_upload,
    upload_instrument,
)
from surveys.models import pick_language
from surveys.questionnaire import theme_pages

from .forms import InstrumentUploadForm

# Researchers (and administrators) upload, preview, download and compare; others get 403.
instruments_access_required = role_required(RESEARCHER)


def _instrument(request, pk):
    return get_object_or_404(instruments_for_user(request.user), pk=pk)


def _rows(user):
    instruments = list(instruments_for_user(user).prefetch_related("organizations").order_by("code", "version"))
    return [(instrument, previous_version(instrument, instruments)) for instrument in instruments]


@instruments_access_required
@require_http_methods(["GET", "POST"])
def instruments(request):
    errors, chosen = [], None
    if request.method == "POST":
        form = InstrumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            chosen = upload.name
            try:
                # One byte past the limit is enough to refuse a file as too large.
                document = read_upload(upload.name, upload.read(MAX_UPLOAD_BYTES + 1))
                result = upload_instrument(document, request.user, upload.name)
            except InstrumentFileError as error:
                errors = error.errors
            except UploadRefused as error:
                errors = [str(error)]
            except InstrumentFrozenError:  # its own text is English, for the command line
                errors = [
                    gettext(
                        "Instrument %(code)s v%(version)s already has responses, so it is frozen: its texts and "
                        "structure can no longer change. Give the file a new version."
                    )
                    % {"code": document["code"], "version": document["version"]}
                ]
            else:
                messages.success(
                    request,
                    gettext("Instrument %(instrument)s: %(outcome)s.")
                    % {"instrument": result.instrument, "outcome": _outcome(result.outcome)},
                )
                return redirect(reverse("exports:instruments") + f"#instrument-{result.instrument.pk}")
    else:
        form = InstrumentUploadForm()
    status = 400 if errors or form.errors else 200
    return render(
        request,
        "exports/instruments.html",
        {"form": form, "errors": errors, "chosen": chosen, "rows": _rows(request.user)},
        status=status,
    )


def _outcome(outcome):
    return {
        "created": gettext("stored as a new version"),
        "updated": gettext("replaced (it had no responses)"),
        "unchanged": gettext("unchanged, the same file was stored before"),
        "practices updated": gettext("practices updated"),
    }.get(outcome, outcome)


@instruments_access_required
def download(request, pk):
    instrument = _instrument(request, pk)
    body = json.dumps(export_instrument(instrument), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{instrument.code}-{instrument.version}.json"'
    return response


@instruments_access_required
def compare(request, pk):
    instrument = _instrument(request, pk)
    previous = previous_version(instrument, instruments_for_user(request.user).filter(code=instrument.code))
    comparison = compare_instruments(previous, instrument, translation.get_language()) if previous else None
    return render(
        request,
        "exports/instrument_compare.html",
        {"instrument": instrument, "previous": previous, "comparison": comparison},
    )


@instruments_access_required
@require_http_methods(["GET", "POST"])
def preview(request, pk, language, number):
    """Theme page `number` as a respondent reading `language` sees it. Nothing is stored: no draft,
    no response, nothing in the session; Next and Back only move to the next or previous page."""
    instrument = _instrument(request, pk)
    if language not in instrument.languages:
        raise Http404("The instrument has no texts in this language.")
    pages = theme_pages(instrument)
    if not 1 <= number <= len(pages):
        raise Http404("No such page in this questionnaire.")
    if request.method == "POST":
        step = number - 1 if "previous" in request.POST else number + 1
        if 1 <= step <= len(pages):
            return redirect("exports:instrument_preview", pk=pk, language=language, number=step)
        return redirect(reverse("exports:instruments") + f"#instrument-{instrument.pk}")
    # The banner in the staff member's language; the page in the respondent's.
    banner = render_to_string(
        "exports/_preview_banner.html",
        {
            "instrument": instrument,
            "language": language,
            "number": number,
            "languages": instrument.languages,
        },
        request=request,
    )
    theme_page = pages[number - 1]
    with translation.override(language):
        form = ThemePageForm(initial={}, page=theme_page, instrument=instrument, language=language)
        return render(
            request,
            "surveys/page.html",
            {
                "wave": PreviewWave(pick_language(instrument.title, language) or str(instrument)),
                "form": form,
                "page": theme_page,
                "theme_name": pick_language(theme_page.theme.name, language),
                "dimension_name": pick_language(theme_page.theme.dimension.name, language),
                "page_count": len(pages),
                "progress": preview_progress(pages, number),
                "return_to_review": False,
                "first_unanswered": None,
                "preview_banner": banner,
            },
        )
