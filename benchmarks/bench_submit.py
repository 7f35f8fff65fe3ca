"""Load test: respondents answering the questionnaire against `make serve`.

    .venv/bin/python benchmarks/bench_submit.py [--clients 1 8] [--seconds 10] [--submit-seconds 8]
                                                [--port 8777] [--workers N] [--json]

Starts the production-like server with `make serve` (gunicorn, DEBUG off, the Makefile's worker
count unless --workers is given) on 127.0.0.1 only, with its own SQLite file under
benchmarks/out/, then for each client count runs that many respondents in parallel for
--seconds. Each respondent is a fresh browser session doing what a person does: open the link,
start, say who they are, answer six pages and submit — 10 requests. Prints completed responses
per second, the latency of the final submission and of all requests (p50/p99), errors, and
checks that every response the server acknowledged (a redirect to the thank-you page) is in the
database, and nothing more.

A second table isolates the submission itself: completed drafts and their sessions are put in
the database beforehand (not timed), then the clients only send the final "Submit my answers"
POST, as fast as the server takes them: submissions per second, p50/p99, errors, and the same
check that every acknowledged submission is stored exactly once.

Both tables also give the server's CPU time per response (user + system of every process of
`make serve`): on a shared machine it varies far less than the rates and latencies do. The second
also gives the load generator's own CPU time per submission: it runs on the same cores.

The load itself lasts 2 × (--seconds + --submit-seconds) with the defaults' two client counts,
36 s, after 3 s of warm-up (each worker's first requests load templates and translations).
`measure()` returns the figures as data (`--json` prints them), for benchmarks/run_all.py.
"""

import argparse
import http.client
import json
import os
import queue
import re
import secrets
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from serving import OUT, gunicorn_workers, serve_environment, server_cpu_seconds, start_server, stop_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SLUG = "load-wave"
WARM_UP_SECONDS = 3
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def percentile(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class Respondent:
    """One browser session over a kept-alive connection: cookies and the CSRF token by hand."""

    def __init__(self, port, latencies):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies = {}
        self.latencies = latencies

    def request(self, method, path, fields=None):
        body = urllib.parse.urlencode(fields or {}, doseq=True)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Host": "127.0.0.1"}
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1{path}"
        started = time.perf_counter()
        self.connection.request(method, path, body=body if method == "POST" else None, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        self.latencies.append(time.perf_counter() - started)
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location", ""), text

    def answer(self, plan):
        """The whole questionnaire; returns the submission's latency, or raises on anything unexpected."""
        status, _, page = self.request("GET", f"/s/{SLUG}/")
        token = CSRF_FIELD.search(page).group(1)
        steps = [
            (f"/s/{SLUG}/", {}),
            (f"/s/{SLUG}/about-you/", {"value_stream": plan["stream"], "side": plan["side"]}),
            *((f"/s/{SLUG}/questions/{n}/", fields) for n, fields in enumerate(plan["pages"], start=1)),
        ]
        for path, fields in steps:
            status, location, _ = self.request("POST", path, {"csrfmiddlewaretoken": token, **fields})
            if status != 302:
                raise RuntimeError(f"POST {path}: {status}")
        started = time.perf_counter()
        status, location, _ = self.request("POST", f"/s/{SLUG}/review/", {"csrfmiddlewaretoken": token})
        submitted = time.perf_counter() - started
        if status != 302 or not location.endswith("/thank-you/"):
            raise RuntimeError(f"submit: {status} {location}")
        return submitted

    def close(self):
        self.connection.close()


def run_level(port, clients, seconds, plans):
    stop_at = time.perf_counter() + seconds
    results = {"acknowledged": 0, "errors": [], "submit": [], "requests": []}
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(index):
        latencies, submits, done, errors = [], [], 0, []
        barrier.wait()
        n = 0
        while time.perf_counter() < stop_at:
            respondent = Respondent(port, latencies)
            try:
                submits.append(respondent.answer(plans[(index + n * clients) % len(plans)]))
                done += 1
            except Exception as error:  # noqa: BLE001 - every failure is counted and shown
                errors.append(str(error)[:200])
            finally:
                respondent.close()
            n += 1
        with lock:
            results["acknowledged"] += done
            results["errors"] += errors
            results["submit"] += submits
            results["requests"] += latencies

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results["elapsed"] = time.perf_counter() - started
    return results


def prepare_submissions(wave, plans, count):
    """`count` finished drafts with their sessions, ready for the final POST; returns the session keys."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction

    from surveys.models import Draft

    keys, drafts = [], []
    with transaction.atomic():
        for i in range(count):
            plan = plans[i % len(plans)]
            draft_key = secrets.token_hex(32)
            answers = {name.removeprefix("item-"): value for page in plan["pages"] for name, value in page.items()}
            data = {
                "answers": answers,
                "value_stream": plan["stream"],
                "side": plan["side"],
                "role": "",
                "tenure_band": "",
            }
            drafts.append(Draft(key=draft_key, wave=wave, data=data))
            session = SessionStore()
            session["survey_drafts"] = {SLUG: draft_key}
            session.create()
            keys.append(session.session_key)
        Draft.objects.bulk_create(drafts)
    return keys


def run_submissions(port, clients, seconds, session_keys):
    """Each client sends final submissions from the shared pool until it is empty or time is up."""
    pool = queue.SimpleQueue()
    for key in session_keys:
        pool.put(key)
    csrf = secrets.token_hex(16)  # 32 characters: a CSRF secret that cookie and form both carry
    stop_at = time.perf_counter() + seconds
    results = {"acknowledged": 0, "errors": [], "latencies": []}
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies, done, errors = [], 0, []
        barrier.wait()
        while time.perf_counter() < stop_at:
            try:
                key = pool.get_nowait()
            except queue.Empty:
                break
            headers = {
                "Cookie": f"sessionid={key}; csrftoken={csrf}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1/s/{SLUG}/review/",
                "Host": "127.0.0.1",
            }
            started = time.perf_counter()
            try:
                connection.request("POST", f"/s/{SLUG}/review/", body=f"csrfmiddlewaretoken={csrf}", headers=headers)
                response = connection.getresponse()
                response.read()
                latencies.append(time.perf_counter() - started)
                location = response.getheader("Location", "")
                if response.status == 302 and location.endswith("/thank-you/"):
                    done += 1
                else:
                    errors.append(f"{response.status} {location}")
            except Exception as error:  # noqa: BLE001 - every failure is counted and shown
                errors.append(str(error)[:200])
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.close()
        with lock:
            results["acknowledged"] += done
            results["errors"] += errors
            results["latencies"] += latencies

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results["elapsed"] = time.perf_counter() - started
    return results


def create_load_wave():
    """A fresh database with an open wave on the built-in instrument; returns it and 50 answer plans."""
    from django.core.management import call_command
    from django.utils import timezone

    from surveys.instrument_files import load_built_in_instrument
    from surveys.models import Organization, ValueStream, Wave

    call_command("migrate", verbosity=0)
    instrument = load_built_in_instrument().instrument
    organization = Organization.objects.create(name="Load Bank")
    streams = [ValueStream.objects.create(organization=organization, name=f"Stream {i}") for i in range(1, 6)]
    wave = Wave.objects.create(
        slug=SLUG,
        title="Load",
        organization=organization,
        instrument=instrument,
        status="open",
        opens_at=timezone.now(),
    )
    wave.value_streams.set(streams)
    pages = {}
    for item in instrument.ordered_items():
        pages.setdefault(item.theme_id, []).append(item.code)
    plans = [
        {
            "stream": streams[i % len(streams)].pk,
            "side": "biz" if i % 2 else "it",
            "pages": [
                {f"item-{code}": str(1 + (i + j) % 5) for j, code in enumerate(codes)} for codes in pages.values()
            ],
        }
        for i in range(50)
    ]
    return wave, plans


def measure(clients=(1, 8), seconds=10, submit_seconds=8, prepared=3000, port=8777, workers=None):
    """Run both load tests against `make serve`; return the figures (times in seconds).

    Sets up Django in this process on the load test's own database, so call it once per process.
    """
    OUT.mkdir(parents=True, exist_ok=True)
    for path in OUT.glob("submit.sqlite3*"):
        path.unlink()
    environment = serve_environment(port)
    os.environ.update(
        {key: environment[key] for key in ("DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE")}
    )
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()
    from django.db import connection

    from surveys.models import Response

    wave, plans = create_load_wave()
    connection.close()  # the server's workers are the ones writing from here on
    server = start_server(environment, port, workers)
    figures = {"workers": gunicorn_workers(), "questionnaires": [], "submissions": []}
    try:
        stored_before = 0

        def stored_since():
            nonlocal stored_before
            stored = Response.objects.filter(wave=wave).count() - stored_before
            stored_before += stored
            connection.close()
            return stored

        # Each worker's first requests load templates and translations: not what is measured here.
        run_level(port, max(clients), WARM_UP_SECONDS, plans)
        stored_since()
        for count in clients:
            cpu = server_cpu_seconds(server)
            results = run_level(port, count, seconds, plans)
            cpu = server_cpu_seconds(server) - cpu
            figures["questionnaires"].append(
                {
                    "clients": count,
                    "per_second": results["acknowledged"] / results["elapsed"],
                    "submit_p50": percentile(results["submit"], 50),
                    "submit_p99": percentile(results["submit"], 99),
                    "request_p50": statistics.median(results["requests"]) if results["requests"] else float("nan"),
                    "request_p99": percentile(results["requests"], 99),
                    "errors": len(results["errors"]),
                    "error_samples": sorted(set(results["errors"]))[:5],
                    "acknowledged": results["acknowledged"],
                    "stored": stored_since(),
                    "seconds": results["elapsed"],
                    "server_cpu_per_response": cpu / max(results["acknowledged"], 1),
                }
            )
        for count in clients:
            keys = prepare_submissions(wave, plans, prepared)
            connection.close()
            cpu, client_cpu = server_cpu_seconds(server), time.process_time()
            results = run_submissions(port, count, submit_seconds, keys)
            cpu, client_cpu = server_cpu_seconds(server) - cpu, time.process_time() - client_cpu
            figures["submissions"].append(
                {
                    "clients": count,
                    "per_second": results["acknowledged"] / results["elapsed"],
                    "p50": percentile(results["latencies"], 50),
                    "p99": percentile(results["latencies"], 99),
                    "errors": len(results["errors"]),
                    "error_samples": sorted(set(results["errors"]))[:5],
                    "acknowledged": results["acknowledged"],
                    "stored": stored_since(),
                    "seconds": results["elapsed"],
                    "server_cpu_per_submission": cpu / max(results["acknowledged"], 1),
                    "client_cpu_per_submission": client_cpu / max(results["acknowledged"], 1),
                }
            )
    finally:
        stop_server(server)
    return figures


def print_figures(figures):
    ms = 1000
    print(f"make serve: gunicorn with {figures['workers']} workers, SQLite, DEBUG off, 127.0.0.1")
    print(
        f"{'clients':>8}{'responses/s':>13}{'submit p50':>12}{'submit p99':>12}"
        f"{'request p50':>13}{'request p99':>13}{'errors':>8}{'stored':>14}{'server CPU':>12}"
    )
    for row in figures["questionnaires"]:
        print(
            f"{row['clients']:>8}{row['per_second']:>13.1f}"
            f"{row['submit_p50'] * ms:>10.0f}ms{row['submit_p99'] * ms:>10.0f}ms"
            f"{row['request_p50'] * ms:>11.0f}ms{row['request_p99'] * ms:>11.0f}ms"
            f"{row['errors']:>8}{row['stored']:>7}/{row['acknowledged']:<6}"
            f"{row['server_cpu_per_response'] * ms:>10.1f}ms"
        )
        report_problems(row)
    print("\nThe final submission alone (drafts prepared beforehand):")
    print(
        f"{'clients':>8}{'submits/s':>12}{'p50':>9}{'p99':>9}{'errors':>8}{'stored':>14}"
        f"{'server CPU':>12}{'client CPU':>12}"
    )
    for row in figures["submissions"]:
        print(
            f"{row['clients']:>8}{row['per_second']:>12.1f}{row['p50'] * ms:>7.0f}ms{row['p99'] * ms:>7.0f}ms"
            f"{row['errors']:>8}{row['stored']:>7}/{row['acknowledged']:<6}"
            f"{row['server_cpu_per_submission'] * ms:>10.1f}ms{row['client_cpu_per_submission'] * ms:>10.1f}ms"
        )
        report_problems(row)


def report_problems(row):
    for error in row["error_samples"]:
        print(f"    error: {error}")
    if row["stored"] != row["acknowledged"]:
        print("    MISMATCH: the database does not hold exactly the acknowledged responses")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--seconds", type=float, default=10, help="per level, for the whole-questionnaire table")
    parser.add_argument("--submit-seconds", type=float, default=8, help="per level, for the submission-only table")
    parser.add_argument("--prepared", type=int, default=3000, help="finished drafts per level for that table")
    parser.add_argument("--port", type=int, default=8777)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: the Makefile's)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures = measure(args.clients, args.seconds, args.submit_seconds, args.prepared, args.port, args.workers)
    if args.json:
        print(json.dumps(figures))
    else:
        print_figures(figures)


if __name__ == "__main__":
    main()
