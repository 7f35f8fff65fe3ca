"""Attack 3, re-open and export: a closed wave set back to open lets one more person in, and the
researcher's second export (and the dashboards) differ by that person's whole row.

Now closing is final once the wave's results are released: the set-up refuses to open it again,
the link keeps saying the wave is closed, and every export and page stays what it was.
"""

import collections

import pytest
from django.test import Client
from django.urls import reverse

from surveys.models import Response, Wave

from .journeys import answer, change_manager, csv_rows, post_setup, researcher

pytestmark = pytest.mark.django_db


def exported_rows(client, wave):
    reply = client.post(reverse("exports:download", args=[wave.slug]), {"format": "csv", "layout": "wide"})
    assert reply.status_code == 200, reply.content[:500]
    rows = csv_rows(b"".join(reply.streaming_content))
    # Row numbers are drawn anew for every export: compare what the rows hold.
    return collections.Counter(tuple(value for name, value in row.items() if name != "respondent") for row in rows)


def test_a_closed_wave_cannot_be_opened_again_for_one_more_respondent(wave, value_streams):
    alpha, beta = value_streams
    for vs in value_streams:
        for side in ("biz", "it"):
            for _ in range(6):
                answer(wave, vs, side)
    manager, analyst = change_manager(wave.organization), researcher(wave.organization)
    wave.refresh_from_db()
    assert post_setup(manager, wave, status="closed").status_code == 302
    wave.refresh_from_db()
    first_export = exported_rows(analyst, wave)
    first_page = manager.get(reverse("dashboards:items_csv", args=[wave.slug])).content
    assert sum(first_export.values()) == 24

    post_setup(manager, wave, status="open")
    wave.refresh_from_db()
    assert wave.status == Wave.Status.CLOSED  # the status is fixed: even a forged post changes nothing
    setup = manager.get(reverse("dashboards:wave_edit", args=[wave.slug])).content.decode()
    assert "Closed for good: the final results are released, so the wave cannot be opened again." in setup

    # The one more respondent finds the wave closed, and nothing is stored.
    client = Client()
    page = client.get(f"/s/{wave.slug}/")
    assert "closed" in page.content.decode().lower()
    assert client.post(f"/s/{wave.slug}/").status_code == 403
    assert Response.objects.filter(wave=wave).count() == 24

    post_setup(manager, wave, status="closed")
    assert exported_rows(analyst, wave) == first_export
    assert manager.get(reverse("dashboards:items_csv", args=[wave.slug])).content == first_page
