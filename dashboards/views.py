"""The change manager's pages. Thin: they look things up, ask `wave_data` for the figures and
`charts` for the pictures, and render. Every number comes from the assessment report."""

from functools import wraps

from django.core.exceptions import BadRequest
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.access import CHANGE_MANAGER, managed_organizations, managed_waves
from accounts.decorators import role_required
from accounts.secret_links import RADIATOR_LOOKUPS, private_page, shown_once
from assessments.report import DIMENSION, SUPPRESSED, THEME
from assessments.stats import COHEN_THRESHOLDS
from surveys import invitations
from surveys.closing import close_if_due, close_those_due
from surveys.models import HeadCount, Invitation, ValueStream, Wave
from surveys.releases import newest_release, release_interim

from . import charts
from .csv_files import (
    GAP_HEADER,
    RELIABILITY_HEADER,
    csv_response,
    gap_rows,
    item_header,
    item_rows,
    reliability_rows,
)
from .forms import EmailForm, LinksForm, TargetForm, WaveForm
from .models import RadiatorLink
from .overview import group_counts, release_state, response_table
from .trends import gap_trends
from .wave_data import organization_streams, wave_figures
from .wave_setup import save_wave

LEVELS = {THEME: gettext_lazy("Themes"), DIMENSION: gettext_lazy("Dimensions")}
change_manager_required = role_required(CHANGE_MANAGER)
POOLED = "all value streams"  # in file names and CSV files only: English like their columns


@change_manager_required
def home(request):
    organizations = (
        managed_organizations(request.user)
        .prefetch_related(
            Prefetch(
                "waves", queryset=Wave.objects.select_related("instrument").annotate(responses_total=Count("responses"))
            )
        )
        .order_by("name")
    )
    return render(request, "dashboards/home.html", {"organizations": organizations})


# The tab of the wave's navigation that each page of figures belongs to.
NAV_PAGES = {"organization_view": "organization", "value_stream_view": "streams", "items_view": "items"}


class NoResultsYet(Exception):
    """The wave has no release yet: its figures do not exist for anyone."""


class WavePage:
    """What every page of one wave needs: the wave, its value streams, its newest release and (lazily) its figures."""

    def __init__(self, slug, waves):
        """`waves`: the waves the visitor may see; any other wave is "not found"."""
        self.wave = close_if_due(get_object_or_404(waves.select_related("organization", "instrument"), slug=slug))
        self.organization_streams = organization_streams(self.wave)
        self.value_streams = [vs for vs in self.organization_streams if vs.in_wave]
        self.release = newest_release(self.wave)
        self._figures = None

    @property
    def figures(self):
        """The figures of the newest release; NoResultsYet when there is none."""
        if self.release is None:
            raise NoResultsYet()
        if self._figures is None:
            self._figures = wave_figures(self.wave, self.organization_streams, self.release)
        return self._figures

    @property
    def report(self):
        return self.figures.report

    def report_streams(self):
        """The value streams of the report (with the ones only old responses name), as objects."""
        by_name = {vs.name: vs for vs in self.organization_streams}
        return [by_name[name] for name in self.report.value_streams]

    def stream(self, pk):
        for vs in self.report_streams():
            if vs.pk == pk:
                return vs
        raise Http404("This value stream is not part of the wave.")

    def context(self, **extra):
        return {
            "wave": self.wave,
            "value_streams": self.value_streams,
            "k": self.wave.anonymity_threshold,
            "release": self.release,
            **extra,
        }


def results_page(view):
    """A page or file of a wave's figures: without a release yet, the page that says when they come."""

    @wraps(view)
    def wrapper(request, slug, *args, **kwargs):
        page = WavePage(slug, managed_waves(request.user))
        try:
            return view(request, page, *args, **kwargs)
        except NoResultsYet:
            state = release_state(page.wave, page.release, group_counts(page.wave))
            context = page.context(page=NAV_PAGES.get(view.__name__, ""), state=state)
            # A page says so; a file that does not exist yet is "not found", with the same explanation.
            status = 404 if view.__name__.endswith("_csv") else 200
            return render(request, "dashboards/no_results.html", context, status=status)

    return change_manager_required(wrapper)


def _level(request):
    level = request.GET.get("level", THEME)
    return level if level in LEVELS else THEME


@change_manager_required
def wave_overview(request, slug):
    """Response counts, and the wave's releases: the figures change only when a release is made."""
    page = WavePage(slug, managed_waves(request.user))
    notice = None
    if request.method == "POST" and request.POST.get("action") == "release":
        release = release_interim(page.wave, user=request.user)
        if release is None:
            notice = ("info", gettext("Nothing to release: no group has enough new responses yet."))
        else:
            page.release = release
            message = gettext("Released interim results: release %(number)s, %(responses)s responses.")
            notice = ("success", message % {"number": release.number, "responses": release.responses})
    counts = group_counts(page.wave)
    table = response_table(page.wave, page.organization_streams, counts)
    state = release_state(page.wave, page.release, counts)
    return render(
        request,
        "dashboards/wave_overview.html",
        page.context(table=table, page="overview", state=state, notice=notice),
    )


@change_manager_required
def wave_responses_csv(request, slug):
    page = WavePage(slug, managed_waves(request.user))
    table = response_table(page.wave, page.organization_streams, group_counts(page.wave))
    rows = [
        [
            row.value_stream.name,
            row.biz,
            row.it,
            row.total,
            row.head_count and row.head_count.biz,
            row.head_count and row.head_count.it,
            row.biz_rate,
            row.it_rate,
            row.rate,
        ]
        for row in table.rows
    ]
    header = [
        "value_stream",
        "biz_responses",
        "it_responses",
        "responses",
        "biz_head_count",
        "it_head_count",
        "biz_response_rate_percent",
        "it_response_rate_percent",
        "response_rate_percent",
    ]
    return csv_response(f"{page.wave.slug}-responses.csv", header, rows)


@results_page
def organization_view(request, page):
    report = page.report
    level = _level(request)
    pooled_rows = report.rows(level, None)
    multiples = []
    for vs in page.report_streams():
        rows = report.rows(THEME, vs.name)
        figure = charts.radar(
            rows, report.scale_min, report.scale_max, f"{page.wave.slug}-{slugify(vs.name)}-radar", 300, legend=False
        )
        multiples.append({"stream": vs, "rows": rows, "figure": figure, "id": f"radar-{vs.pk}"})
    context = page.context(
        page="organization",
        level=level,
        levels=LEVELS,
        rows=pooled_rows,
        radar=charts.radar(pooled_rows, report.scale_min, report.scale_max, f"{page.wave.slug}-radar-{level}"),
        multiples=multiples,
        heatmap=charts.gap_heatmap(report, f"{page.wave.slug}-gap-heatmap"),
        heatmap_rows=_heatmap_rows(report),
        report=report,
        reliability=report.reliability,
        cohen=COHEN_THRESHOLDS,
    )
    return render(request, "dashboards/organization.html", context)


def _heatmap_rows(report):
    by_key = {(row.value_stream, row.code): row for row in report.comparisons if row.level == THEME}
    return [(stream, [by_key[(stream, theme["code"])] for theme in report.themes]) for stream in report.value_streams]


@results_page
def heatmap_csv(request, page):
    rows = [row for row in page.report.comparisons if row.level == THEME and row.value_stream is not None]
    return csv_response(f"{page.wave.slug}-gaps-by-value-stream.csv", GAP_HEADER, gap_rows(rows))


@results_page
def reliability_csv(request, page):
    return csv_response(
        f"{page.wave.slug}-reliability.csv", RELIABILITY_HEADER, reliability_rows(page.report.reliability)
    )


@results_page
def value_stream_view(request, page, pk):
    vs = page.stream(pk)
    report = page.report
    level = _level(request)
    rows = report.rows(level, vs.name)
    context = page.context(
        page="streams",
        stream=vs,
        level=level,
        levels=LEVELS,
        rows=rows,
        radar=charts.radar(rows, report.scale_min, report.scale_max, f"{page.wave.slug}-{slugify(vs.name)}-{level}"),
        cohen=COHEN_THRESHOLDS,
        radiator_links=RadiatorLink.objects.active().filter(value_stream=vs).select_related("created_by"),
    )
    return render(request, "dashboards/value_stream.html", context)


@results_page
def gaps_csv(request, page, pk=None):
    level = _level(request)
    name = None if pk is None else page.stream(pk).name
    filename = f"{page.wave.slug}-{slugify(name or POOLED)}-gaps-{level}.csv"
    return csv_response(filename, GAP_HEADER, gap_rows(page.report.rows(level, name)))


def _items_by_theme(wave):
    themes = {}
    for item in wave.instrument.ordered_items():
        themes.setdefault(item.theme, []).append(item)
    return themes


def _selected_stream(page, request):
    pk = request.GET.get("value_stream", "")
    if not pk:
        return None
    # ASCII digits only: isdigit() alone passes "²", which int() refuses, and "١", which it reads as 1.
    if not (pk.isascii() and pk.isdigit()):
        raise BadRequest("The value stream filter takes a value stream's id.")
    return page.stream(int(pk))


@results_page
def items_view(request, page):
    stream = _selected_stream(page, request)
    name = stream.name if stream else None
    figures = page.figures
    instrument = page.wave.instrument
    points = list(range(instrument.scale_min, instrument.scale_max + 1))
    labels = [instrument.scale_label(point) for point in points]
    sections = []
    for theme, items in _items_by_theme(page.wave).items():
        groups = {
            (item.code, side): figures.item_group(item.code, side, name) for item in items for side in ("biz", "it")
        }
        figure = charts.likert_bars(
            [(item.code, item.text_in_language) for item in items],
            groups,
            instrument.scale_min,
            labels,
            f"{page.wave.slug}-{slugify(name or POOLED)}-{theme.code}-items",
        )
        table = [
            {"item": item, "side": side, "group": groups[(item.code, side)]} for item in items for side in ("biz", "it")
        ]
        sections.append(
            {"theme": theme, "items": items, "figure": figure, "table": table, "id": f"likert-{theme.code}"}
        )
    context = page.context(page="items", stream=stream, sections=sections, points=points, labels=labels)
    return render(request, "dashboards/items.html", context)


@results_page
def items_csv(request, page):
    stream = _selected_stream(page, request)
    name = stream.name if stream else None
    instrument = page.wave.instrument
    items = [item for theme_items in _items_by_theme(page.wave).values() for item in theme_items]
    return csv_response(
        f"{page.wave.slug}-{slugify(name or POOLED)}-items.csv",
        item_header(instrument.scale_min, instrument.scale_max),
        item_rows(name, items, page.figures),
    )


@change_manager_required
def trends_view(request, pk):
    organization = get_object_or_404(managed_organizations(request.user), pk=pk)
    trends = gap_trends(organization, request.GET.get("instrument"))
    charts_by_stream = [
        {
            "name": series.value_stream or POOLED,
            "id": f"trend-{index}",
            "figure": charts.gap_trend(
                trends.wave_labels,
                series.by_theme,
                f"{slugify(organization.name)}-{slugify(series.value_stream or POOLED)}-trend",
            ),
            "series": series,
        }
        for index, series in enumerate(trends.series)
    ]
    context = {"organization": organization, "trends": trends, "charts": charts_by_stream, "page": "trends"}
    return render(request, "dashboards/trends.html", context)


@change_manager_required
def trends_csv(request, pk):
    organization = get_object_or_404(managed_organizations(request.user), pk=pk)
    trends = gap_trends(organization, request.GET.get("instrument"))
    header = ["value_stream", "theme", *trends.wave_slugs]
    rows = [
        [series.value_stream or POOLED, theme, *gaps] for series in trends.series for theme, gaps in series.by_theme
    ]
    return csv_response(f"{slugify(organization.name)}-gap-trends.csv", header, rows)


@change_manager_required
@require_POST
def create_radiator_link(request, pk):
    vs = get_object_or_404(
        ValueStream.objects.filter(organization__in=managed_organizations(request.user)).select_related("organization"),
        pk=pk,
    )
    label = request.POST.get("label", "").strip()[:100]
    link, token = RadiatorLink.create(vs, request.user, label)
    url = request.build_absolute_uri(reverse("dashboards:radiator", args=[token]))
    return shown_once(render(request, "dashboards/radiator_created.html", {"link": link, "url": url, "stream": vs}))


@change_manager_required
@require_POST
def revoke_radiator_link(request, pk):
    link = get_object_or_404(
        RadiatorLink.objects.filter(value_stream__organization__in=managed_organizations(request.user)), pk=pk
    )
    link.revoke()
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("dashboards:home")


@private_page
def radiator(request, token):
    """A value stream's wall screen: no login, only what passes the anonymity rules."""
    link = RadiatorLink.objects.find(token)
    if link is None:
        refusal = RADIATOR_LOOKUPS.failed_lookup(request)  # after the lookup: a valid link is never refused
        if refusal is not None:
            return refusal
        raise Http404("This radiator link does not exist or was revoked.")
    vs = link.value_stream
    # The newest wave of the value stream that has released results; a wave past its closing
    # time is closed first, so the screen never shows interim results of a finished wave.
    close_those_due(Wave.objects.filter(value_streams=vs))
    wave = (
        Wave.objects.filter(value_streams=vs, releases__isnull=False)
        .select_related("instrument", "organization")
        .order_by("-opens_at")
        .distinct()
        .first()
    )
    context = {"stream": vs, "wave": wave, "now": timezone.now()}
    if wave is not None:
        page = WavePage(wave.slug, Wave.objects.filter(pk=wave.pk))
        report = page.report
        rows = report.rows(THEME, vs.name)
        context.update(
            rows=rows,
            k=wave.anonymity_threshold,
            release=page.release,
            radar=charts.radar(rows, report.scale_min, report.scale_max, "radiator", 640, font_size=18),
            # per side: "hidden", or the respondents as the report shows them
            side_n={
                side: "hidden"
                if any(getattr(row, f"{side}_status") == SUPPRESSED for row in rows)
                else max((cell.n for row in rows if (cell := getattr(row, side)) is not None), default=0)
                for side in ("biz", "it")
            },
        )
    return render(request, "dashboards/radiator.html", context)


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

    def build_url(token):
        return request.build_absolute_uri(invitations.invitation_path(token))

    notice = None
    if action == "links" and forms["links"].is_valid():
        data = forms["links"].cleaned_data
        try:
            pairs = invitations.create_invitations(
                wave, data["value_stream"], data["side"], data["count"], user=request.user
            )
        except invitations.LinkLimitReached as error:
            forms["links"].add_error("count", _link_limit(error))
        else:
            filename = f"{wave.slug}-{slugify(data['value_stream'].name)}-{data['side']}-links.csv"
            rows = invitations.invitations_csv_rows(pairs, build_url)
            return shown_once(csv_response(filename, invitations.CSV_HEADER, rows))
    if action == "email" and forms["email"].is_valid():
        data = forms["email"].cleaned_data
        try:
            sending = invitations.send_invitations(
                wave, data["value_stream"], data["side"], forms["email"].address_list(), build_url, user=request.user
            )
        except invitations.LinkLimitReached as error:
            forms["email"].add_error("addresses", _link_limit(error))
        except ValueError as error:
            forms["email"].add_error("addresses", str(error))
        except invitations.SendingFailed as error:
            advice = gettext("Their links were revoked; send to them again later.")
            notice = ("danger", f"{_sending_failed(error)} {advice}")
        else:
            count = len(sending.sent)
            # One English text for one and many, as it always read; each catalogue has its own plural forms.
            message = ngettext("Sent %(count)s invitation.", "Sent %(count)s invitations.", count)
            notice = ("success", message % {"count": count})
            if sending.already_invited:
                already = gettext("Already invited, not sent again: %(addresses)s.") % {
                    "addresses": ", ".join(sending.already_invited)
                }
                notice = ("warning", f"{notice[1]} {already}")
            forms["email"] = EmailForm(wave=wave, prefix="email")
    if action == "remind":
        notice = _remind(wave, build_url, request.user)
    if action == "revoke" and forms["revoke"].is_valid():
        data = forms["revoke"].cleaned_data
        unused = Invitation.objects.unused().filter(wave=wave, value_stream=data["value_stream"], side=data["side"])
        revoked = invitations.revoke_invitations(unused, user=request.user)
        message = ngettext(
            "Revoked %(count)s unused link of %(value_stream)s, %(side)s.",
            "Revoked %(count)s unused links of %(value_stream)s, %(side)s.",
            revoked,
        )
        names = {"count": revoked, "value_stream": data["value_stream"].name, "side": data["side"]}
        notice = ("success", message % names)
    context = {"wave": wave, "forms": forms, "summary": _invitation_summary(wave), "notice": notice}
    return render(request, "dashboards/invitations.html", context)


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


def _remind(wave, build_url, user):
    """Send the reminders of `wave`: the notice for the page."""
    if wave.availability() != "open":  # send_reminders refuses too, in English for the command line
        message = gettext('The wave "%(wave)s" is not open: reminders go out only while people can answer.')
        return ("danger", message % {"wave": wave})
    try:
        count = invitations.send_reminders(wave, build_url, user=user)
    except invitations.SendingFailed as error:
        return ("danger", _sending_failed(error))
    except ValueError as error:
        return ("danger", str(error))
    message = ngettext("Sent %(count)s reminder with a new link.", "Sent %(count)s reminders with new links.", count)
    return ("success", message % {"count": count})
