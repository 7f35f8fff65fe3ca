"""Benchmark: seed a wave of N responses × 24 items and time the assessment report.

    .venv/bin/python benchmarks/bench_assess.py [--responses 100000] [--repeat 1]

Uses its own SQLite file under benchmarks/out/ (or DATABASE_URL if set), so the development
database is left alone. Prints the seeding time, then the time and peak memory of gathering
the wave and building the report, as `manage.py assess` does. With --repeat N, the best of N runs
(the time of a busy machine varies from run to run; the best is the least disturbed).
"""

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="time N runs and print the best")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    database = OUT / f"assess-{args.responses}.sqlite3"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database}")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignsurvey.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from assessments.gather import gather_wave
    from assessments.report import build_report
    from surveys.demo import DEMO_WAVE_SLUG, seed_demo
    from surveys.models import Answer, Wave

    call_command("migrate", verbosity=0)
    wave = Wave.objects.filter(slug=DEMO_WAVE_SLUG).first()
    existing = wave.responses.count() if wave else 0
    if existing != args.responses:
        if wave:
            wave.responses.all().delete()
        started = time.perf_counter()
        seed_demo(responses=args.responses)
        seeding = time.perf_counter() - started
        print(f"seed_demo: {args.responses:,} responses in {seeding:.1f} s")
        wave = Wave.objects.get(slug=DEMO_WAVE_SLUG)
    answers = Answer.objects.filter(response__wave=wave).count()
    print(f"wave {wave.slug}: {wave.responses.count():,} responses, {answers:,} answers")

    runs = []
    for _ in range(max(args.repeat, 1)):
        started = time.perf_counter()
        data = gather_wave(wave)
        gathered = time.perf_counter()
        report = build_report(data)
        built = time.perf_counter()
        runs.append((built - started, gathered - started, built - gathered))
    total, gathering, building = min(runs)
    best = f", best of {len(runs)}" if len(runs) > 1 else ""
    print(
        f"gather: {gathering:.2f} s   build report: {building:.2f} s   "
        f"total: {total:.2f} s   ({len(report.comparisons)} comparisons{best})"
    )

    tracemalloc.start()
    build_report(gather_wave(wave))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory allocated while assessing (tracemalloc): {peak / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
