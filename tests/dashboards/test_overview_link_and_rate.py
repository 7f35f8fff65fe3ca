"""The wave overview keeps the questionnaire link in sight after the first response, and gives the
overall response rate: the responses of the value streams with a head count over those head
counts, numbers the table shows row by row already."""

import re

from django.urls import reverse

from surveys.models import HeadCount, ValueStream, Wave
from tests.conftest import make_wave

from .conftest import ORGANIZATION


def stream(name):
    return ValueStream.objects.get(organization__name=ORGANIZATION, name=name)


def overview_text(client, wave):
    html = client.get(reverse("dashboards:wave", args=[wave.slug])).content.decode()
    return html, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_open_link_stays_on_the_overview_after_responses_came_in(admin_client, dash_wave):
    html, text = overview_text(admin_client, dash_wave)

    assert f'href="/s/{dash_wave.slug}/"' in html
    assert f"The questionnaire link is http://testserver/s/{dash_wave.slug}/" in text
    assert "No responses yet" not in text


def test_a_wave_by_personal_invitation_only_points_to_the_invitations_page_instead(
    admin_client, organization, instrument, value_streams
):
    wave = make_wave(organization, instrument, value_streams, access=Wave.Access.INVITATION)

    html, text = overview_text(admin_client, wave)

    assert f'href="/s/{wave.slug}/"' not in html
    assert "Answers by personal link only" in text
    assert reverse("dashboards:invitations", args=[wave.slug]) in html


def test_the_overall_rate_counts_the_value_streams_with_a_head_count(admin_client, dash_wave):
    HeadCount.objects.create(wave=dash_wave, value_stream=stream("Beta"), biz=12, it=14)  # 6 + 7 responses
    HeadCount.objects.create(wave=dash_wave, value_stream=stream("Alpha"), biz=10, it=10)  # 6 + 6

    _, text = overview_text(admin_client, dash_wave)

    assert "25 of 46 (54%) in the value streams with a head count" in text  # Tiny has none


def test_with_every_head_count_set_the_overall_rate_is_of_everyone(admin_client, dash_wave):
    for name, biz, it in [("Beta", 12, 14), ("Alpha", 10, 10), ("Tiny", 10, 10)]:
        HeadCount.objects.create(wave=dash_wave, value_stream=stream(name), biz=biz, it=it)

    _, text = overview_text(admin_client, dash_wave)

    assert "All value streams 18 15 33 33 of 66 (50%)" in text


def test_without_head_counts_there_is_no_overall_rate(admin_client, dash_wave):
    html, _ = overview_text(admin_client, dash_wave)

    assert 'id="overall-rate"' not in html
