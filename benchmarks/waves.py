"""The seeded waves the benchmarks share: benchmarks/out/assess-N.sqlite3 holds the demo wave with N responses.

    .venv/bin/python benchmarks/waves.py --responses 100000 [--json]

Reuses the file when it holds the wave with N responses and was seeded by the seeding code as
it is now (a fingerprint of surveys/demo.py, bulk.py, answer_codes.py and the built-in instruments
is kept beside it, in assess-N.seed); otherwise seeds it afresh (about 20 s for 100,000 responses
× 24 items on 2 cores). bench_assess.py, bench_dashboards.py and bench_export.py call
`use_wave(N)` first; DATABASE_URL, if set, points them elsewhere (then only the count is checked).
"""

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"
SEEDING_CODE = ["surveys/demo.py", "surveys/bulk.py", "surveys/answer_codes.py", "surveys/instruments"]


def database_path(responses):
    return OUT / f"assess-{responses}.sqlite3"


def fingerprint_path(responses):
    return OUT / f"assess-{responses}.seed"


def seeding_fingerprint():
    """A hash of the code and files that decide what seed_demo writes."""
    digest = hashlib.sha256()
    for name in SEEDING_CODE:
        path = ROOT / name
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                digest.update(file.relative_to(ROOT).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


def discard_stale_seed(responses):
    """Delete the wave's file if other seeding code wrote it; True if it did."""
    database, fingerprint = database_path(responses), fingerprint_path(responses)
    if not database.exists():
        return False
    if fingerprint.exists() and fingerprint.read_text().strip() == seeding_fingerprint():
        return False
    for path in OUT.glob(f"{database.name}*"):  # with its -wal and -shm files
        path.unlink()
    fingerprint.unlink(missing_ok=True)
    return True


def setup_django(responses):
    """Django on the wave's database (unless DATABASE_URL says otherwise), development settings."""
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database_path(responses)}")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignsurvey.settings")
    import django

    django.setup()


def use_wave(responses):
    """Set up Django and make sure the demo wave has `responses` responses; return how it got them.

    {"database": path, "responses": N, "seeded": bool, "seed_seconds": float or None, "stale": bool}.
    Call once per process, before importing models.
    """
    own_file = "DATABASE_URL" not in os.environ
    stale = own_file and discard_stale_seed(responses)
    setup_django(responses)
    from django.core.management import call_command
    from django.db import connection

    from surveys.closing import close_wave
    from surveys.demo import DEMO_WAVE_SLUG, seed_demo
    from surveys.models import Wave

    call_command("migrate", verbosity=0)
    wave = Wave.objects.filter(slug=DEMO_WAVE_SLUG).first()
    seconds = None
    if wave is None or wave.responses.count() != responses:
        if own_file and wave is not None:  # a seed cut short: start from an empty file
            connection.close()
            for path in OUT.glob(f"{database_path(responses).name}*"):
                path.unlink()
            call_command("migrate", verbosity=0)
        elif wave is not None:
            wave.delete()  # with its responses and releases
        started = time.perf_counter()
        seed_demo(responses=responses)
        seconds = time.perf_counter() - started
        # Closed, so every benchmark reads the same final release: the one exports need.
        close_wave(Wave.objects.get(slug=DEMO_WAVE_SLUG))
    if own_file:
        fingerprint_path(responses).write_text(seeding_fingerprint())
    return {
        "database": connection.settings_dict["NAME"],
        "responses": responses,
        "seeded": seconds is not None,
        "seed_seconds": seconds,
        "stale": stale,
    }


def describe(wave):
    """One line on where the wave came from, for the benchmarks' output."""
    if wave["seeded"]:
        why = "; it replaces a file whose seeding code changed or is unknown" if wave.get("stale") else ""
        return f"seed_demo: {wave['responses']:,} responses in {wave['seed_seconds']:.1f} s ({wave['database']}{why})"
    return f"reusing {wave['database']} ({wave['responses']:,} responses; delete it to seed again)"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, required=True)
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    args = parser.parse_args()
    wave = use_wave(args.responses)
    print(json.dumps(wave) if args.json else describe(wave))


if __name__ == "__main__":
    main()
