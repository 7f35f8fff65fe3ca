"""Benchmark: time and peak memory of researcher exports, for two wave sizes.

    .venv/bin/python benchmarks/bench_export.py [--sizes 10000,100000]

Each size uses the database of bench_assess.py (benchmarks/out/assess-N.sqlite3: the demo wave
with N responses × 24 items), seeding it first if it is missing (about 20 s for 100,000). Every
export runs in a fresh process, so the peak resident memory (ru_maxrss) belongs to that export
alone; the Python heap peak comes from tracemalloc in a second run of the same export. Flat
memory shows as CSV/JSON peaks that do not grow with the wave; the .sav writer holds the whole
file in a data frame, so its peak grows with the wave.

The exports call the export machinery directly: the demo wave is open, which the page and the
command would refuse.
"""

import argparse
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"
EXPORTS = [("csv", "wide"), ("json", "wide"), ("csv", "long"), ("sav", "wide"), ("sav", "long")]


def setup(responses):
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / f'assess-{responses}.sqlite3'}")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignsurvey.settings")
    import django

    django.setup()


def seed(responses):
    """Make sure the demo wave has `responses` responses (as bench_assess.py does)."""
    setup(responses)
    from django.core.management import call_command

    from surveys.demo import DEMO_WAVE_SLUG, seed_demo
    from surveys.models import Wave

    call_command("migrate", verbosity=0)
    wave = Wave.objects.filter(slug=DEMO_WAVE_SLUG).first()
    if wave is None or wave.responses.count() != responses:
        if wave:
            wave.responses.all().delete()
        started = time.perf_counter()
        seed_demo(responses=responses)
        print(f"seed_demo: {responses:,} responses in {time.perf_counter() - started:.1f} s", flush=True)


def export_once(responses, fmt, layout, trace):
    """One export of the demo wave into benchmarks/out/; prints one line of figures."""
    setup(responses)
    from exports.planning import plan_export
    from exports.writers import write_export
    from surveys.demo import DEMO_WAVE_SLUG
    from surveys.models import Wave

    wave = Wave.objects.select_related("organization", "instrument").get(slug=DEMO_WAVE_SLUG)
    target = OUT / f"export-{responses}-{layout}.{fmt}"
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    plan = plan_export(wave)
    planned = time.perf_counter()
    write_export(plan, fmt, layout, target)
    written = time.perf_counter()
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"heap_peak_mb={peak / 2**20:.0f}")
        target.unlink()
        return
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(
        f"census_s={planned - started:.2f} write_s={written - planned:.2f} total_s={written - started:.2f} "
        f"rss_peak_mb={rss:.0f} size_mb={target.stat().st_size / 2**20:.1f} "
        f"written={plan.anonymization.records_written} suppressed={plan.anonymization.records_suppressed} "
        f"level={plan.generalization.name}"
    )
    target.unlink()


def baseline(responses):
    """Resident memory of a process that sets up Django and reads the wave, before any export."""
    setup(responses)
    from surveys.demo import DEMO_WAVE_SLUG
    from surveys.models import Wave

    Wave.objects.select_related("organization", "instrument").get(slug=DEMO_WAVE_SLUG)
    import pandas  # noqa: F401 — loaded by the .sav writer; counted here so the baseline is fair
    import pyreadstat  # noqa: F401

    print(f"rss_peak_mb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")


def run(*arguments):
    result = subprocess.run(
        [sys.executable, __file__, *arguments], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return dict(pair.split("=") for pair in result.stdout.split())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="Comma-separated numbers of responses.")
    parser.add_argument("--one", nargs=4, metavar=("RESPONSES", "FORMAT", "LAYOUT", "TRACE"), help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        responses, fmt, layout, trace = args.one
        export_once(int(responses), fmt, layout, trace == "1")
        return
    if args.seed:
        seed(args.seed)
        return
    if args.baseline:
        baseline(args.baseline)
        return

    sizes = [int(size) for size in args.sizes.split(",")]
    for responses in sizes:
        subprocess.run([sys.executable, __file__, "--seed", str(responses)], check=True, cwd=ROOT)
    print(
        f"{'responses':>9} {'export':<10} {'census':>7} {'write':>7} {'total':>7} {'file':>8} "
        f"{'RSS peak':>9} {'heap peak':>9}  written / suppressed, generalization"
    )
    for responses in sizes:
        base = run("--baseline", str(responses))["rss_peak_mb"]
        print(f"{responses:>9,} {'(no export)':<10} {'':>7} {'':>7} {'':>7} {'':>8} {base:>6} MB")
        for fmt, layout in EXPORTS:
            figures = run("--one", str(responses), fmt, layout, "0")
            heap = run("--one", str(responses), fmt, layout, "1")["heap_peak_mb"]
            print(
                f"{responses:>9,} {fmt + ' ' + layout:<10} {figures['census_s']:>6}s {figures['write_s']:>6}s "
                f"{figures['total_s']:>6}s {figures['size_mb']:>5} MB {figures['rss_peak_mb']:>6} MB {heap:>6} MB"
                f"  {int(figures['written']):,} / {int(figures['suppressed']):,}, {figures['level']}",
                flush=True,
            )


if __name__ == "__main__":
    main()
