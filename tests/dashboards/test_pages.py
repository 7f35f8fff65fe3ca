"""The change manager's pages: what they show, what they never show, and what they cost."""

import csv
import io
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.urls import reverse

from dashboards.models import RadiatorLink
from surveys.models import HeadCount, ValueStream, Wave
from tests.conftest import newest_report

from .conftest import ORGANIZATION, import_wave, row, wave_rows


def stream(name, organization=ORGANIZATION):
    return ValueStream.objects.get(organization__name=organization, name=name)


def wave_pages(wave):
    """Every page and download of a wave, as (name, url)."""
    tiny, alpha = (stream(name, wave.organization.name) for name in ("Tiny", "Alpha"))
    organization_id = wave.organization_id
    return [
        ("overview", reverse("dashboards:wave", args=[wave.slug])),
        ("responses csv", reverse("dashboards:wave_responses_csv", args=[wave.slug])),
        ("organization", reverse("dashboards:organization", args=[wave.slug])),
        ("organization dimensions", reverse("dashboards:organization", args=[wave.slug]) + "?level=dimension"),
        ("pooled gaps csv", reverse("dashboards:pooled_gaps_csv", args=[wave.slug])),
        ("heatmap csv", reverse("dashboards:heatmap_csv", args=[wave.slug])),
        ("reliability csv", reverse("dashboards:reliability_csv", args=[wave.slug])),
        ("tiny stream", reverse("dashboards:value_stream", args=[wave.slug, tiny.pk])),
        ("tiny dimensions", reverse("dashboards:value_stream", args=[wave.slug, tiny.pk]) + "?level=dimension"),
        ("alpha stream", reverse("dashboards:value_stream", args=[wave.slug, alpha.pk])),
        ("tiny gaps csv", reverse("dashboards:gaps_csv", args=[wave.slug, tiny.pk])),
        ("changes csv", reverse("dashboards:changes_csv", args=[wave.slug])),
        ("items", reverse("dashboards:items", args=[wave.slug])),
        ("tiny items", reverse("dashboards:items", args=[wave.slug]) + f"?value_stream={tiny.pk}"),
        ("items csv", reverse("dashboards:items_csv", args=[wave.slug])),
        ("tiny items csv", reverse("dashboards:items_csv", args=[wave.slug]) + f"?value_stream={tiny.pk}"),
        ("alpha items", reverse("dashboards:items", args=[wave.slug]) + f"?value_stream={alpha.pk}"),
        ("alpha items csv", reverse("dashboards:items_csv", args=[wave.slug]) + f"?value_stream={alpha.pk}"),
        ("trends", reverse("dashboards:trends", args=[organization_id])),
        ("trends csv", reverse("dashboards:trends_csv", args=[organization_id])),
        ("report", reverse("dashboards:report", args=[wave.slug])),
        ("report pdf", reverse("dashboards:report_pdf", args=[wave.slug])),
        ("tiny report", reverse("dashboards:stream_report", args=[wave.slug, tiny.pk])),
        ("tiny report pdf", reverse("dashboards:stream_report_pdf", args=[wave.slug, tiny.pk])),
        ("alpha report pdf", reverse("dashboards:stream_report_pdf", args=[wave.slug, alpha.pk])),
        ("structural validity", reverse("exports:structural_validity", args=[wave.slug])),
    ]


def figures_on(response):
    """The chart figures a page sends to the browser (the json_script blocks)."""
    html = response.content.decode()
    blocks = re.findall(r'<script id="([^"]+)" type="application/json">(.*?)</script>', html, re.S)
    return {block_id: json.loads(text) for block_id, text in blocks}


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


# --- anonymity -------------------------------------------------------------------------------


def radiator_pages(wave, names=("Tiny", "Alpha", "Beta")):
    """A radiator link for each of these value streams, as (name, url)."""
    user = get_user_model().objects.get_or_create(username="radiator-maker")[0]
    organization = wave.organization.name
    return [
        (
            f"{name} radiator",
            reverse("dashboards:radiator", args=[RadiatorLink.create(stream(name, organization), user)[1]]),
        )
        for name in names
    ]


def rendered(client, wave, radiators=()):
    """Every page of the wave (and the given radiators) as text, without the per-request CSRF tokens
    and the radiator's "Updated" time."""
    pages = {}
    for name, url in [*wave_pages(wave), *radiators]:
        response = client.get(url)
        assert response.status_code == 200, name
        if response["Content-Type"] == "application/pdf":
            pages[name] = response.content  # the same report gives the same bytes (dashboards/report_pdf.py)
            continue
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        pages[name] = re.sub(r"Updated [^.<]+\.", "", text)
    return pages


def swap_value_streams(wave, first, second, side="it"):
    """Move one respondent of `first` to `second` and one of `second` to `first` (same side).

    Every pooled figure stays the same (the same people answered); only the two cells change.
    """
    a = wave.responses.filter(value_stream=stream(first), side=side).order_by("pk").first()
    b = wave.responses.filter(value_stream=stream(second), side=side).order_by("pk").first()
    a.value_stream, b.value_stream = b.value_stream, a.value_stream
    a.save(update_fields=["value_stream"])
    b.save(update_fields=["value_stream"])
    cache.clear()  # responses are never edited in the app, so the cache key does not see this


def test_suppressed_answers_change_nothing_on_any_page_chart_or_csv(admin_client, dash_wave):
    """Tiny IT (2 people) and Alpha IT (hidden to stop differencing) exchange a respondent.

    If any page, chart or download depended on a hidden group's answers, it would change.
    """
    radiators = radiator_pages(dash_wave)
    before = rendered(admin_client, dash_wave, radiators)
    swap_value_streams(dash_wave, "Tiny", "Alpha")
    after = rendered(admin_client, dash_wave, radiators)
    for name in before:
        assert before[name] == after[name], f"{name} shows something of a hidden group"


def test_the_swap_test_sees_a_change_in_a_shown_group(admin_client, dash_wave):
    """The control of the test above: exchanging with Beta IT, which is shown, changes its page."""
    radiators = radiator_pages(dash_wave)
    before = rendered(admin_client, dash_wave, radiators)
    swap_value_streams(dash_wave, "Tiny", "Beta")
    after = rendered(admin_client, dash_wave, radiators)
    assert before["tiny stream"] == after["tiny stream"]  # Tiny IT: still 2, still hidden
    assert before["Tiny radiator"] == after["Tiny radiator"]
    assert before["Beta radiator"] != after["Beta radiator"]  # Beta IT is shown: its means moved
    assert before["heatmap csv"] != after["heatmap csv"]
    assert before["report pdf"] != after["report pdf"]  # a PDF that differs is seen to differ
    assert before["tiny report pdf"] == after["tiny report pdf"]
    assert before["items csv"] == after["items csv"]  # pooled: the same people


def test_value_stream_page_says_why_a_side_is_hidden_and_does_not_draw_it(admin_client, dash_wave):
    page = admin_client.get(reverse("dashboards:value_stream", args=[dash_wave.slug, stream("Tiny").pk]))
    html = page.content.decode()
    assert "hidden to protect anonymity" in html
    radar = figures_on(page)["radar"]
    assert [trace["name"] for trace in radar["data"]] == ["Biz"]
    assert radar["layout"]["polar"]["radialaxis"]["range"] == [1, 5]


def test_secondary_suppression_hides_another_side_too(admin_client, dash_wave):
    """Pooled IT minus Beta IT would give Tiny IT, so Alpha IT (the smaller shown cell) is hidden too."""
    page = admin_client.get(reverse("dashboards:value_stream", args=[dash_wave.slug, stream("Alpha").pk]))
    assert [trace["name"] for trace in figures_on(page)["radar"]["data"]] == ["Biz"]
    beta = admin_client.get(reverse("dashboards:value_stream", args=[dash_wave.slug, stream("Beta").pk]))
    assert [trace["name"] for trace in figures_on(beta)["radar"]["data"]] == ["Biz", "IT"]


def test_heatmap_leaves_hidden_cells_without_colour(admin_client, dash_wave):
    page = admin_client.get(reverse("dashboards:organization", args=[dash_wave.slug]))
    heatmap = figures_on(page)["heatmap"]["data"][0]
    tiny = heatmap["y"].index("Tiny")
    assert heatmap["z"][tiny] == [None, None, None]
    assert heatmap["text"][tiny] == ["hidden", "hidden", "hidden"]
    beta = heatmap["y"].index("Beta")
    assert all(gap is not None for gap in heatmap["z"][beta])


def test_item_counts_of_a_hidden_group_are_neither_drawn_nor_downloadable(admin_client, dash_wave):
    tiny = stream("Tiny")
    url = reverse("dashboards:items_csv", args=[dash_wave.slug]) + f"?value_stream={tiny.pk}"
    it_rows = [r for r in csv_rows(admin_client.get(url)) if r["side"] == "it"]
    assert it_rows and all(r["status"] == "suppressed" for r in it_rows)
    assert all(r["n_1"] == r["n_5"] == r["n_not_applicable"] == "" for r in it_rows)

    page = admin_client.get(reverse("dashboards:items", args=[dash_wave.slug]) + f"?value_stream={tiny.pk}")
    for figure in figures_on(page).values():
        bars = [trace for trace in figure["data"] if trace.get("xaxis") != "x2"]
        it_positions = [i for i, side in enumerate(bars[0]["y"][1]) if side == "IT"]  # (statement, side) rows
        assert all(trace["x"][i] is None for trace in bars for i in it_positions)
        assert any(note["text"] == "hidden to protect anonymity" for note in figure["layout"]["annotations"])


def test_radiator_shows_only_what_passes_the_anonymity_rules(client, dash_wave):
    from dashboards.models import RadiatorLink

    _, token = RadiatorLink.create(stream("Tiny"), None)
    page = client.get(reverse("dashboards:radiator", args=[token]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "IT: hidden" in html
    assert [trace["name"] for trace in figures_on(page)["radar"]["data"]] == ["Biz"]


# --- what the pages show ---------------------------------------------------------------------


def test_gap_table_and_csv_carry_the_report_figures(admin_client, dash_wave):
    beta = stream("Beta")
    report = newest_report(dash_wave)
    expected = {r.code: r for r in report.rows("theme", "Beta")}
    rows = csv_rows(admin_client.get(reverse("dashboards:gaps_csv", args=[dash_wave.slug, beta.pk])))
    assert [r["code"] for r in rows] == ["PCT", "SPS", "DH"]
    for line in rows:
        assert float(line["gap"]) == pytest.approx(expected[line["code"]].gap, abs=1e-4)
        assert float(line["mwu_p_holm"]) == pytest.approx(expected[line["code"]].mwu_p_holm, abs=1e-4)
        assert (line["magnitude"] or None) == expected[line["code"]].magnitude

    html = admin_client.get(reverse("dashboards:value_stream", args=[dash_wave.slug, beta.pk])).content.decode()
    assert f"{expected['DH'].gap:+.2f}" in html
    assert "negligible below 0.2, small from 0.2, medium from 0.5, large from 0.8" in html


def test_reliability_table_downloads_with_the_report_figures(admin_client, dash_wave):
    report = newest_report(dash_wave)
    rows = csv_rows(admin_client.get(reverse("dashboards:reliability_csv", args=[dash_wave.slug])))
    assert [line["theme"] for line in rows] == [theme.theme for theme in report.reliability]
    for line, theme in zip(rows, report.reliability, strict=True):
        assert line["status"] == ("suppressed" if theme.suppressed else "shown")
        if theme.suppressed:
            assert line["n"] == line["alpha"] == ""
        else:
            assert int(line["n"]) == theme.n and float(line["alpha"]) == pytest.approx(theme.alpha, abs=1e-4)
    assert any(line["status"] == "shown" for line in rows)
    page = admin_client.get(reverse("dashboards:organization", args=[dash_wave.slug])).content.decode()
    assert reverse("dashboards:reliability_csv", args=[dash_wave.slug]) in page


def test_dimension_switch_draws_the_dimensions(admin_client, dash_wave):
    page = admin_client.get(
        reverse("dashboards:value_stream", args=[dash_wave.slug, stream("Beta").pk]) + "?level=dimension"
    )
    biz = figures_on(page)["radar"]["data"][0]
    assert biz["theta"] == ["Seek Value", "Enable<br>Proximity", "Seek Value"]  # closed polygon


def test_overview_counts_responses_by_stream_and_side_against_head_counts(admin_client, dash_wave):
    HeadCount.objects.create(wave=dash_wave, value_stream=stream("Beta"), biz=12, it=14)
    page = admin_client.get(reverse("dashboards:wave", args=[dash_wave.slug]))
    html = page.content.decode()
    assert "13 of 26 (50%)" in html  # Beta: 6 Biz + 7 IT
    rows = {
        r["value_stream"]: r
        for r in csv_rows(admin_client.get(reverse("dashboards:wave_responses_csv", args=[dash_wave.slug])))
    }
    assert (rows["Tiny"]["biz_responses"], rows["Tiny"]["it_responses"]) == ("6", "2")
    assert rows["Beta"]["response_rate_percent"] == "50"
    assert (rows["Beta"]["biz_response_rate_percent"], rows["Beta"]["it_response_rate_percent"]) == ("50", "50")
    assert rows["Alpha"]["biz_head_count"] == rows["Alpha"]["response_rate_percent"] == ""


def test_trends_compare_waves_on_the_same_instrument(admin_client, instrument, dash_wave):
    later = import_wave(
        instrument,
        [row("Beta", "biz", dh=(5, 5)) for _ in range(6)] + [row("Beta", "it") for _ in range(6)],
        slug="later",
    )
    Wave.objects.filter(pk=later.pk).update(opens_at=dash_wave.opens_at.replace(year=dash_wave.opens_at.year + 1))
    rows = csv_rows(admin_client.get(reverse("dashboards:trends_csv", args=[dash_wave.organization_id])))
    beta_dh = next(r for r in rows if r["value_stream"] == "Beta" and r["theme"] == "Digital Harmony")
    first = next(r for r in newest_report(dash_wave).rows("theme", "Beta") if r.code == "DH")
    second = next(r for r in newest_report(later).rows("theme", "Beta") if r.code == "DH")
    assert float(beta_dh["dash-wave"]) == pytest.approx(first.gap, abs=1e-4)
    assert float(beta_dh["later"]) == pytest.approx(second.gap, abs=1e-4)
    tiny_dh = next(r for r in rows if r["value_stream"] == "Tiny" and r["theme"] == "Digital Harmony")
    assert tiny_dh["dash-wave"] == tiny_dh["later"] == ""  # hidden, then absent


def test_trends_of_a_single_wave_say_a_trend_needs_another(admin_client, dash_wave):
    html = admin_client.get(reverse("dashboards:trends", args=[dash_wave.organization_id])).content.decode()
    assert "There is one wave so far" in html


def test_csv_cells_typed_by_users_cannot_run_as_spreadsheet_formulas(admin_client, instrument):
    wave = import_wave(instrument, [row("=HYPERLINK(1)", side) for side in ("biz", "it") for _ in range(5)])
    rows = csv_rows(admin_client.get(reverse("dashboards:heatmap_csv", args=[wave.slug])))
    assert {r["value_stream"] for r in rows} == {"'=HYPERLINK(1)"}
    assert all(not r["gap"].startswith("'") for r in rows)  # numbers stay numbers, even negative ones


# --- empty states ----------------------------------------------------------------------------


def test_pages_of_a_wave_without_responses(admin_client, wave):
    for url in [
        reverse("dashboards:organization", args=[wave.slug]),
        reverse("dashboards:value_stream", args=[wave.slug, wave.value_streams.first().pk]),
        reverse("dashboards:items", args=[wave.slug]),
    ]:
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert "This wave has no results yet." in page.content.decode()
        assert "Results are released when the wave closes." in page.content.decode()
        assert not figures_on(page)
    assert admin_client.get(reverse("dashboards:pooled_gaps_csv", args=[wave.slug])).status_code == 404
    overview = admin_client.get(reverse("dashboards:wave", args=[wave.slug])).content.decode()
    assert "No responses yet" in overview


def test_value_stream_with_only_one_side(admin_client, instrument):
    wave = import_wave(instrument, [row("Solo", "biz") for _ in range(6)] + [row("Other", "it") for _ in range(6)])
    page = admin_client.get(reverse("dashboards:value_stream", args=[wave.slug, stream("Solo").pk]))
    assert [trace["name"] for trace in figures_on(page)["radar"]["data"]] == ["Biz"]
    assert "no comparison" in page.content.decode()


def test_a_value_stream_of_another_wave_is_not_found(admin_client, dash_wave, organization):
    foreign = ValueStream.objects.create(organization=organization, name="Elsewhere")
    assert admin_client.get(reverse("dashboards:value_stream", args=[dash_wave.slug, foreign.pk])).status_code == 404
    items = reverse("dashboards:items", args=[dash_wave.slug])
    assert admin_client.get(items + f"?value_stream={foreign.pk}").status_code == 404
    assert admin_client.get(items + "?value_stream=abc").status_code == 400


# --- access and cost -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        "overview",
        "responses csv",
        "organization",
        "organization dimensions",
        "pooled gaps csv",
        "heatmap csv",
        "reliability csv",
        "tiny stream",
        "tiny gaps csv",
        "items",
        "items csv",
        "trends",
        "trends csv",
        "report",
        "report pdf",
        "Tiny radiator",
    ],
)
def test_query_count_does_not_grow_with_the_responses(admin_client, instrument, django_assert_max_num_queries, page):
    """The same page costs the same queries for 32 responses and for 10 times as many."""
    small = import_wave(instrument, wave_rows(), slug="small", organization="Small Bank")
    large = import_wave(instrument, wave_rows() * 10, slug="large", organization="Large Bank")
    counts = []
    for wave in (small, large):
        url = dict([*wave_pages(wave), *radiator_pages(wave, names=["Tiny"])])[page]
        cache.clear()
        with django_assert_max_num_queries(25) as captured:
            assert admin_client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_plotly_is_served_locally_and_no_page_loads_anything_from_elsewhere(admin_client, dash_wave):
    found = finders.find("plotly/plotly.min.js")
    assert found and Path(found).read_bytes().startswith(b"/**")  # the plotly package's bundle
    collected = [path for finder in finders.get_finders() for path, _ in finder.list([]) if path == "plotly.min.js"]
    assert collected == ["plotly.min.js"]  # collectstatic copies it too (under the "plotly" prefix)
    organization_page = admin_client.get(reverse("dashboards:organization", args=[dash_wave.slug])).content.decode()
    assert 'data-plotly="/static/plotly/plotly.min.js"' in organization_page  # charts.js fetches it
    for name, url in wave_pages(dash_wave):
        if name.endswith("pdf"):
            continue  # made on the server, with a fetcher that refuses other addresses (test_report.py)
        html = admin_client.get(url).content.decode()
        assert not re.search(r'(src|href)="(https?:)?//', html), name
