"""The rate limit's counts with `make serve`'s settings: one count for all server processes."""

import json
import subprocess
import sys

from tests.make_serve import ROOT, manage, serve_environment

# Counts `events` failed lookups for one address; prints the window they fell in and whether the limit is reached.
SCRIPT = """
import json, time
from django.test import RequestFactory
from accounts.secret_links import INVITATION_LOOKUPS as limit
request = RequestFactory().get("/i/unknown/", REMOTE_ADDR="203.0.113.7")
for _ in range({events}):
    limit.count(request)
print(json.dumps([int(time.time() // limit.window_seconds), limit.exceeded(request)]))
"""


def count_in_a_new_process(environment, events):
    command = [sys.executable, "manage.py", "shell", "--no-imports", "-c", SCRIPT.format(events=events)]
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_two_server_processes_of_make_serve_count_failed_lookups_together(tmp_path):
    environment = serve_environment(tmp_path)
    manage(environment, "createcachetable")  # as the serve target does
    for _ in range(2):  # a second time only if a minute's window ended between the two processes
        first_window, first_refuses = count_in_a_new_process(environment, 19)
        second_window, second_refuses = count_in_a_new_process(environment, 1)
        if first_window == second_window:
            break
    assert (first_refuses, second_refuses) == (False, True)
