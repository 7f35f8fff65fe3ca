"""Highlights on the organization and value stream pages: the findings of assessments.highlights, in words,
each linking to its row of the gap table."""

import re

from django.urls import reverse

from assessments.highlights import highlights
from tests.conftest import newest_report

from .test_pages import stream


def listed(html):
    """(kind, link targets) of each highlight on the page, in order."""
    section = re.search(r'<section aria-labelledby="highlights-heading".*?</section>', html, re.S).group(0)
    items = re.findall(r'<li class="highlight-(\w+)">(.*?)</li>', section, re.S)
    return [(kind, re.findall(r'href="([^"]*)"', body)) for kind, body in items]


def test_value_stream_page_says_what_stands_out_and_links_each_finding_to_its_row(admin_client, dash_wave):
    beta = stream("Beta")
    expected = highlights(newest_report(dash_wave), "Beta")
    assert [(h.kind, h.row.code) for h in expected] == [("gap", "DH"), ("gap", "PCT")]
    url = reverse("dashboards:value_stream", args=[dash_wave.slug, beta.pk])
    html = admin_client.get(url).content.decode()
    assert listed(html) == [("gap", ["#gap-vs-beta-theme-dh"]), ("gap", ["#gap-vs-beta-theme-pct"])]
    assert 'id="gap-vs-beta-theme-dh"' in html and 'id="gap-vs-beta-theme-pct"' in html  # the rows they link to
    dh = expected[0].row
    assert (
        f"Digital Harmony</a>: IT rates this higher than Biz — gap {dh.gap:+.2f}, Holm p =\xa0.003, "
        f"Hedges' g {dh.hedges_g:.2f} (large)." in html
    )
    # Showing the dimensions, a theme's link switches the table back to the themes.
    html = admin_client.get(url + "?level=dimension").content.decode()
    assert listed(html)[0] == ("gap", ["?level=theme#gap-vs-beta-theme-dh"])


def test_a_value_stream_with_a_hidden_side_has_no_comparison_to_highlight(admin_client, dash_wave):
    for name in ("Tiny", "Alpha"):
        html = admin_client.get(reverse("dashboards:value_stream", args=[dash_wave.slug, stream(name).pk]))
        html = html.content.decode()
        assert listed(html) == []
        assert "Nothing stands out: no theme gap is significant after Holm" in html


def test_organization_page_highlights_the_pooled_figures_in_the_readers_language(admin_client, dash_wave):
    url = reverse("dashboards:organization", args=[dash_wave.slug])
    expected = highlights(newest_report(dash_wave))
    html = admin_client.get(url).content.decode()
    assert [kind for kind, _ in listed(html)] == [h.kind for h in expected] == ["gap", "gap"]
    for _, links in listed(html):
        assert links[0].startswith("#gap-all-theme-") and f'id="{links[0][1:]}"' in html  # the pooled table's row
    german = admin_client.get(url, headers={"accept-language": "de"}).content.decode()
    pct = expected[0].row
    assert f"{pct.gap:+.2f}".replace(".", ",") in german and "Hedges' g" in german
    assert "rates this higher" not in german


def test_the_report_to_share_opens_with_the_highlights_linking_to_its_gap_tables(admin_client, dash_wave):
    beta = stream("Beta")
    url = reverse("dashboards:stream_report", args=[dash_wave.slug, beta.pk])
    html = admin_client.get(url).content.decode()
    links = [link for _, links in listed(html) for link in links]
    assert links == ["#gap-vs-beta-theme-dh", "#gap-vs-beta-theme-pct"]  # the report shows both levels: no switch
    assert all(f'id="{link[1:]}"' in html for link in links)
    pdf = admin_client.get(reverse("dashboards:stream_report_pdf", args=[dash_wave.slug, beta.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
