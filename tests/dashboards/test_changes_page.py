"""The change since the previous wave on the value stream and organization pages, and its CSV."""

import csv
import html
import io
import re

import pytest
from django.urls import reverse

from dashboards.changes import wave_changes
from dashboards.templatetags.figures import p_value, signed
from surveys.models import ValueStream
from surveys.releases import newest_release
from tests.dashboards.conftest import import_previous_wave, row, wave_rows

KINDS = ("biz", "it", "gap")


def stream(name):
    return ValueStream.objects.get(organization__name="Dashboard Bank", name=name)


def before_rows():
    """The previous wave: Beta's IT side saw digital harmony much worse (DH 1–2), Tiny IT had 6 (shown)."""
    rows = [line for line in wave_rows(small_it=6) if not line.startswith("Beta,it")]
    rows += [row("Beta", "it", pct=(3, 4, 3), dh=(1, 1 + i % 2)) for i in range(7)]
    return rows


@pytest.fixture
def before(dash_wave, instrument):
    return import_previous_wave(instrument, before_rows())


def stream_page(client, wave, name):
    return client.get(reverse("dashboards:value_stream", args=[wave.slug, stream(name).pk])).content.decode()


def change_section(html):
    return re.search(r'<section[^>]*id="changes".*?</section>', html, re.S).group(0)


def cells_of(section, theme_code):
    """The text of each cell of a theme's row in the change table."""
    line = re.search(rf'<tr>\s*<th scope="row">[^<]*<span[^>]*>{theme_code}</span>.*?</tr>', section, re.S).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", line, re.S)
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell))).strip() for cell in cells]


def test_the_value_stream_page_shows_each_themes_change_with_holm_p(admin_client, dash_wave, before):
    changes = wave_changes(dash_wave, newest_release(dash_wave))
    section = change_section(stream_page(admin_client, dash_wave, "Beta"))
    assert "Change since Spring survey" in section
    biz, it, gap = (next(r for r in changes.for_stream("Beta") if r.code == "DH" and r.kind == k) for k in KINDS)
    cells = cells_of(section, "DH")
    assert cells[0].startswith(signed(biz.difference)) and cells[2].startswith(signed(it.difference))
    assert cells[4] == f"{signed(gap.difference)} {signed(gap.previous)} → {signed(gap.current)}"
    # Beta IT's digital harmony rose by about three points: significant after Holm, marked.
    assert it.difference > 2.5 and it.significant
    assert cells[3].replace("\xa0", " ").startswith(p_value(it.p_holm).replace("\xa0", " ") + " *")
    assert cells[5].replace("\xa0", " ").startswith(p_value(gap.p_holm).replace("\xa0", " ") + " *")
    assert "large" in cells[3]  # the size of the side's change


def test_a_row_whose_group_is_hidden_in_one_wave_says_which_and_shows_no_number(admin_client, dash_wave, before):
    # Tiny IT: 6 people before (shown), 2 now (hidden); Alpha IT is hidden now to stop differencing.
    section = change_section(stream_page(admin_client, dash_wave, "Tiny"))
    for code in ("PCT", "SPS", "DH"):
        cells = cells_of(section, code)
        assert cells[2:] == ["hidden in this wave", "hidden in this wave"], cells
        assert re.match(r"^[+-]\d", cells[0])  # Tiny Biz is shown in both waves
    alpha = change_section(stream_page(admin_client, dash_wave, "Alpha"))
    assert cells_of(alpha, "DH")[2:] == ["hidden in this wave", "hidden in this wave"]


def test_without_a_previous_wave_the_page_says_there_is_nothing_to_compare(admin_client, dash_wave):
    section = change_section(stream_page(admin_client, dash_wave, "Beta"))
    assert "nothing to compare with yet" in section and "<table" not in section


def test_the_organization_page_shows_the_pooled_change(admin_client, dash_wave, before):
    changes = wave_changes(dash_wave, newest_release(dash_wave))
    page = admin_client.get(reverse("dashboards:organization", args=[dash_wave.slug])).content.decode()
    section = change_section(page)
    assert "Change per theme, all value streams" in section
    pooled_gap = changes.gap_change(None, "DH")
    assert cells_of(section, "DH")[4].startswith(signed(pooled_gap.difference))


def test_the_changes_csv_carries_every_row_and_no_number_of_a_hidden_one(admin_client, dash_wave, before):
    changes = wave_changes(dash_wave, newest_release(dash_wave))
    response = admin_client.get(reverse("dashboards:changes_csv", args=[dash_wave.slug]))
    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(lines) == len(changes.rows)
    for line, change in zip(lines, changes.rows, strict=True):
        assert (line["value_stream"], line["kind"], line["code"]) == (
            change.value_stream or "all value streams",
            change.kind,
            change.code,
        )
        assert line["previous_wave"] == before.slug
        if change.shown:
            assert line["status"] == "shown"
            assert float(line["difference"]) == pytest.approx(change.difference, abs=1e-4)
            assert (float(line["p_holm"]) if line["p_holm"] else None) == pytest.approx(change.p_holm, abs=1e-4)
        else:
            assert line["status"] == change.reason
            numbers = ("previous", "current", "difference", "t", "df", "p", "p_holm", "hedges_g", "magnitude")
            assert all(line[name] == "" for name in numbers)
    assert {line["status"] for line in lines if line["value_stream"] == "Tiny" and line["kind"] == "it"} == {
        "hidden_current"
    }


def test_the_changes_csv_of_a_first_wave_is_only_its_header(admin_client, dash_wave):
    response = admin_client.get(reverse("dashboards:changes_csv", args=[dash_wave.slug]))
    assert response.status_code == 200
    assert response.content.decode().strip().split(",")[:3] == ["value_stream", "kind", "code"]
    assert len(response.content.decode().strip().splitlines()) == 1
