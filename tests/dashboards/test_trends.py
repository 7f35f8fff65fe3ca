"""The trends page: which waves it draws, labels that always fit, and the change tests between waves."""

import csv
import io
import json
import re

import plotly.graph_objects as go
import pytest
from django.urls import reverse

from dashboards import charts
from dashboards.changes import wave_changes
from dashboards.templatetags.figures import signed
from surveys.models import Wave
from surveys.releases import newest_release
from tests.conftest import make_wave, unanswered_response
from tests.dashboards.conftest import import_previous_wave, import_wave, row, wave_rows

LONG_TITLE = "Quarterly business and IT alignment pulse survey of the whole bank, second half"


def before_rows():
    """Beta's IT side saw digital harmony much worse (DH 1–2) in the previous wave."""
    rows = [line for line in wave_rows(small_it=6) if not line.startswith("Beta,it")]
    return rows + [row("Beta", "it", pct=(3, 4, 3), dh=(1, 1 + i % 2)) for i in range(7)]


@pytest.fixture
def before(dash_wave, instrument):
    return import_previous_wave(instrument, before_rows())


def trends_page(client, wave):
    return client.get(reverse("dashboards:trends", args=[wave.organization_id])).content.decode()


def figures_on(html):
    blocks = re.findall(r'<script id="([^"]+)" type="application/json">(.*?)</script>', html, re.S)
    return {block_id: json.loads(text) for block_id, text in blocks}


def section_of(html, heading):
    """The <section> of the chart whose heading is `heading`."""
    for section in re.findall(r"<section.*?</section>", html, re.S):
        if re.search(rf"<h2[^>]*>{re.escape(heading)}</h2>", section):
            return section
    raise AssertionError(f"no section {heading}")


def chart_in(html, heading):
    section = section_of(html, heading)
    chart_id = re.search(r'<script id="([^"]+)" type="application/json">', section).group(1)
    return figures_on(html)[chart_id]


def test_wave_labels_wrap_and_the_axes_make_room_for_them():
    labels = [f"{LONG_TITLE} (2026-0{month}-01)" for month in (3, 9)] + ["Q1 (2027-01-04)"]
    figure = charts.gap_trend(labels, [("Digital Harmony", [0.4, -0.1, 0.2])], "t")
    go.Figure(data=figure["data"], layout=figure["layout"])  # a valid plotly figure
    layout = figure["layout"]
    assert layout["xaxis"]["automargin"] is True and layout["yaxis"]["automargin"] is True
    assert "range" not in layout["xaxis"] and "tickangle" not in layout["xaxis"]  # plotly may turn them to fit
    axis_labels = figure["data"][0]["x"]
    for label in axis_labels[:2]:
        lines = label.split("<br>")
        assert len(lines) > 2 and all(len(line) <= charts.TREND_LABEL_WIDTH for line in lines)
        assert " ".join(lines) == labels[axis_labels.index(label)]  # nothing lost but the spaces broken
    assert axis_labels[2] == "Q1 (2027-01-04)"
    assert layout["yaxis"]["title"] == {"text": "Gap (Biz − IT)"}
    # The legend is above the plot, out of the way of the labels below it.
    assert layout["legend"]["yanchor"] == "bottom" and layout["legend"]["y"] > 1


def test_waves_without_released_figures_are_left_out(admin_client, dash_wave, before, instrument, value_streams):
    # An open wave with responses but no release, and a released wave in which everything is hidden.
    waiting = make_wave(dash_wave.organization, instrument, [], slug="waiting", title="Waiting wave")
    unanswered_response(waiting, before.value_streams.first())
    all_hidden = import_wave(instrument, [row("Beta", "biz"), row("Beta", "it")] * 2, slug="all-hidden")
    Wave.objects.filter(pk=all_hidden.pk).update(title="All hidden", opens_at=dash_wave.opens_at.replace(year=2099))
    assert newest_release(all_hidden) is not None

    html = trends_page(admin_client, dash_wave)
    labels = chart_in(html, "All value streams")["data"][0]["x"]
    assert [label.split("<br>")[0].split(" (")[0] for label in labels] == ["Spring survey", dash_wave.title]
    assert "Waiting wave" not in html and "All hidden" not in html
    header = next(
        csv.reader(
            io.StringIO(
                admin_client.get(reverse("dashboards:trends_csv", args=[dash_wave.organization_id])).content.decode()
            )
        )
    )
    assert "all-hidden" not in " ".join(header) and "waiting" not in " ".join(header)


def test_a_wave_that_shows_no_gap_of_a_value_stream_is_left_out_of_its_chart(admin_client, dash_wave, before):
    # Tiny's IT side is hidden in the current wave, so Tiny shows no gap there: its chart has one wave.
    html = trends_page(admin_client, dash_wave)
    tiny = chart_in(html, "Tiny")
    assert all(len(trace["x"]) == 1 and trace["x"][0].startswith("Spring") for trace in tiny["data"])
    assert all(len(trace["x"]) == 2 for trace in chart_in(html, "Beta")["data"])


def test_a_significant_change_of_a_gap_is_marked_and_the_last_change_shown(admin_client, dash_wave, before):
    changes = wave_changes(dash_wave, newest_release(dash_wave))
    beta_dh = changes.gap_change("Beta", "DH")
    assert beta_dh.significant  # Beta IT's digital harmony rose by three points
    html = trends_page(admin_client, dash_wave)
    trace = next(t for t in chart_in(html, "Beta")["data"] if t["name"] == "Digital Harmony")
    assert trace["marker"]["symbol"] == ["circle", "diamond"]
    assert trace["customdata"][0] == "" and signed(beta_dh.difference) in trace["customdata"][1]
    not_significant = [
        t for t in chart_in(html, "Beta")["data"] if not changes.gap_change("Beta", _code(t)).significant
    ]
    assert all(t["marker"]["symbol"] == ["circle", "circle"] for t in not_significant)

    section = section_of(html, "Beta")
    assert f"Change of the gap from Spring survey to {dash_wave.title}" in section
    last = re.search(r"<caption>Change of the gap.*?</table>", section, re.S).group(0)
    dh_row = re.search(r'<th scope="row">Digital Harmony</th>(.*?)</tr>', last, re.S).group(1)
    assert signed(beta_dh.difference) in dh_row and "*" in dh_row
    # Tiny's gap is hidden now: its last change says why, without a number.
    tiny = section_of(html, "Tiny")
    assert "hidden in this wave" not in tiny  # Tiny's chart ends with the previous wave: no change into it


def _code(trace):
    return {"Product-Centric Thinking": "PCT", "Structured Priority Staging": "SPS", "Digital Harmony": "DH"}[
        trace["name"]
    ]


def test_the_trends_csv_carries_each_change_and_its_holm_p(admin_client, dash_wave, before):
    changes = wave_changes(dash_wave, newest_release(dash_wave))
    response = admin_client.get(reverse("dashboards:trends_csv", args=[dash_wave.organization_id]))
    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    beta = next(line for line in lines if line["value_stream"] == "Beta" and line["theme"] == "Digital Harmony")
    row = changes.gap_change("Beta", "DH")
    assert float(beta[f"gap_change_{dash_wave.slug}"]) == pytest.approx(row.difference, abs=1e-4)
    assert float(beta[f"gap_change_p_holm_{dash_wave.slug}"]) == pytest.approx(row.p_holm, abs=1e-4)
    tiny = next(line for line in lines if line["value_stream"] == "Tiny" and line["theme"] == "Digital Harmony")
    assert tiny[f"gap_change_{dash_wave.slug}"] == tiny[f"gap_change_p_holm_{dash_wave.slug}"] == ""
    assert f"gap_change_{before.slug}" not in beta  # the first wave has no change
