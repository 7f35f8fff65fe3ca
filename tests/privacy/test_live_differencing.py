"""Attack 2, live differencing: two downloads taken before and after one colleague answers.

With figures computed from the live responses, the item CSV (or the gap CSV, the heatmap, the
radiator) downloaded before and after one colleague submits differed by exactly that colleague's
answers. Now every figure comes from a release, and releases differ, in every value stream and
side, by no response or by at least k.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys.models import Wave

from .journeys import answer, change_manager, csv_rows, download, post_setup

pytestmark = pytest.mark.django_db

K = 5


def everything_the_manager_sees(manager, wave, radiator_url):
    """Every page and file of the wave's figures, without the per-request CSRF tokens and clock."""
    alpha = wave.value_streams.get(name="Financing applications")
    seen = {}
    for name, args, query in [
        ("dashboards:items_csv", [wave.slug], ""),
        ("dashboards:items_csv", [wave.slug], f"?value_stream={alpha.pk}"),
        ("dashboards:pooled_gaps_csv", [wave.slug], "?level=theme"),
        ("dashboards:gaps_csv", [wave.slug, alpha.pk], "?level=dimension"),
        ("dashboards:heatmap_csv", [wave.slug], ""),
        ("dashboards:reliability_csv", [wave.slug], ""),
        ("dashboards:organization", [wave.slug], ""),
        ("dashboards:value_stream", [wave.slug, alpha.pk], ""),
        ("dashboards:items", [wave.slug], ""),
        ("dashboards:trends", [wave.organization_id], ""),
        ("dashboards:report_pdf", [wave.slug], ""),
        ("dashboards:stream_report_pdf", [wave.slug, alpha.pk], ""),
    ]:
        status, content = download(manager, name, *args, query=query)
        assert status == 200, name
        seen[name + query] = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)
    seen["radiator"] = re.sub(rb"Updated [^.<]+\.", b"", Client().get(radiator_url).content)
    return seen


def alpha_biz_n(manager, wave):
    alpha = wave.value_streams.get(name="Financing applications")
    table = csv_rows(download(manager, "dashboards:gaps_csv", wave.slug, alpha.pk, query="?level=theme")[1])
    return {int(row["biz_n"]) for row in table if row["biz_status"] == "shown"}


def test_downloads_before_and_after_one_colleague_answers_are_the_same(wave, value_streams):
    alpha, beta = value_streams
    Wave.objects.filter(pk=wave.pk).update(anonymity_threshold=K)
    for vs in value_streams:
        for side in ("biz", "it"):
            for _ in range(6):
                answer(wave, vs, side)
    manager = change_manager(wave.organization)
    wave.refresh_from_db()
    assert post_setup(manager, wave, interim_results="on").status_code == 302  # the change manager's choice
    manager.post(reverse("dashboards:wave", args=[wave.slug]), {"action": "release"})
    created = manager.post(reverse("dashboards:create_radiator_link", args=[alpha.pk]), {"label": "kitchen"})
    radiator_url = re.search(r"https?://[^\"<\s]+/radiator/[^\"<\s]+/", created.content.decode()).group(0)
    before = everything_the_manager_sees(manager, wave, radiator_url)
    assert alpha_biz_n(manager, wave) == {6}

    answer(wave, alpha, "biz", value=1)  # one colleague, who disagrees with everything
    after = everything_the_manager_sees(manager, wave, radiator_url)
    for name in before:
        assert before[name] == after[name], f"{name} changed with one colleague's answers"

    # The change manager asks for a release: one new response cannot be added on its own.
    reply = manager.post(reverse("dashboards:wave", args=[wave.slug]), {"action": "release"})
    assert "Nothing to release" in reply.content.decode()
    assert everything_the_manager_sees(manager, wave, radiator_url) == before

    # Four more colleagues answer: five new in Alpha Biz, at least k, and they come in together.
    for _ in range(4):
        answer(wave, alpha, "biz", value=2)
    manager.post(reverse("dashboards:wave", args=[wave.slug]), {"action": "release"})
    assert alpha_biz_n(manager, wave) == {6 + K}
    changed = everything_the_manager_sees(manager, wave, radiator_url)
    assert changed["dashboards:heatmap_csv"] != before["dashboards:heatmap_csv"]


def test_without_interim_results_an_open_wave_shows_counts_only(wave, value_streams):
    alpha, _ = value_streams
    for side in ("biz", "it"):
        for _ in range(6):
            answer(wave, alpha, side)
    manager = change_manager(wave.organization)
    overview = manager.get(reverse("dashboards:wave", args=[wave.slug])).content.decode()
    assert "Results are released when the wave closes" in overview
    page = manager.get(reverse("dashboards:organization", args=[wave.slug])).content.decode()
    assert "This wave has no results yet." in page and "application/json" not in page  # no chart data
    assert download(manager, "dashboards:items_csv", wave.slug)[0] == 404
    # Closing releases everything at once.
    Wave.objects.filter(pk=wave.pk).update(closes_at=timezone.now())
    assert download(manager, "dashboards:items_csv", wave.slug)[0] == 200
