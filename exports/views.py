"""The researcher's export page, the downloads and the codebooks.

Thin: every view starts from `accounts.access.researched_waves`, asks `planning` for the plan, logs the
export and hands the bytes over — streamed for CSV and JSON, from a temporary file for SPSS.
"""

import json
import os
import tempfile

from django.db.models import Count
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from accounts.access import RESEARCHER, researched_waves
from accounts.decorators import role_required
from surveys.closing import close_if_due, close_those_due

from .anonymize import CHOICES_BY_NAME
from .codebook import build_codebook, codebook_markdown
from .forms import ROLE_LABELS, SIDE_LABELS, TENURE_LABELS, VALUE_STREAM_LABELS, ChosenExportForm, ExportForm
from .gather import WaveChanged
from .log import PAGE, log_export
from .planning import not_exportable_reason, plan_export, preview_choices
from .writers import CONTENT_TYPES, SAV, export_chunks, filename, write_export

# Log in first; a person who is nobody's researcher gets 403; a wave of another organization, 404.
export_access_required = role_required(RESEARCHER)


def _wave(request, slug):
    """The wave, closed first if its closing time has passed (its final release is what is exported)."""
    return close_if_due(
        get_object_or_404(researched_waves(request.user).select_related("organization", "instrument"), slug=slug)
    )


def _not_exportable(request, wave, reason):
    return render(request, "exports/not_exportable.html", {"wave": wave, "reason": reason}, status=409)


@export_access_required
def home(request):
    close_those_due(researched_waves(request.user))
    waves = (
        researched_waves(request.user)
        .select_related("organization", "instrument")
        .annotate(responses_total=Count("responses"))
        .order_by("organization__name", "-opens_at")
    )
    rows = [(wave, not_exportable_reason(wave)) for wave in waves]
    released_waves = (
        researched_waves(request.user)
        .filter(releases__isnull=False)
        .distinct()
        .select_related("organization")
        .order_by("organization__name", "-opens_at")
    )
    return render(request, "exports/home.html", {"rows": rows, "form": ExportForm(), "released_waves": released_waves})


@export_access_required
def choose(request, slug):
    """Choose what to keep: every generalization with the rows it keeps and what it coarsens, then download."""
    wave = _wave(request, slug)
    reason = not_exportable_reason(wave)
    if reason:
        return _not_exportable(request, wave, reason)
    previews = preview_choices(wave)
    automatic = next(preview for preview in previews if preview.automatic)
    rows = [
        {
            "preview": preview,
            "value_stream": VALUE_STREAM_LABELS[preview.generalization.value_stream],
            "side": SIDE_LABELS[preview.generalization.side],
            "role": ROLE_LABELS[preview.generalization.role],
            "tenure": TENURE_LABELS[preview.generalization.tenure],
        }
        for preview in previews
    ]
    form = ChosenExportForm(initial={"generalization": automatic.generalization.name})
    total = automatic.records_written + automatic.records_suppressed
    context = {"wave": wave, "rows": rows, "automatic": automatic, "form": form, "total": total}
    return render(request, "exports/choose.html", context)


@export_access_required
@require_POST
def download(request, slug):
    wave = _wave(request, slug)
    form = ChosenExportForm(request.POST)
    if not form.is_valid():
        return render(request, "exports/bad_request.html", {"wave": wave, "form": form}, status=400)
    reason = not_exportable_reason(wave)
    if reason:
        return _not_exportable(request, wave, reason)
    fmt, layout = form.cleaned_data["format"], form.cleaned_data["layout"]
    plan = plan_export(wave, generalization=CHOICES_BY_NAME.get(form.cleaned_data.get("generalization") or ""))
    # Logged before the first byte: a download cut short was still handed out in part.
    log_export(plan, fmt, layout, PAGE, user=request.user)
    name = filename(plan, fmt, layout)
    if fmt == SAV:
        try:
            sav_file = _sav_file(plan, layout)
        except WaveChanged:
            # The exception's own text is English, for the command line; the page says it in its language.
            message = gettext("Responses of the wave were deleted while it was being exported; export it again.")
            return _not_exportable(request, wave, message)
        return FileResponse(sav_file, as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt])
    response = StreamingHttpResponse(export_chunks(plan, fmt, layout), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _sav_file(plan, layout):
    """The .sav written to a temporary file, returned open; the name is gone at once, so nothing stays on disk."""
    handle, path = tempfile.mkstemp(suffix=".sav")
    os.close(handle)
    try:
        write_export(plan, SAV, layout, path)
        return open(path, "rb")  # noqa: SIM115 — FileResponse closes it
    finally:
        os.unlink(path)


def _codebook(request, slug):
    wave = _wave(request, slug)
    reason = not_exportable_reason(wave)
    if reason:
        return wave, None, _not_exportable(request, wave, reason)
    # ?generalization=NAME: the codebook of a file exported with that choice (unknown names: the automatic one).
    chosen = CHOICES_BY_NAME.get(request.GET.get("generalization", ""))
    return wave, build_codebook(plan_export(wave, generalization=chosen)), None


@export_access_required
def codebook_page(request, slug):
    wave, codebook, refusal = _codebook(request, slug)
    if refusal:
        return refusal
    # The downloads of the same codebook: of the researcher's choice of what to keep, if one was given.
    level = codebook["privacy"]["generalization"]
    query = f"?generalization={level['level']}" if level["chosen_by"] == "researcher" else ""
    context = {
        "wave": wave,
        "codebook": codebook,
        "json_url": reverse("exports:codebook_json", args=[wave.slug]) + query,
        "markdown_url": reverse("exports:codebook_markdown", args=[wave.slug]) + query,
    }
    return render(request, "exports/codebook.html", context)


@export_access_required
def codebook_json(request, slug):
    wave, codebook, refusal = _codebook(request, slug)
    if refusal:
        return refusal
    response = HttpResponse(
        json.dumps(codebook, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{wave.slug}-codebook.json"'
    return response


@export_access_required
def codebook_markdown_file(request, slug):
    wave, codebook, refusal = _codebook(request, slug)
    if refusal:
        return refusal
    response = HttpResponse(codebook_markdown(codebook), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{wave.slug}-codebook.md"'
    return response
