"""The assessment report end to end: scores, comparisons, suppression and the assess command."""

import json

import numpy as np
import pytest
from django.core.management import call_command

from assessments.report import build_report
from surveys.models import Answer, Response, Wave
from surveys.response_import import import_responses
from tests.conftest import gather_newest, newest_report

HEADER = "value_stream,side,PCT1,PCT2,PCT3,SPS1,SPS2,SPS3,SPS4,DH1,DH2"


def import_rows(instrument, rows, survey="pilot", threshold=5):
    text = "\n".join([HEADER, *rows]) + "\n"
    return import_responses(
        text, survey=survey, instrument=instrument, organization_name="Report Bank", threshold=threshold
    ).wave


def row(stream, side, pct=(3, 3, 3), sps=(3, 3, 3, 3), dh=(3, 3)):
    return ",".join([stream, side, *map(str, pct), *map(str, sps), *map(str, dh)])


def comparison(report, stream, code):
    return next(c for c in report.comparisons if c.value_stream == stream and c.code == code)


@pytest.fixture
def balanced_wave(instrument):
    """Two value streams, 6 Biz and 6 IT each; Biz agrees more on PCT1 in stream A."""
    rows = []
    for i in range(6):
        rows.append(row("A", "biz", pct=(5, 4, 2), dh=(2, 3)))
        rows.append(row("A", "it", pct=(2 + i % 2, 3, 3), dh=(4, 4)))
        rows.append(row("B", "biz", pct=(3, 3, 3)))
        rows.append(row("B", "it", pct=(3, 3 + i % 2, 3)))
    return import_rows(instrument, rows)


def test_reverse_coded_theme_score_and_gap(balanced_wave):
    report = newest_report(balanced_wave)
    pct = comparison(report, "A", "PCT")
    # Biz: PCT1=5, PCT2=4, PCT3=2 reverse-coded to 4 → 13/3. IT: (2 or 3) + 3 + 3 (reverse of 3).
    assert pct.biz.mean == pytest.approx(13 / 3)
    assert pct.it.mean == pytest.approx(np.mean([(2 + i % 2 + 3 + 3) / 3 for i in range(6)]))
    assert pct.gap == pytest.approx(pct.biz.mean - pct.it.mean)
    assert pct.biz.n == pct.it.n == 6
    assert pct.rank_biserial == pytest.approx(1.0)  # every Biz score above every IT score
    assert pct.magnitude == "large"


def test_dimension_and_pooled_rows_exist_for_every_measure(balanced_wave):
    report = newest_report(balanced_wave)
    keys = {(c.value_stream, c.level, c.code) for c in report.comparisons}
    for stream in ("A", "B", None):
        for code in ("PCT", "SPS", "DH"):
            assert (stream, "theme", code) in keys
        for code in ("SV", "EP"):
            assert (stream, "dimension", code) in keys
    pooled = comparison(report, None, "PCT")
    assert pooled.biz.n == 12 and pooled.it.n == 12


def test_holm_family_is_one_value_stream_at_one_level(balanced_wave):
    report = newest_report(balanced_wave)
    themes_a = report.rows("theme", "A")
    p = np.array([r.mwu_p for r in themes_a])
    order = np.argsort(p)
    expected = np.minimum(1, np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order]))
    assert [themes_a[i].mwu_p_holm for i in order] == pytest.approx(expected.tolist())


def test_cell_under_threshold_is_suppressed_with_its_comparison(instrument):
    k = 5
    rows = [row("A", "biz") for _ in range(6)] + [row("A", "it", dh=(5, 5)) for _ in range(k - 1)]
    rows += [row("B", "biz") for _ in range(6)] + [row("B", "it") for _ in range(7)]
    rows += [row("C", "biz") for _ in range(6)] + [row("C", "it", dh=(1, 2)) for _ in range(9)]
    wave = import_rows(instrument, rows, threshold=k)
    report = newest_report(wave)

    a = comparison(report, "A", "DH")
    assert a.suppressed and a.it is None and a.it_status == "suppressed"
    assert a.gap is None and a.mwu_p is None and a.mwu_p_holm is None
    # Against differencing with the pooled row: the smallest shown IT cell (B, 7) goes too.
    b = comparison(report, "B", "DH")
    assert b.it is None and b.suppressed
    c = comparison(report, "C", "DH")
    assert not c.suppressed and c.it.n == 9 and c.gap is not None
    assert comparison(report, None, "DH").it.n == 4 + 7 + 9

    text = json.dumps(report.as_dict())
    suppressed_mean = 5.0  # every IT answer in A is 5 on DH: appears nowhere
    assert all(r["it"] is None or r["it"]["mean"] != suppressed_mean for r in report.as_dict()["comparisons"])
    assert '"n": 4' not in text


def test_cell_at_threshold_is_shown(instrument):
    rows = [row("A", "biz") for _ in range(5)] + [row("A", "it") for _ in range(5)]
    report = newest_report(import_rows(instrument, rows, threshold=5))
    a = comparison(report, "A", "PCT")
    assert not a.suppressed and a.biz.n == a.it.n == 5


def test_empty_side_shows_zero_and_no_figures(instrument):
    report = newest_report(import_rows(instrument, [row("A", "biz") for _ in range(6)]))
    a = comparison(report, "A", "PCT")
    assert a.it.n == 0 and a.it.mean is None and a.gap is None and not a.suppressed


def test_reliability_withheld_under_threshold(instrument):
    report = newest_report(import_rows(instrument, [row("A", "biz") for _ in range(4)], threshold=5))
    assert all(r.suppressed and r.n is None and r.alpha is None for r in report.reliability)


def test_gather_uses_a_constant_number_of_queries(balanced_wave, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        data = gather_newest(balanced_wave)
    assert data.answers.shape == (24, 9)
    assert np.isnan(data.answers).sum() == 0


def test_gather_keeps_not_applicable_apart(instrument):
    text = "\n".join([HEADER, "A,biz,NA,,3,3,3,3,3,3,3"]) + "\n"
    wave = import_responses(text, survey="na", instrument=instrument, organization_name="X").wave
    data = gather_newest(wave)
    assert np.isnan(data.answers[0, 0]) and data.not_applicable[0, 0]
    assert np.isnan(data.answers[0, 1]) and not data.not_applicable[0, 1]


@pytest.mark.django_db
def test_assess_json_on_the_demo_wave_matches_an_independent_computation(capsys):
    call_command("seed_demo", responses=400)
    capsys.readouterr()
    call_command("assess", "demo-wave", "--json")
    report = json.loads(capsys.readouterr().out)

    assert report["survey"] == "demo-wave" and report["anonymity_threshold"] == 5
    assert len(report["reliability"]) == 6
    assert len(report["comparisons"]) == (5 + 1) * (6 + 3)
    first = report["comparisons"][0]
    for key in ("value_stream", "level", "code", "suppressed", "biz", "it", "gap", "mwu_u", "mwu_p",
                "mwu_p_holm", "rank_biserial", "welch_t", "welch_p", "hedges_g"):
        assert key in first
    for key in ("n", "mean", "sd", "median", "ci", "rwg"):
        assert key in first["biz"]

    # Independent: pooled Biz mean of the PCT theme score from the ORM, item by item.
    wave = Wave.objects.get(slug="demo-wave")
    scale_sum = wave.instrument.scale_min + wave.instrument.scale_max
    per_response = {}
    for response_id, value, reverse in Answer.objects.filter(
        response__wave=wave, response__side="biz", item__theme__code="PCT"
    ).values_list("response_id", "value", "item__reverse"):
        if value is not None:
            per_response.setdefault(response_id, []).append(scale_sum - value if reverse else value)
    scores = [np.mean(v) for v in per_response.values() if len(v) >= 2]
    pooled = next(c for c in report["comparisons"] if c["value_stream"] is None and c["code"] == "PCT")
    assert pooled["biz"]["n"] == len(scores)
    assert pooled["biz"]["mean"] == pytest.approx(np.mean(scores))
    assert Response.objects.filter(wave=wave, side="biz").count() >= pooled["biz"]["n"]


@pytest.mark.django_db
def test_assess_readable_table_marks_hidden_cells(instrument, capsys):
    rows = [row("A", "biz") for _ in range(6)] + [row("A", "it") for _ in range(2)]
    import_rows(instrument, rows)
    call_command("assess", "pilot")
    out = capsys.readouterr().out
    assert "hidden (<5)" in out and "Reliability" in out


def test_build_report_is_pure(balanced_wave, django_assert_num_queries):
    data = gather_newest(balanced_wave)
    with django_assert_num_queries(0):
        build_report(data)
