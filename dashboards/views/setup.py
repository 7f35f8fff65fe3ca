"""Setting a wave up, and its personal invitations: links for a mail merge, e-mails, reminders,
and revoking a batch of unused links."""

from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext, ngettext

from accounts.access import managed_organizations, managed_waves
from accounts.secret_links import shown_once
from surveys import invitations
from surveys.models import AuditEntry, HeadCount, Invitation

from ..csv_files import csv_response
from ..forms import EmailForm, LinksForm, TargetForm, WaveForm
from ..wave_setup import save_wave
from .wave_page import change_manager_required


@change_manager_required
def wave_create(request, pk):
    organization = get_object_or_404(managed_organizations(request.user), pk=pk)
    form = WaveForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        wave = save_wave(form, user=request.user)
        return redirect("dashboards:wave", slug=wave.slug)
    return render(request, "dashboards/wave_form.html", {"form": form, "organization": organization})


@change_manager_required
def wave_edit(request, slug):
    wave = get_object_or_404(managed_waves(request.user).select_related("organization"), slug=slug)
    form = WaveForm(request.POST or None, instance=wave, organization=wave.organization)
    if request.method == "POST" and form.is_valid():
        wave = save_wave(form, user=request.user)
        return redirect("dashboards:wave", slug=wave.slug)
    return render(request, "dashboards/wave_form.html", {"form": form, "organization": wave.organization, "wave": wave})


def _invitation_summary(wave):
    """Per value stream and side: unused and revoked links, the head count and how many links it still allows."""
    counts = (
        Invitation.objects.filter(wave=wave)
        .values_list("value_stream__name", "side")
        .annotate(
            unused=Count("id", filter=Q(revoked_on__isnull=True)),
            revoked=Count("id", filter=Q(revoked_on__isnull=False)),
            by_email=Count("id", filter=Q(revoked_on__isnull=True) & ~Q(email="")),
        )
        .order_by()
    )
    keys = ("unused", "revoked", "by_email")
    rows = {(name, side): dict(zip(keys, numbers, strict=True)) for name, side, *numbers in counts}
    for head_count in HeadCount.objects.filter(wave=wave).select_related("value_stream"):
        for side in ("biz", "it"):
            people = getattr(head_count, side)
            if people is not None:
                row = rows.setdefault((head_count.value_stream.name, side), dict.fromkeys(keys, 0))
                row.update(head_count=people, left=people - getattr(head_count, f"{side}_links"))
    empty = {"head_count": None, "left": 0}
    return [{"stream": name, "side": side, **empty, **row} for (name, side), row in sorted(rows.items())]


@change_manager_required
def invitations_view(request, slug):
    """Personal links: for a mail merge (CSV), by e-mail, reminders, and revoking a batch."""
    wave = get_object_or_404(managed_waves(request.user).select_related("organization"), slug=slug)
    action = request.POST.get("action") if request.method == "POST" else None
    forms = {
        "links": LinksForm(request.POST if action == "links" else None, wave=wave, prefix="links"),
        "email": EmailForm(request.POST if action == "email" else None, wave=wave, prefix="email"),
        "revoke": TargetForm(request.POST if action == "revoke" else None, wave=wave, prefix="revoke"),
    }
    if action in QUESTIONS and request.POST.get("confirmed") != "yes":
        question = QUESTIONS[action](wave, forms)
        if question is not None:  # asked first; without a question the action refuses by itself
            context = {"wave": wave, "action": action, "form": forms.get(action), **question}
            return render(request, "dashboards/invitations_confirm.html", context)
    outcome = ACTIONS[action](request, wave, forms) if action in ACTIONS else None
    if isinstance(outcome, HttpResponse):  # the CSV of new links
        return outcome
    context = {
        "wave": wave,
        "forms": forms,
        "summary": _invitation_summary(wave),
        "notice": outcome,
        "last_reminders": _last_reminders(wave),
    }
    return render(request, "dashboards/invitations.html", context)


def _last_reminders(wave):
    """When reminders last went out for the wave, from the audit log (the page shows the day only)."""
    entry = AuditEntry.objects.filter(wave=wave, action=AuditEntry.Action.REMINDERS_SENT).order_by("-created_at")
    return entry.values_list("created_at", flat=True).first()


# What revoking and reminding ask before they act (a page of its own, so it works without
# JavaScript): None when there is nothing to ask — an invalid form or a closed wave, which the
# action itself then refuses, or nothing it would touch.


def _ask_revoke(wave, forms):
    form = forms["revoke"]
    if not form.is_valid():
        return None
    data = form.cleaned_data
    count = Invitation.objects.unused().filter(wave=wave, value_stream=data["value_stream"], side=data["side"]).count()
    if not count:
        return None
    names = {"count": count, "value_stream": data["value_stream"].name, "side": invitations.SIDE_NAMES[data["side"]]}
    question = ngettext(
        "Revoke the %(count)s unused link of %(value_stream)s, %(side)s?",
        "Revoke all %(count)s unused links of %(value_stream)s, %(side)s?",
        count,
    )
    return {
        "question": question % names,
        "consequence": gettext(
            "They stop working at once, and this cannot be undone: their places under the head count are not "
            "given back, and their addresses stay “already invited” until the wave closes."
        ),
        "confirm_label": gettext("Yes, revoke them"),
    }


def _ask_remind(wave, forms):
    if wave.availability() != "open":
        return None
    count = Invitation.objects.unused().filter(wave=wave).exclude(email="").count()
    if not count:
        return None
    question = ngettext(
        "Send a reminder to the %(count)s unused invitation sent by e-mail?",
        "Send a reminder to each of the %(count)s unused invitations sent by e-mail?",
        count,
    )
    return {
        "question": question % {"count": count},
        "consequence": gettext(
            "Each reminder carries a new link, and the link sent before stops working. Answers already given stay."
        ),
        "confirm_label": gettext("Yes, send the reminders"),
    }


def _url_builder(request):
    """A `build_url` for the invitations functions: a token's absolute link on this site."""
    return lambda token: request.build_absolute_uri(invitations.invitation_path(token))


# Each action of the page: the CSV of new links, or the notice for the page (None: the form shows its errors).


def _make_links(request, wave, forms):
    form = forms["links"]
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        pairs = invitations.create_invitations(
            wave, data["value_stream"], data["side"], data["count"], user=request.user
        )
    except invitations.LinkLimitReached as error:
        form.add_error("count", _link_limit(error))
        return None
    filename = f"{wave.slug}-{slugify(data['value_stream'].name)}-{data['side']}-links.csv"
    rows = invitations.invitations_csv_rows(pairs, _url_builder(request))
    return shown_once(csv_response(filename, invitations.CSV_HEADER, rows))


def _send(request, wave, forms):
    form = forms["email"]
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        sending = invitations.send_invitations(
            wave, data["value_stream"], data["side"], form.address_list(), _url_builder(request), user=request.user
        )
    except invitations.LinkLimitReached as error:
        form.add_error("addresses", _link_limit(error))
        return None
    except ValueError as error:
        form.add_error("addresses", str(error))
        return None
    except invitations.SendingFailed as error:
        advice = gettext("Their links were revoked; send to them again later.")
        return ("danger", f"{_sending_failed(error)} {advice}")
    forms["email"] = EmailForm(wave=wave, prefix="email")
    count = len(sending.sent)
    # One English text for one and many, as it always read; each catalogue has its own plural forms.
    message = ngettext("Sent %(count)s invitation.", "Sent %(count)s invitations.", count)
    notice = ("success", message % {"count": count})
    if sending.already_invited:
        already = gettext("Already invited, not sent again: %(addresses)s.") % {
            "addresses": ", ".join(sending.already_invited)
        }
        notice = ("warning", f"{notice[1]} {already}")
    return notice


def _remind(request, wave, forms):
    if wave.availability() != "open":  # send_reminders refuses too, in English for the command line
        message = gettext('The wave "%(wave)s" is not open: reminders go out only while people can answer.')
        return ("danger", message % {"wave": wave})
    try:
        count = invitations.send_reminders(wave, _url_builder(request), user=request.user)
    except invitations.SendingFailed as error:
        return ("danger", _sending_failed(error))
    except ValueError as error:
        return ("danger", str(error))
    message = ngettext("Sent %(count)s reminder with a new link.", "Sent %(count)s reminders with new links.", count)
    return ("success", message % {"count": count})


def _revoke(request, wave, forms):
    form = forms["revoke"]
    if not form.is_valid():
        return None
    data = form.cleaned_data
    unused = Invitation.objects.unused().filter(wave=wave, value_stream=data["value_stream"], side=data["side"])
    revoked = invitations.revoke_invitations(unused, user=request.user)
    message = ngettext(
        "Revoked %(count)s unused link of %(value_stream)s, %(side)s.",
        "Revoked %(count)s unused links of %(value_stream)s, %(side)s.",
        revoked,
    )
    names = {"count": revoked, "value_stream": data["value_stream"].name, "side": data["side"]}
    return ("success", message % names)


ACTIONS = {"links": _make_links, "email": _send, "remind": _remind, "revoke": _revoke}
QUESTIONS = {"remind": _ask_remind, "revoke": _ask_revoke}


def _link_limit(error):
    """What `invitations.LinkLimitReached` says, in the page's language."""
    names = {"value_stream": error.value_stream.name, "side": invitations.SIDE_NAMES[error.side]}
    if error.head_count is None:
        message = gettext(
            "Links for %(value_stream)s, %(side)s are limited to its head count, and it has none (head counts "
            "are set in the wave's set-up before it opens). Nothing was made."
        )
        return message % names
    message = gettext(
        "Links for %(value_stream)s, %(side)s are limited to its head count of %(head_count)s; links left: "
        "%(left)s, asked for: %(wanted)s. Nothing was made."
    )
    return message % {**names, "head_count": error.head_count, "left": error.left, "wanted": error.wanted}


def _sending_failed(error):
    """What `invitations.SendingFailed` says, in the page's language."""
    count = len(error.sent)
    message = ngettext(
        "The mail server failed after %(count)s message; not sent: %(addresses)s",
        "The mail server failed after %(count)s messages; not sent: %(addresses)s",
        count,
    )
    return message % {"count": count, "addresses": ", ".join(error.unsent)}
