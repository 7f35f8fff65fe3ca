"""Item drivers (assessments.drivers) against scipy's Mann–Whitney test and statsmodels' Holm, cell by cell,
and against the report's one anonymity decision."""

import warnings

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from assessments.anonymity import EMPTY, SHOWN, SUPPRESSED
from assessments.drivers import by_gap, item_drivers
from assessments.items import item_groups
from assessments.report import build_report
from tests.assessments.random_waves import random_wave
from tests.conftest import gather_newest
from tests.dashboards.conftest import import_wave, wave_rows


@pytest.fixture
def dash_wave(instrument):
    """The dashboards' wave: Tiny IT has 2 people (k = 5), and Alpha IT is hidden against differencing."""
    return import_wave(instrument, wave_rows())


@pytest.mark.parametrize(("seed", "n_responses", "n_streams"), [(1, 60, 4), (4, 30, 6), (2, 400, 5), (3, 3000, 3)])
def test_every_driver_is_scipys_mann_whitney_on_the_cells_reverse_coded_answers(seed, n_responses, n_streams):
    data = random_wave(seed, n_responses, n_streams)
    drivers = item_drivers(data)
    assert len(drivers) == len(data.item_codes) * (n_streams + 1)
    compared = 0
    for driver in drivers:
        i = data.item_codes.index(driver.item)
        answers = data.answers[:, i]
        if data.item_reverse[i]:
            answers = 6 - answers
        in_stream = (
            np.ones(len(answers), dtype=bool)
            if driver.value_stream is None
            else data.response_value_stream == data.value_stream_names.index(driver.value_stream)
        )
        biz = answers[in_stream & data.response_is_biz & ~np.isnan(answers)]
        it = answers[in_stream & ~data.response_is_biz & ~np.isnan(answers)]
        for side, values in (("biz", biz), ("it", it)):
            if getattr(driver, f"{side}_status") == SUPPRESSED:
                assert getattr(driver, f"{side}_n") is None and getattr(driver, f"{side}_mean") is None
                continue
            assert getattr(driver, f"{side}_n") == len(values)
            if len(values):
                assert getattr(driver, f"{side}_mean") == pytest.approx(values.mean(), rel=1e-12)
        if driver.biz_status == driver.it_status == SHOWN and len(biz) and len(it):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = sps.mannwhitneyu(biz, it)
            assert (driver.mwu_u, driver.mwu_p) == (float(expected.statistic), float(expected.pvalue))
            assert driver.gap == pytest.approx(biz.mean() - it.mean(), rel=1e-12, abs=1e-12)
            assert driver.rank_biserial == pytest.approx(2 * expected.statistic / (len(biz) * len(it)) - 1)
            compared += 1
        else:
            assert driver.gap is driver.mwu_p is driver.mwu_p_holm is driver.rank_biserial is None
    assert compared > len(data.item_codes)  # the pooled rows at least, and some value streams


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_holm_runs_within_each_theme_of_each_value_stream(seed):
    data = random_wave(seed, 400, 4)
    drivers = item_drivers(data)
    families = {}
    for driver in drivers:
        if driver.mwu_p is not None:
            families.setdefault((driver.value_stream, driver.theme), []).append(driver)
        else:
            assert driver.mwu_p_holm is None
    assert {theme for _, theme in families} == {"A", "B", "C"}
    for family in families.values():
        expected = multipletests([d.mwu_p for d in family], method="holm")[1]
        assert [d.mwu_p_holm for d in family] == pytest.approx(expected)


def test_hidden_sides_are_the_reports_and_the_item_charts(dash_wave):
    """Tiny IT (2 people) and Alpha IT (hidden against differencing): statuses, no figures, no comparison."""
    data = gather_newest(dash_wave)
    drivers = item_drivers(data)
    charts = {(g.item, g.side, g.value_stream): g.status for g in item_groups(data)}
    for driver in drivers:
        assert driver.biz_status == charts[(driver.item, "biz", driver.value_stream)]
        assert driver.it_status == charts[(driver.item, "it", driver.value_stream)]
    hidden = [d for d in drivers if d.value_stream in ("Tiny", "Alpha")]
    assert hidden and all(d.it_status == SUPPRESSED and d.suppressed for d in hidden)
    assert all(d.it_n is None and d.it_mean is None and not d.has_figures for d in hidden)
    assert all(d.biz_n == 6 for d in hidden)  # the shown side keeps its figures
    beta = [d for d in drivers if d.value_stream == "Beta"]
    assert all(d.has_figures and d.mwu_p_holm is not None for d in beta)


def test_a_hidden_groups_answers_change_no_driver(dash_wave):
    """Tiny IT's answers are changed wholesale: every value stream's and the pooled drivers that do
    not hold them stay the same (the pooled IT rows hold them, as the report's pooled rows do)."""
    data = gather_newest(dash_wave)
    before = item_drivers(data)
    tiny_it = (data.response_value_stream == data.value_stream_names.index("Tiny")) & ~data.response_is_biz
    data.answers[tiny_it] = 6 - data.answers[tiny_it]
    after = item_drivers(data)
    for old, new in zip(before, after, strict=True):
        if old.value_stream is not None:
            assert old == new


def test_a_reverse_worded_items_gap_points_the_way_of_its_theme(instrument):
    """PCT3 ("IT is left out of idea generation") is reverse-worded: Biz disagreeing with it is Biz higher."""
    from surveys.response_import import import_responses

    header = "value_stream,side,PCT1,PCT2,PCT3,SPS1,SPS2,SPS3,SPS4,DH1,DH2"
    rows = [f"A,biz,5,5,{1 + i % 2},3,3,3,3,3,3" for i in range(6)] + [
        f"A,it,2,2,{4 + i % 2},3,3,3,3,3,3" for i in range(6)
    ]
    wave = import_responses(
        "\n".join([header, *rows]) + "\n", survey="rev", instrument=instrument, organization_name="Rev", threshold=5
    ).wave
    data = gather_newest(wave)
    drivers = {d.item: d for d in item_drivers(data) if d.value_stream == "A"}
    theme = next(r for r in build_report(data).rows("theme", "A") if r.code == "PCT")
    assert drivers["PCT3"].reverse and drivers["PCT3"].gap == pytest.approx(3.0)
    assert theme.gap > 0 and drivers["PCT1"].gap > 0
    assert drivers["PCT3"].biz_mean == pytest.approx(4.5)  # 6 − 1.5: reverse-coded


def test_not_applicable_is_left_out_and_an_all_not_applicable_side_has_no_comparison():
    data = random_wave(7, 200, 1, threshold=1)
    data.answers[:, 8] = np.nan
    data.not_applicable[:, 8] = data.response_is_biz  # every Biz answer "not applicable", IT none at all
    data.not_applicable[:, 7] = False
    driver = next(d for d in item_drivers(data) if d.item == "I8" and d.value_stream is None)
    assert (driver.biz_status, driver.biz_n, driver.biz_mean) == (SHOWN, 0, None)
    assert (driver.it_status, driver.it_n) == (EMPTY, 0)
    assert not driver.has_figures
    other = next(d for d in item_drivers(data) if d.item == "I7" and d.value_stream is None)
    answered = ~np.isnan(data.answers[:, 7])
    assert other.biz_n + other.it_n == answered.sum()


def test_by_gap_puts_the_largest_gap_first_and_rows_without_a_comparison_last(dash_wave):
    drivers = [d for d in item_drivers(gather_newest(dash_wave)) if d.value_stream == "Alpha"]
    drivers += [d for d in item_drivers(gather_newest(dash_wave)) if d.value_stream is None]
    ordered = by_gap(drivers)
    gaps = [abs(d.gap) for d in ordered if d.has_figures]
    assert gaps == sorted(gaps, reverse=True)
    assert [d.has_figures for d in ordered] == sorted((d.has_figures for d in ordered), reverse=True)
    assert [d.item for d in ordered if not d.has_figures] == [d.item for d in drivers if not d.has_figures]
