"""`make serve` in a test: its environment, its manage.py steps and a real gunicorn, all on a throwaway SQLite file.

The environment is read from the Makefile's `serve: export NAME = value` lines, so a test runs
with exactly the settings `make serve` sets (DEBUG off, its cache, …); only the secret key, the
database and the static files' directory are the test's own.
"""

import os
import re
import secrets
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAKEFILE = ROOT / "Makefile"
GUNICORN_CONFIG = "alignsurvey/gunicorn_conf.py"


def serve_exports():
    """{name: value} of the variables the Makefile's `serve` target exports."""
    return dict(re.findall(r"^serve: export (\w+) \??= (.*)$", MAKEFILE.read_text(), re.MULTILINE))


def serve_environment(directory):
    """The environment of `make serve`, with its database and collected static files in `directory`."""
    exported = serve_exports()
    # Nothing of this process's own settings (pytest sets DJANGO_SETTINGS_MODULE, for one) leaks in.
    ours = ("DJANGO_", "SECURE", "DATABASE_", "ALLOWED_HOSTS", "STATIC_ROOT", "SECRET_KEY", *exported)
    environment = {key: value for key, value in os.environ.items() if not key.startswith(ours)}
    environment.update(exported)
    environment.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{directory / 'db.sqlite3'}",
        STATIC_ROOT=str(directory / "static"),
    )
    return environment


def manage(environment, *arguments):
    """Run a manage.py command the way the Makefile does; return its standard output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, f"manage.py {' '.join(arguments)}:\n{result.stdout}{result.stderr}"
    return result.stdout


def prepare(environment, static=True):
    """The steps of `make serve` before gunicorn starts: the database, its cache table, the static files."""
    manage(environment, "migrate", "--noinput")
    manage(environment, "createcachetable")
    if static:
        manage(environment, "collectstatic", "--noinput", "--verbosity", "0")


@dataclass
class Served:
    url: str
    stdout_path: Path
    stderr_path: Path

    @property
    def access_log(self):
        return self.stdout_path.read_text()

    @property
    def error_log(self):
        return self.stderr_path.read_text()


@contextmanager
def gunicorn(environment, directory, workers=1):
    """gunicorn as `make serve` runs it, on a free port of 127.0.0.1; its output is kept in `directory`.

    The logs are complete once the block has ended (gunicorn has stopped).
    """
    served = Served("", directory / "gunicorn.out", directory / "gunicorn.err")
    with served.stdout_path.open("w") as stdout, served.stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "alignsurvey.wsgi", "--config", GUNICORN_CONFIG]
            + ["--bind", "127.0.0.1:0", "--workers", str(workers)],
            cwd=ROOT,
            env=environment,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            log = served.error_log
            listening = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", log)
            if listening and log.count("Booting worker") >= workers:
                served.url = listening.group(1)
                break
            time.sleep(0.05)
        assert served.url, f"gunicorn did not start:\n{served.error_log}"
        yield served
    finally:
        process.terminate()
        process.wait(timeout=30)
