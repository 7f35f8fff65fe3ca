"""Benchmark: seed a wave of N responses × 24 items and time the assessment report.

    .venv/bin/python benchmarks/bench_assess.py [--responses 100000] [--repeat 1] [--json]

Uses its own SQLite file under benchmarks/out/ (see waves.py; or DATABASE_URL if set), so the
development database is left alone. Prints the seeding time (or that the file was reused), then
the time and peak memory of gathering the wave and building the report, as `manage.py assess`
does. With --repeat N, the best of N runs (the time of a busy machine varies from run to run;
the best is the least disturbed) and the slowest, to show the noise. Peak memory is given twice:
the Python heap's peak while assessing (tracemalloc, numpy's arrays included) and the resident
peak of the whole process (ru_maxrss: Django, numpy and scipy included), beside what it held
before the first assessment.

`measure()` returns the figures as data (`--json` prints them), for benchmarks/run_all.py.
"""

import argparse
import json
import resource
import time
import tracemalloc

import waves


def rss_peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def measure(responses, repeat=1):
    """Seed or reuse the wave, then assess it `repeat` times; return the figures (seconds, MB)."""
    wave_source = waves.use_wave(responses)
    from assessments.gather import gather_wave
    from assessments.report import build_report
    from surveys.demo import DEMO_WAVE_SLUG
    from surveys.models import Answer, Wave
    from surveys.releases import newest_release

    wave = Wave.objects.select_related("instrument").get(slug=DEMO_WAVE_SLUG)
    release = newest_release(wave)
    answers = Answer.objects.filter(response__wave=wave).count()
    rss_before = rss_peak_mb()
    runs = []
    for _ in range(max(repeat, 1)):
        started = time.perf_counter()
        data = gather_wave(wave, release)
        gathered = time.perf_counter()
        report = build_report(data)
        built = time.perf_counter()
        runs.append((built - started, gathered - started, built - gathered))
        del data
    # A process that has just seeded the wave already peaked higher than assessing takes it.
    rss_after = None if wave_source["seeded"] else rss_peak_mb()
    tracemalloc.start()
    build_report(gather_wave(wave, release))
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    total, gathering, building = min(runs)
    return {
        "wave": wave_source,
        "responses": wave.responses.count(),
        "answers": answers,
        "runs": len(runs),
        "total_s": total,
        "gather_s": gathering,
        "build_s": building,
        "slowest_total_s": max(run[0] for run in runs),
        "comparisons": len(report.comparisons),
        "heap_peak_mb": heap_peak / 2**20,
        "rss_before_mb": rss_before,
        "rss_peak_mb": rss_after,
    }


def print_figures(figures):
    print(waves.describe(figures["wave"]))
    print(f"wave demo-wave: {figures['responses']:,} responses, {figures['answers']:,} answers")
    spread = f", best of {figures['runs']}; slowest {figures['slowest_total_s']:.2f} s" if figures["runs"] > 1 else ""
    print(
        f"gather: {figures['gather_s']:.2f} s   build report: {figures['build_s']:.2f} s   "
        f"total: {figures['total_s']:.2f} s   ({figures['comparisons']} comparisons{spread})"
    )
    if figures["rss_peak_mb"] is None:
        resident = "resident: seeded in this process, run again to measure it"
    else:
        resident = (
            f"resident peak of the process {figures['rss_peak_mb']:.0f} MB "
            f"({figures['rss_before_mb']:.0f} MB before assessing)"
        )
    print(f"peak memory while assessing: {figures['heap_peak_mb']:.0f} MB Python heap (tracemalloc); {resident}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="time N runs and print the best")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures = measure(args.responses, args.repeat)
    if args.json:
        print(json.dumps(figures))
    else:
        print_figures(figures)


if __name__ == "__main__":
    main()
