"""Benchmark: server time of every dashboard page for a wave of N responses.

    .venv/bin/python benchmarks/bench_dashboards.py [--responses 100000] [--repeat 3]

Uses the same SQLite file as bench_assess.py (benchmarks/out/, or DATABASE_URL if set), seeding
it if needed. Each page is requested through Django's test client (the full middleware, view
and template stack, no network), first with an empty figure cache ("cold": the wave is read and
assessed) and then again ("warm": the figures come from the cache, as for every visitor after
the first until a new response arrives). Prints the median of --repeat runs and the queries.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / f'assess-{args.responses}.sqlite3'}")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignsurvey.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import Membership
    from surveys.demo import DEMO_WAVE_SLUG, seed_demo
    from surveys.models import Wave

    call_command("migrate", verbosity=0)
    wave = Wave.objects.filter(slug=DEMO_WAVE_SLUG).first()
    if wave is None or wave.responses.count() != args.responses:
        if wave:
            wave.responses.all().delete()
        started = time.perf_counter()
        seed_demo(responses=args.responses)
        print(f"seed_demo: {args.responses:,} responses in {time.perf_counter() - started:.1f} s")
        wave = Wave.objects.get(slug=DEMO_WAVE_SLUG)
    print(f"wave {wave.slug}: {wave.responses.count():,} responses")

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
    }

    def timed(url):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - started
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, len(queries)

    client.get(pages["overview"])  # import and template loading happen once per process, not per page
    print(f"{'page':<18}{'cold s':>9}{'warm s':>9}{'queries cold/warm':>20}")
    for name, url in pages.items():
        cold, warm = [], []
        for _ in range(args.repeat):
            cache.clear()
            seconds, cold_queries = timed(url)
            cold.append(seconds)
            seconds, warm_queries = timed(url)
            warm.append(seconds)
        print(
            f"{name:<18}{statistics.median(cold):>9.3f}{statistics.median(warm):>9.3f}"
            f"{f'{cold_queries}/{warm_queries}':>20}"
        )


if __name__ == "__main__":
    main()
