"""Benchmark: server time of every dashboard page for a wave of N responses.

    .venv/bin/python benchmarks/bench_dashboards.py [--responses 100000] [--repeat 3] [--json]

Uses the same SQLite file as bench_assess.py (benchmarks/out/, see waves.py; or DATABASE_URL if
set), seeding it if needed. Each page is requested through Django's test client (the full
middleware, view and template stack, no network), first with an empty figure cache ("cold": the
wave is read and assessed) and then again ("warm": the figures come from the cache, as for every
visitor after the first until a new response arrives). Prints the best of --repeat runs, the
slowest (the noise of a shared machine), and the queries of each.

`measure()` returns the figures as data (`--json` prints them), for benchmarks/run_all.py.
"""

import argparse
import json
import time

import waves


def measure(responses, repeat=3):
    """Seed or reuse the wave, then time each page cold and warm `repeat` times; return the figures."""
    wave_source = waves.use_wave(responses)
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import Membership
    from surveys.demo import DEMO_WAVE_SLUG
    from surveys.models import Wave

    wave = Wave.objects.get(slug=DEMO_WAVE_SLUG)
    user, _ = get_user_model().objects.get_or_create(username="bench")
    Membership.objects.get_or_create(user=user, organization=wave.organization, role=Membership.Role.CHANGE_MANAGER)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    stream = wave.value_streams.order_by("name").first()
    pages = {
        "overview": reverse("dashboards:wave", args=[wave.slug]),
        "organization": reverse("dashboards:organization", args=[wave.slug]),
        "value stream": reverse("dashboards:value_stream", args=[wave.slug, stream.pk]),
        "items": reverse("dashboards:items", args=[wave.slug]),
        "items csv": reverse("dashboards:items_csv", args=[wave.slug]),
        "trends (2 waves)": reverse("dashboards:trends", args=[wave.organization_id]),
        "report": reverse("dashboards:report", args=[wave.slug]),
        "report pdf": reverse("dashboards:report_pdf", args=[wave.slug]),
        "stream report pdf": reverse("dashboards:stream_report_pdf", args=[wave.slug, stream.pk]),
    }

    def timed(url):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, len(queries)

    client.get(pages["overview"])  # import and template loading happen once per process, not per page
    figures = {"wave": wave_source, "responses": wave.responses.count(), "runs": max(repeat, 1), "pages": []}
    for name, url in pages.items():
        cold, warm = [], []
        for _ in range(max(repeat, 1)):
            cache.clear()
            seconds, cold_queries = timed(url)
            cold.append(seconds)
            seconds, warm_queries = timed(url)
            warm.append(seconds)
        figures["pages"].append(
            {
                "page": name,
                "cold_s": min(cold),
                "cold_slowest_s": max(cold),
                "warm_s": min(warm),
                "warm_slowest_s": max(warm),
                "cold_queries": cold_queries,
                "warm_queries": warm_queries,
            }
        )
    return figures


def print_figures(figures):
    print(waves.describe(figures["wave"]))
    print(f"wave demo-wave: {figures['responses']:,} responses; best (slowest) of {figures['runs']} runs")
    print(f"{'page':<20}{'cold s':>16}{'warm s':>16}{'queries cold/warm':>20}")
    for page in figures["pages"]:
        queries = f"{page['cold_queries']}/{page['warm_queries']}"
        print(
            f"{page['page']:<20}{page['cold_s']:>7.3f} ({page['cold_slowest_s']:.3f})"
            f"{page['warm_s']:>7.3f} ({page['warm_slowest_s']:.3f}){queries:>20}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures = measure(args.responses, args.repeat)
    if args.json:
        print(json.dumps(figures))
    else:
        print_figures(figures)


if __name__ == "__main__":
    main()
