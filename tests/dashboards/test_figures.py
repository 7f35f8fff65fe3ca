"""Item counts and chart figures: pure functions over the report, checked without pages."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from assessments.items import ItemGroup, item_groups
from assessments.report import build_report
from dashboards import charts
from dashboards.templatetags.figures import interval, p_value, signed
from surveys.models import Answer
from tests.conftest import gather_newest

from .conftest import import_wave, row, wave_rows


def valid(figure):
    """plotly.py validates every property name and value: a typo fails here, not in a browser."""
    go.Figure(data=figure["data"], layout=figure["layout"])
    return figure


def test_item_counts_match_the_stored_answers(instrument):
    rows = wave_rows() + ["Beta,biz,NA,5,1,3,3,3,3,NA,2"]
    wave = import_wave(instrument, rows)
    groups = item_groups(gather_newest(wave))
    beta_biz_pct1 = next(g for g in groups if (g.item, g.side, g.value_stream) == ("PCT1", "biz", "Beta"))
    values = list(
        Answer.objects.filter(
            response__wave=wave, response__value_stream__name="Beta", response__side="biz", item__code="PCT1"
        ).values_list("value", flat=True)
    )
    assert beta_biz_pct1.status == "shown"
    assert beta_biz_pct1.counts == [values.count(point) for point in range(1, 6)]
    assert beta_biz_pct1.not_applicable == values.count(None) == 1
    pooled = next(g for g in groups if (g.item, g.side, g.value_stream) == ("PCT1", "biz", None))
    assert sum(pooled.counts) + pooled.not_applicable == wave.responses.filter(side="biz").count()


def test_item_groups_hide_the_groups_the_report_hides(instrument):
    data = gather_newest(import_wave(instrument, wave_rows()))
    groups = item_groups(data)
    it_dh1 = {g.value_stream: g for g in groups if g.item == "DH1" and g.side == "it"}
    report = build_report(data)
    dh = {row.value_stream: row.it_status for row in report.rows("theme") + report.rows("theme", "Alpha")}
    assert {name: it_dh1[name].status for name in ("Alpha", "Beta", "Tiny")} == {
        "Alpha": "suppressed",
        "Beta": "shown",
        "Tiny": "suppressed",
    }
    assert dh["Alpha"] == "suppressed"
    assert it_dh1["Tiny"].counts is None and it_dh1["Tiny"].not_applicable is None
    assert it_dh1["Alpha"].counts is None  # hidden to stop differencing
    assert it_dh1[None].status == "shown" and sum(it_dh1[None].counts) == 15


def test_radar_draws_shown_sides_only_and_closes_the_polygon(instrument):
    report = build_report(gather_newest(import_wave(instrument, wave_rows())))
    figure = valid(charts.radar(report.rows("theme", "Tiny"), 1, 5, "tiny"))
    assert [trace["name"] for trace in figure["data"]] == ["Biz"]
    biz = figure["data"][0]
    assert biz["r"][0] == biz["r"][-1] and len(biz["r"]) == 4
    assert figure["config"]["toImageButtonOptions"]["filename"] == "tiny"


def test_heatmap_is_centred_on_zero_with_a_symmetric_range(instrument):
    report = build_report(gather_newest(import_wave(instrument, wave_rows())))
    trace = valid(charts.gap_heatmap(report, "heat"))["data"][0]
    gaps = [gap for z_row in trace["z"] for gap in z_row if gap is not None]
    assert trace["zmid"] == 0 and trace["zmax"] == -trace["zmin"] == pytest.approx(max(abs(g) for g in gaps))


def test_likert_bars_split_the_neutral_answers_across_zero():
    groups = {
        ("Q1", "biz"): ItemGroup(None, "Q1", "biz", "shown", counts=[1, 1, 2, 0, 0], not_applicable=1),
        ("Q1", "it"): ItemGroup(None, "Q1", "it", "suppressed"),
    }
    labels = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
    figure = valid(charts.likert_bars([("Q1", "text")], groups, 1, labels, "q1"))
    bars = [trace for trace in figure["data"] if trace.get("xaxis") != "x2"]
    neutral = [trace["x"][0] for trace in bars if trace["name"] == "3 Neutral"]
    assert sorted(neutral) == [-25.0, 25.0]  # half of 50% on each side
    disagree = sum(trace["x"][0] for trace in bars if trace["x"][0] is not None and trace["x"][0] < 0)
    assert disagree == pytest.approx(-75.0)  # 25% + 25% + half of the neutral 50%
    assert all(trace["x"][1] is None for trace in bars)  # the hidden IT row has no bar
    not_applicable = next(trace for trace in figure["data"] if trace.get("xaxis") == "x2")
    assert not_applicable["x"] == [20.0, None]  # 1 of 5 who answered the item
    assert [note["text"] for note in figure["layout"]["annotations"]] == ["hidden to protect anonymity"]
    # the legend lists the scale in order, the neutral point once
    legend = sorted((trace["legendrank"], trace["name"]) for trace in bars if trace["showlegend"])
    assert [name for _, name in legend] == [f"{i + 1} {label}" for i, label in enumerate(labels)]


def test_gap_trend_keeps_a_hidden_wave_as_a_gap_in_the_line():
    figure = valid(charts.gap_trend(["Spring", "Autumn", "Winter"], [("Digital Harmony", [-0.7, None, -0.2])], "t"))
    assert figure["data"][0]["y"] == [-0.7, None, -0.2] and figure["data"][0]["connectgaps"] is False


@pytest.mark.parametrize(
    ("value", "text"), [(0.0004, "<\u00a0.001"), (0.0123, ".012"), (0.5, ".500"), (1.0, "1.000"), (None, "—")]
)
def test_p_values_read_the_apa_way(value, text):
    assert p_value(value) == text


def test_gaps_and_intervals_read_with_sign_and_brackets():
    assert signed(0.456) == "+0.46" and signed(-0.4) == "-0.40" and signed(None) == "—"
    assert interval([3.1, 3.559]) == "[3.10,\u00a03.56]" and interval([None, None]) == "—"


def test_figures_are_json_ready_numbers_only(instrument):
    """NaN would break JSON.parse in the browser; the report gives None instead."""
    report = build_report(gather_newest(import_wave(instrument, wave_rows() + [row("Beta", "biz")])))
    for stream in [None, *report.value_streams]:
        text = json.dumps(charts.radar(report.rows("theme", stream), 1, 5, "x"), allow_nan=False)
        assert "NaN" not in text
    assert np.isfinite([g for r in report.rows("theme", None) for g in [r.gap] if g is not None]).all()


def test_heatmap_cells_carry_their_gap_and_a_star_when_significant(instrument):
    """Colour is never the only carrier: each cell's text is its signed gap, * for Holm p < .05, or "hidden"."""
    report = build_report(gather_newest(import_wave(instrument, wave_rows())))
    trace = valid(charts.gap_heatmap(report, "heat"))["data"][0]
    rows = {
        (row.value_stream, row.code): row for row in report.comparisons if row.level == "theme" and row.value_stream
    }
    streams, themes = trace["y"], [theme["code"] for theme in report.themes]
    labels = {(stream, code): trace["text"][i][j] for i, stream in enumerate(streams) for j, code in enumerate(themes)}
    assert labels.keys() == rows.keys()
    for key, label in labels.items():
        row = rows[key]
        if row.suppressed:
            assert label == "hidden" and trace["z"][streams.index(key[0])][themes.index(key[1])] is None
        elif row.gap is not None:
            assert label.rstrip("*") == f"{row.gap:+.2f}"
            assert label.endswith("*") == (row.mwu_p_holm < 0.05)
    assert any(label == "hidden" for label in labels.values())
    assert any(label.endswith("*") for label in labels.values())  # the test data has significant gaps


@pytest.mark.parametrize(
    ("label", "lines"),
    [
        ("Structured Priority Staging", ["Structured", "Priority Staging"]),
        ("Construction collective du consensus", ["Construction", "collective", "du consensus"]),
        ("Funktionsweise des Unternehmens offenlegen", ["Funktionsweise des", "Unternehmens", "offenlegen"]),
        ("Digital Harmony", ["Digital", "Harmony"]),
    ],
)
def test_long_axis_labels_are_broken_until_they_fit_beside_a_small_radar(label, lines):
    assert charts.wrap(label).split("<br>") == lines
