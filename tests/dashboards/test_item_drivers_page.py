"""The item drivers on the items page and in the item CSV: the figures of assessments.drivers, sorted, hidden
where the report hides a side."""

import re

import pytest
from django.urls import reverse

from assessments.drivers import item_drivers
from assessments.items import ItemGroup
from dashboards import charts
from tests.conftest import gather_newest

from .test_pages import csv_rows, figures_on, stream


def items_url(wave, name=None, csv=False):
    url = reverse("dashboards:items_csv" if csv else "dashboards:items", args=[wave.slug])
    return url if name is None else url + f"?value_stream={stream(name).pk}"


def driver_tables(html):
    """The statements' codes of each drivers table on the page, in the order shown, by table id."""
    tables = re.findall(r'<table[^>]*item-drivers" id="([^"]+)">(.*?)</table>', html, re.S)
    return {table_id: re.findall(r'secondary small text-nowrap">(\w+)', body) for table_id, body in tables}


def test_items_page_shows_each_themes_drivers_largest_gap_first(admin_client, dash_wave):
    drivers = {d.item: d for d in item_drivers(gather_newest(dash_wave)) if d.value_stream == "Beta"}
    html = admin_client.get(items_url(dash_wave, "Beta")).content.decode()
    tables = driver_tables(html)
    assert set(tables) == {"likert-PCT-drivers", "likert-SPS-drivers", "likert-DH-drivers"}
    for codes in tables.values():
        gaps = [abs(drivers[code].gap) for code in codes]
        assert gaps == sorted(gaps, reverse=True) and len(codes) == len({c for c in codes})
    assert sorted(tables["likert-PCT-drivers"]) == ["PCT1", "PCT2", "PCT3"]
    # Rows are named by the statement, with its code; the reverse-worded one is marked.
    assert "We work in stable product teams." in html
    assert re.search(r"IT is left out of idea generation\. <span[^>]*>PCT3 ↺", html)
    pct1 = drivers["PCT1"]
    assert f"{pct1.gap:+.2f}" in html and "Which statements drive the gap in Product-Centric Thinking, in Beta" in html


def test_likert_axis_titles_are_given_as_plotly_3_draws_them(admin_client, dash_wave):
    """plotly.js 3 draws an axis title only from {"text": …}; a plain string leaves the axis unnamed."""
    layout = figures_on(admin_client.get(items_url(dash_wave)))["likert-PCT"]["layout"]
    assert layout["xaxis"]["title"] == {"text": "share"}
    assert layout["xaxis2"]["title"] == {"text": "n/a"}


def test_likert_rows_are_named_by_their_statement(admin_client, dash_wave):
    figure = figures_on(admin_client.get(items_url(dash_wave)))["likert-PCT"]
    statements, sides = figure["data"][0]["y"]
    assert sides == ["Biz", "IT"] * 3
    assert statements[0] == statements[1] == "<b>PCT1</b> We work in stable product teams."
    # A long wording is wrapped onto short lines, never cut: every word of it is there.
    long = "When the business and IT disagree about a priority, we settle it together in the same week."
    figure = charts.likert_bars(
        [("Q1", long)],
        {("Q1", side): ItemGroup(None, "Q1", side, "empty", [0] * 5, 0) for side in ("biz", "it")},
        1,
        list("abcde"),
        "q",
    )
    label = figure["data"][0]["y"][0][0]
    assert label.replace("<br>", " ") == f"<b>Q1</b> {long}"
    assert all(len(line) <= charts.STATEMENT_WIDTH + 4 for line in label.removeprefix("<b>Q1</b> ").split("<br>"))


def test_a_hidden_side_has_no_driver_figures_on_the_page_or_in_the_csv(admin_client, dash_wave):
    html = admin_client.get(items_url(dash_wave, "Tiny")).content.decode()
    tables = re.findall(r'<table[^>]*item-drivers".*?</table>', html, re.S)
    assert len(tables) == 3
    for table in tables:
        rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
        assert rows and all(
            "hidden to protect anonymity" in r and "no comparison (a side is hidden)" in r for r in rows
        )
    for line in csv_rows(admin_client.get(items_url(dash_wave, "Tiny", csv=True))):
        assert line["gap"] == line["mwu_p"] == line["mwu_p_holm"] == line["rank_biserial"] == ""
        if line["side"] == "it":
            assert line["n_answered"] == line["mean_reverse_coded"] == ""
        else:
            assert line["n_answered"] == "6" and line["mean_reverse_coded"]


@pytest.mark.parametrize("name", [None, "Beta"])
def test_item_csv_carries_the_drivers(admin_client, dash_wave, name):
    drivers = {d.item: d for d in item_drivers(gather_newest(dash_wave)) if d.value_stream == name}
    lines = csv_rows(admin_client.get(items_url(dash_wave, name, csv=True)))
    assert len(lines) == 2 * len(drivers)
    for line in lines:
        driver = drivers[line["item"]]
        side = line["side"]
        assert int(line["n_answered"]) == getattr(driver, f"{side}_n")
        assert float(line["mean_reverse_coded"]) == pytest.approx(getattr(driver, f"{side}_mean"), abs=1e-4)
        for column in ("gap", "mwu_p", "mwu_p_holm", "rank_biserial"):
            assert float(line[column]) == pytest.approx(getattr(driver, column), abs=1e-4), column


def test_the_report_to_share_carries_the_drivers_of_its_scope(admin_client, dash_wave):
    report_url = reverse("dashboards:stream_report", args=[dash_wave.slug, stream("Beta").pk])
    tables = driver_tables(admin_client.get(report_url).content.decode())
    assert set(tables) == {"drivers-PCT-drivers", "drivers-SPS-drivers", "drivers-DH-drivers"}
    items_page = driver_tables(admin_client.get(items_url(dash_wave, "Beta")).content.decode())
    assert tables["drivers-PCT-drivers"] == items_page["likert-PCT-drivers"]  # the same rows, in the same order
    tiny = admin_client.get(reverse("dashboards:stream_report", args=[dash_wave.slug, stream("Tiny").pk]))
    assert "no comparison (a side is hidden)" in tiny.content.decode()
