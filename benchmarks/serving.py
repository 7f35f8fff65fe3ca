"""`make serve` for the load test (bench_submit.py): started in its own process group on its own
SQLite file under benchmarks/out/, its CPU time read from /proc, stopped by its process group."""

import http.client
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
DATABASE = OUT / "submit.sqlite3"
SERVER_LOG = OUT / "serve.log"


def serve_environment(port):
    """What `make serve` gets: the load test's own database, a throwaway key, 127.0.0.1 only."""
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{DATABASE}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "HOST_PORT": f"127.0.0.1:{port}",
        "DJANGO_SETTINGS_MODULE": "alignsurvey.settings",
    }


def start_server(environment, port, workers=None):
    """`make serve` in its own process group (make, its shell, gunicorn and the workers); waits until it answers."""
    command = ["make", "--no-print-directory", "serve"]
    if workers:
        command.append(f"WORKERS={workers}")
    log = SERVER_LOG.open("w")
    # The access log goes to stdout: thousands of lines, not wanted here. Errors stay in the log file.
    server = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True
    )
    deadline = time.monotonic() + 120  # migrate, collectstatic and the workers' start on a busy machine
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"make serve stopped (exit {server.returncode}); see {SERVER_LOG}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/accounts/login/", headers={"Host": "127.0.0.1"})
            connection.getresponse().read()
            connection.close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        stop_server(server)
        raise RuntimeError(f"make serve did not answer on port {port}; see {SERVER_LOG}")
    time.sleep(1)  # the other workers finish booting
    return server


def stop_server(server):
    """SIGTERM to the process group this script started for `make serve` (gunicorn shuts down gracefully)."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def server_cpu_seconds(server):
    """CPU time (user + system) used so far by the processes of `make serve`'s process group."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that ended meanwhile
        if int(fields[2]) == server.pid:  # fields[2] is the process group
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def gunicorn_workers():
    """How many workers gunicorn booted, from its log."""
    return SERVER_LOG.read_text().count("Booting worker")
