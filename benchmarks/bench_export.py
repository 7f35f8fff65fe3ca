"""Benchmark: time and peak memory of researcher exports, for two wave sizes.

    .venv/bin/python benchmarks/bench_export.py [--sizes 10000,100000] [--exports csv-wide,json-wide,...] [--json]

Each size uses the database of bench_assess.py (benchmarks/out/assess-N.sqlite3, see waves.py:
the demo wave with N responses × 24 items), seeding it first if it is missing (about 20 s for
100,000). Every export runs in a fresh process, so the peak resident memory (ru_maxrss) belongs
to that export alone; the Python heap peak comes from tracemalloc in a second run of the same
export. Flat memory shows as peaks that do not grow with the wave: every format, .sav included,
is written batch by batch.

The exports call the export machinery directly: the demo wave is open, which the page and the
command would refuse.

`measure()` returns the figures as data (`--json` prints them), for benchmarks/run_all.py; it
runs everything in subprocesses, so it can be called from any process.
"""

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc

import waves

EXPORTS = ["csv-wide", "json-wide", "csv-long", "sav-wide", "sav-long"]


def rss_peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def export_once(responses, export, trace):
    """One export of the demo wave into benchmarks/out/ (then deleted); returns its figures."""
    waves.setup_django(responses)
    from exports.planning import plan_export
    from exports.writers import write_export
    from surveys.demo import DEMO_WAVE_SLUG
    from surveys.models import Wave

    fmt, layout = export.split("-")
    wave = Wave.objects.select_related("organization", "instrument").get(slug=DEMO_WAVE_SLUG)
    target = waves.OUT / f"export-{responses}-{layout}.{fmt}"
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    plan = plan_export(wave)
    planned = time.perf_counter()
    write_export(plan, fmt, layout, target)
    written = time.perf_counter()
    try:
        if trace:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            return {"heap_peak_mb": peak / 2**20}
        return {
            "census_s": planned - started,
            "write_s": written - planned,
            "total_s": written - started,
            "rss_peak_mb": rss_peak_mb(),
            "size_mb": target.stat().st_size / 2**20,
            "written": plan.anonymization.records_written,
            "suppressed": plan.anonymization.records_suppressed,
            "level": plan.generalization.name,
        }
    finally:
        target.unlink()


def baseline(responses):
    """Resident memory of a process that sets up Django and reads the wave, before any export."""
    waves.setup_django(responses)
    from surveys.demo import DEMO_WAVE_SLUG
    from surveys.models import Wave

    Wave.objects.select_related("organization", "instrument").get(slug=DEMO_WAVE_SLUG)
    return {"rss_peak_mb": rss_peak_mb()}


def run(*arguments):
    """This script in a fresh process; its JSON answer."""
    result = subprocess.run(
        [sys.executable, __file__, *arguments], capture_output=True, text=True, check=True, cwd=waves.ROOT
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(responses, exports=EXPORTS):
    """Seed or reuse the wave, then run each export twice (figures, heap); returns the figures."""
    wave_source = run("--seed", str(responses))
    figures = {"wave": wave_source, "responses": responses, "baseline_rss_mb": None, "exports": []}
    figures["baseline_rss_mb"] = run("--baseline", str(responses))["rss_peak_mb"]
    for export in exports:
        row = {"export": export, **run("--one", str(responses), export, "0")}
        row.update(run("--one", str(responses), export, "1"))
        figures["exports"].append(row)
    return figures


def print_header():
    print(
        f"{'responses':>9} {'export':<10} {'census':>7} {'write':>7} {'total':>7} {'file':>8} "
        f"{'RSS peak':>9} {'heap peak':>9}  written / suppressed, generalization"
    )


def print_figures(figures):
    responses = figures["responses"]
    print(f"{'':>9} {waves.describe(figures['wave'])}")
    print(f"{responses:>9,} {'(no export)':<10} {'':>7} {'':>7} {'':>7} {'':>8} {figures['baseline_rss_mb']:>6.0f} MB")
    for row in figures["exports"]:
        print(
            f"{responses:>9,} {row['export'].replace('-', ' '):<10} {row['census_s']:>6.2f}s {row['write_s']:>6.2f}s "
            f"{row['total_s']:>6.2f}s {row['size_mb']:>5.1f} MB {row['rss_peak_mb']:>6.0f} MB "
            f"{row['heap_peak_mb']:>6.0f} MB  {row['written']:,} / {row['suppressed']:,}, {row['level']}",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="Comma-separated numbers of responses.")
    parser.add_argument("--exports", default=",".join(EXPORTS), help=f"Comma-separated, of {', '.join(EXPORTS)}.")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON, one document per size")
    parser.add_argument("--one", nargs=3, metavar=("RESPONSES", "EXPORT", "TRACE"), help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        responses, export, trace = args.one
        print(json.dumps(export_once(int(responses), export, trace == "1")))
        return
    if args.seed:
        print(json.dumps(waves.use_wave(args.seed)))
        return
    if args.baseline:
        print(json.dumps(baseline(args.baseline)))
        return

    sizes = [int(size) for size in args.sizes.split(",")]
    exports = args.exports.split(",")
    if not args.json:
        print_header()
    for responses in sizes:
        figures = measure(responses, exports)
        if args.json:
            print(json.dumps(figures))
        else:
            print_figures(figures)


if __name__ == "__main__":
    main()
