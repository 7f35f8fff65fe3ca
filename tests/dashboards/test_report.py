"""The report to share: its page and its PDF carry the report's numbers, hide what the report
hides, follow the reader's language and fetch nothing from anywhere.

The PDF is made here as a change manager downloads it, and read back with pypdf.
"""

import io
import re
import socket
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from assessments.report import DIMENSION, THEME, ComparisonRow, SideCell
from dashboards import svg_charts
from dashboards.charts import SIDE_COLOURS
from dashboards.report_pdf import RefusedURL, html_to_pdf, static_path
from dashboards.templatetags.figures import signed
from surveys.models import ValueStream
from tests.conftest import newest_report
from tests.privacy.journeys import change_manager

from .conftest import ORGANIZATION


def stream(name):
    return ValueStream.objects.get(organization__name=ORGANIZATION, name=name)


def pdf_text(content):
    """The PDF's text, whitespace collapsed (lines break wherever the layout breaks them)."""
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def page_text(response):
    html = re.sub(r"<script.*?</script>|<[^>]+>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.replace("&lt;", "<").replace("&#x27;", "'").split())


def report_urls(wave, pk=None):
    if pk is None:
        return reverse("dashboards:report", args=[wave.slug]), reverse("dashboards:report_pdf", args=[wave.slug])
    return (
        reverse("dashboards:stream_report", args=[wave.slug, pk]),
        reverse("dashboards:stream_report_pdf", args=[wave.slug, pk]),
    )


def shown_figures(rows):
    """Each shown row's gap and side means as the report writes them."""
    figures = []
    for row in rows:
        for cell in (row.biz, row.it):
            if cell is not None and cell.mean is not None:
                figures.append(f"{cell.mean:.2f}")
        if row.has_figures:
            figures.append(signed(row.gap))
    return figures


def test_the_pdf_and_the_page_carry_the_report_s_numbers(admin_client, dash_wave):
    report = newest_report(dash_wave)
    page_url, pdf_url = report_urls(dash_wave)
    page = admin_client.get(page_url)
    pdf = admin_client.get(pdf_url)
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == 'attachment; filename="dash-wave-organization-report.pdf"'
    text, html = pdf_text(pdf.content), page_text(page)
    rows = [row for level in (THEME, DIMENSION) for row in report.rows(level, None)]
    rows += [row for name in report.value_streams for row in report.rows(THEME, name)]
    figures = shown_figures(rows)
    assert "+0.71" in figures  # Beta's PCT gap: the test reads real numbers
    for figure in figures:
        assert figure in text and figure in html, figure
    for theme in report.reliability:
        assert f"{theme.alpha:.2f}" in text
    # Beta's row of the heatmap, with the stars of Holm p < .05, reads the same in both.
    beta = " ".join(signed(row.gap) + ("*" if row.mwu_p_holm < 0.05 else "") for row in report.rows(THEME, "Beta"))
    assert f"Beta {beta}" in text and f"Beta {beta}" in html


def test_a_value_stream_s_report_shows_its_numbers_and_not_the_others(admin_client, dash_wave):
    report = newest_report(dash_wave)
    beta = stream("Beta")
    page_url, pdf_url = report_urls(dash_wave, beta.pk)
    text = pdf_text(admin_client.get(pdf_url).content)
    html = page_text(admin_client.get(page_url))
    for figure in shown_figures(report.rows(THEME, "Beta") + report.rows(DIMENSION, "Beta")):
        assert figure in text and figure in html
    assert "Alpha" not in text and "Tiny" not in text
    assert "Gaps by value stream and theme" not in text  # the heatmap is the organization's


def test_nothing_of_a_hidden_group_appears_only_that_it_is_hidden(admin_client, dash_wave):
    """Tiny IT (2 people) and Alpha IT (hidden against differencing): named as hidden, never counted."""
    _, pdf_url = report_urls(dash_wave)
    text = pdf_text(admin_client.get(pdf_url).content)
    assert "Hidden to protect anonymity: IT in Alpha, IT in Tiny." in text
    assert "No group is hidden" not in text
    page_url, tiny_pdf = report_urls(dash_wave, stream("Tiny").pk)
    tiny = pdf_text(admin_client.get(tiny_pdf).content)
    # Every IT cell of Tiny's five tables rows (3 themes, 2 dimensions) and nine item drivers says hidden, with no n.
    assert tiny.count("hidden to protect anonymity") == 5 + 9
    assert tiny.count("no comparison (a side is hidden)") == 5 + 9
    assert "Hidden to protect anonymity: IT in Tiny." in tiny
    html = admin_client.get(page_url).content.decode()
    assert SIDE_COLOURS["biz"] in html and SIDE_COLOURS["it"] not in html  # IT is not drawn


def test_the_report_is_in_the_reader_s_language(admin_client, dash_wave):
    report = newest_report(dash_wave)
    _, pdf_url = report_urls(dash_wave)
    text = pdf_text(admin_client.get(pdf_url, HTTP_ACCEPT_LANGUAGE="de").content)
    beta_pct = next(row for row in report.rows(THEME, "Beta") if row.code == "PCT")
    with translation.override("de"):
        german_gap = signed(beta_pct.gap)
    assert german_gap == "+0,71" and german_gap in text
    assert "Methodische Hinweise" in text and "Anonymitätsschwelle k = 5" in text
    assert "Wert anstreben" in text  # the instrument's German dimension name: ä, ö, ü come through
    assert "Method notes" not in text and "hidden to protect anonymity" not in text


def test_method_notes_name_the_threshold_the_tests_and_the_release(admin_client, dash_wave):
    _, pdf_url = report_urls(dash_wave)
    text = pdf_text(admin_client.get(pdf_url).content)
    notes = text[text.index("Method notes") :]
    assert "Anonymity threshold k = 5." in notes
    for test in ("Mann–Whitney U", "Holm-adjusted", "Welch's t-test", "Hedges' g", "rwg", "Cronbach's alpha"):
        assert test in notes, test
    assert "release 1" in notes


def test_the_same_report_gives_the_same_pdf(admin_client, dash_wave):
    """No creation time in the file: the swap test of hidden groups compares PDFs byte for byte."""
    _, pdf_url = report_urls(dash_wave)
    assert admin_client.get(pdf_url).content == admin_client.get(pdf_url).content


def test_the_pdf_fetches_our_static_files_and_nothing_else(monkeypatch, settings):
    assert static_path("https://alignsurvey.invalid/static/css/report.css").endswith("css/report.css")
    for url in [
        "https://example.org/static/css/report.css",
        "http://alignsurvey.invalid/static/css/report.css",
        "https://alignsurvey.invalid/media/x.css",
        "https://alignsurvey.invalid/static/../../alignsurvey/settings.py",
        "https://alignsurvey.invalid/static/%2e%2e/%2e%2e/manage.py",
        "https://alignsurvey.invalid/static/css/none.css",
        "file:///etc/passwd",
        "data:text/css,body{color:red}",
    ]:
        with pytest.raises(RefusedURL):
            static_path(url)

    def no_network(*args, **kwargs):
        raise AssertionError("the PDF tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    html = (
        '<html><head><link rel="stylesheet" href="https://example.org/x.css">'
        '<link rel="stylesheet" href="file:///etc/passwd"></head>'
        '<body><p>Größe élève</p><img src="http://198.51.100.7/x.png" alt=""></body></html>'
    )
    text = pdf_text(html_to_pdf(html))
    assert "Größe élève" in text and "root:" not in text


def test_a_wave_without_a_release_has_no_report_yet(admin_client, wave):
    page_url, pdf_url = report_urls(wave)
    page = admin_client.get(page_url)
    assert page.status_code == 200 and "This wave has no results yet." in page.content.decode()
    assert admin_client.get(pdf_url).status_code == 404
    _, stream_pdf = report_urls(wave, wave.value_streams.first().pk)
    assert admin_client.get(stream_pdf).status_code == 404


def test_only_the_organization_s_change_managers_read_its_report(client, dash_wave, organization):
    urls = [*report_urls(dash_wave), *report_urls(dash_wave, stream("Beta").pk)]
    stranger = change_manager(organization, username="stranger")  # manages "Test Bank" only
    own = change_manager(dash_wave.organization, username="own")
    for url in urls:
        assert client.get(url).status_code == 302, url  # to the login
        assert stranger.get(url).status_code == 404, url
        assert own.get(url).status_code == 200, url
    foreign = ValueStream.objects.create(organization=organization, name="Elsewhere")
    assert own.get(reverse("dashboards:stream_report_pdf", args=[dash_wave.slug, foreign.pk])).status_code == 404


def test_the_organization_and_value_stream_pages_link_their_report(admin_client, dash_wave):
    beta = stream("Beta")
    organization = admin_client.get(reverse("dashboards:organization", args=[dash_wave.slug])).content.decode()
    assert reverse("dashboards:report", args=[dash_wave.slug]) in organization
    page = admin_client.get(reverse("dashboards:value_stream", args=[dash_wave.slug, beta.pk])).content.decode()
    assert reverse("dashboards:stream_report", args=[dash_wave.slug, beta.pk]) in page
    report = admin_client.get(reverse("dashboards:stream_report", args=[dash_wave.slug, beta.pk])).content.decode()
    assert reverse("dashboards:stream_report_pdf", args=[dash_wave.slug, beta.pk]) in report
    assert (
        "data-print" in report
        and "@page" in open(static_path("https://alignsurvey.invalid/static/css/report.css")).read()
    )


# --- the charts -------------------------------------------------------------------------------


def comparison(name, biz=None, it=None, gap=None):
    cells = {side: None if mean is None else SideCell(n=6, mean=mean) for side, mean in (("biz", biz), ("it", it))}
    return ComparisonRow(
        value_stream="S",
        level=THEME,
        code=name[:3],
        name=name,
        suppressed=it is None or biz is None,
        biz_status="shown" if biz is not None else "suppressed",
        it_status="shown" if it is not None else "suppressed",
        gap=gap,
        **cells,
    )


def view_box(svg):
    root = ElementTree.fromstring(svg)
    return [float(value) for value in root.get("viewBox").split()], root


def test_the_radar_s_labels_lie_inside_the_picture_in_every_language():
    """Long German and French theme names, left, right, above and below the circle."""
    names = [
        "Produktzentriertes Denken",
        "Strukturierte Priorisierung in Stufen",
        "Recherche d'un consensus collectif",
        "Exposer le fonctionnement de l'entreprise",
        "Digitale Harmonie",
        "Physische Nähe und Harmonie",
    ]
    rows = [comparison(name, biz=4.0, it=2.5, gap=1.5) for name in names]
    svg = svg_charts.radar(rows, 1, 5, "Radar")
    (x0, y0, width, height), root = view_box(svg)
    for text in root.iter("{http://www.w3.org/2000/svg}text"):
        x, y = float(text.get("x")), float(text.get("y"))
        longest = max(len(span.text) for span in text) * svg_charts.FONT_SIZE * svg_charts.TEXT_WIDTH
        left = {"start": x, "end": x - longest, "middle": x - longest / 2}[text.get("text-anchor")]
        assert x0 <= left and left + longest <= x0 + width, text[0].text
        assert y0 <= y - svg_charts.FONT_SIZE and y <= y0 + height, text[0].text
    assert "Nähe" in svg


def test_the_radar_draws_no_hidden_side_and_escapes_names():
    rows = [comparison("<b>A</b>", biz=4.0), comparison("B & C", biz=3.0), comparison("D", biz=2.0)]
    svg = svg_charts.radar(rows, 1, 5, "Radar")
    assert SIDE_COLOURS["it"] not in svg and svg.count(SIDE_COLOURS["biz"]) > 1
    assert "<b>" not in svg and "&lt;b&gt;A&lt;/b&gt;" in svg and "B &amp; C" in svg
    ElementTree.fromstring(svg)  # well-formed


def test_the_gap_bars_point_to_the_side_that_scores_higher():
    rows = [comparison("Biz higher", 4.0, 3.0, 1.0), comparison("IT higher", 3.0, 3.5, -0.5), comparison("X", 3.0)]
    svg = svg_charts.gap_bars(rows, "Gaps")
    _, root = view_box(svg)
    bars = {rect.get("fill"): rect for rect in root.iter("{http://www.w3.org/2000/svg}rect")}
    zero = float(root.find("{http://www.w3.org/2000/svg}line").get("x1"))
    assert float(bars[SIDE_COLOURS["biz"]].get("x")) == pytest.approx(zero)
    it_bar = bars[SIDE_COLOURS["it"]]
    assert float(it_bar.get("x")) + float(it_bar.get("width")) == pytest.approx(zero, abs=0.01)
    assert float(bars[SIDE_COLOURS["biz"]].get("width")) == pytest.approx(2 * float(it_bar.get("width")), abs=0.02)
    assert "+1.00" in svg and "-0.50" in svg and "hidden" in svg


def test_the_report_carries_the_change_since_the_previous_wave_and_the_action_plan(admin_client, dash_wave, instrument):
    """The previous wave's focus theme, its gap's change, this wave's actions: in the page and the PDF."""
    import datetime

    from dashboards.changes import wave_changes
    from dashboards.models import Action, FocusTheme
    from surveys.releases import newest_release

    from .conftest import import_previous_wave, wave_rows

    before = import_previous_wave(instrument, wave_rows())
    beta = stream("Beta")
    FocusTheme.objects.create(wave=before, value_stream=beta, theme_code="DH")
    Action.objects.create(
        wave=dash_wave,
        value_stream=beta,
        theme_code="DH",
        what="One toolkit for Biz and IT",
        owner="Ana",
        due_on=datetime.date(2027, 3, 1),
    )
    gap_change = wave_changes(dash_wave, newest_release(dash_wave)).gap_change("Beta", "DH")
    assert gap_change.shown

    page_url, pdf_url = report_urls(dash_wave, beta.pk)
    for text in (page_text(admin_client.get(page_url)), pdf_text(admin_client.get(pdf_url).content)):
        assert "Change since Spring survey" in text
        assert "Focus themes of Spring survey: how their gaps changed" in text
        assert signed(gap_change.difference) in text
        assert "One toolkit for Biz and IT" in text and "Ana" in text
        assert "Download the changes" not in text  # the report is read on paper: no links to files
    # Organization-wide: every value stream's plan, without another stream's focus-change table.
    organization = pdf_text(admin_client.get(report_urls(dash_wave)[1]).content)
    assert "Actions in Beta" in organization and "One toolkit for Biz and IT" in organization
