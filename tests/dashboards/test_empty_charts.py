"""A chart with nothing to draw says so in a sentence instead of drawing empty axes: a value stream
whose two sides are both hidden (its radar, its small radar, its radiator), and a heatmap where no
value stream has a gap that can be shown. A wave with no release at all shows "no results yet"."""

import json
import re

from django.contrib.auth import get_user_model
from django.urls import reverse

from dashboards.models import RadiatorLink
from surveys.models import ValueStream

from .conftest import ORGANIZATION, import_wave, row

NO_SIDE = "Nothing to draw: neither Biz nor IT has a figure that can be shown here"
NO_GAP = "Nothing to draw: no value stream has a gap that can be shown"


def small_and_large(instrument):
    """Small: 2 Biz and 2 IT (k = 5), both sides hidden; Medium (6 and 6) hidden too, so that the
    totals minus Large do not give Small; Large: 7 and 7, shown."""
    rows = [row("Small", side) for side in ("biz", "it") for _ in range(2)]
    rows += [row("Medium", side) for side in ("biz", "it") for _ in range(6)]
    rows += [row("Large", side) for side in ("biz", "it") for _ in range(7)]
    return import_wave(instrument, rows)


def stream(name, organization=ORGANIZATION):
    return ValueStream.objects.get(organization__name=organization, name=name)


def figures_on(page):
    """The chart figures a page sends to the browser (its json_script blocks), by id."""
    blocks = re.findall(r'<script id="([^"]+)" type="application/json">(.*?)</script>', page.content.decode(), re.S)
    return {block_id: json.loads(text) for block_id, text in blocks}


def text_of(page):
    return re.sub(r"\s+", " ", page.content.decode())


def test_a_value_stream_with_both_sides_hidden_says_so_instead_of_drawing_an_empty_radar(admin_client, instrument):
    wave = small_and_large(instrument)

    page = admin_client.get(reverse("dashboards:value_stream", args=[wave.slug, stream("Small").pk]))

    assert "radar" not in figures_on(page)
    assert NO_SIDE in text_of(page)


def test_the_small_radar_of_a_hidden_value_stream_is_a_sentence_and_the_others_are_drawn(admin_client, instrument):
    wave = small_and_large(instrument)

    page = admin_client.get(reverse("dashboards:organization", args=[wave.slug]))

    figures = figures_on(page)
    assert f"radar-{stream('Small').pk}" not in figures
    assert f"radar-{stream('Large').pk}" in figures
    assert f'id="radar-{stream("Small").pk}-empty"' in page.content.decode()
    assert "heatmap" in figures  # Large has gaps to show


def test_a_heatmap_without_a_gap_to_show_is_a_sentence(admin_client, instrument):
    wave = import_wave(instrument, [row("Small", side) for side in ("biz", "it") for _ in range(2)])

    page = admin_client.get(reverse("dashboards:organization", args=[wave.slug]))

    figures = figures_on(page)
    assert "heatmap" not in figures and "radar-pooled" not in figures
    assert NO_GAP in text_of(page)
    assert "hidden" in text_of(page)  # the data table still says why each cell is empty


def test_the_radiator_of_a_hidden_value_stream_says_so_instead_of_an_empty_radar(client, instrument):
    wave = small_and_large(instrument)
    user = get_user_model().objects.create_user("maker")
    _, token = RadiatorLink.create(stream("Small", wave.organization.name), user)

    page = client.get(reverse("dashboards:radiator", args=[token]))

    assert "radar" not in figures_on(page)
    assert NO_SIDE in text_of(page)


def test_a_wave_without_a_release_says_no_results_yet_and_draws_nothing(admin_client, wave):
    for url in [
        reverse("dashboards:organization", args=[wave.slug]),
        reverse("dashboards:value_stream", args=[wave.slug, wave.value_streams.first().pk]),
        reverse("dashboards:items", args=[wave.slug]),
    ]:
        page = admin_client.get(url)
        assert "This wave has no results yet." in text_of(page)
        assert not figures_on(page)
        assert 'class="chart' not in page.content.decode()
