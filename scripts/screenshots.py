"""Screenshots of AlignSurvey for the README and the docs, taken from a fresh demo in a real browser.

    .venv/bin/python scripts/screenshots.py [--output docs/screenshots]   (or: make screenshots)

Builds a throwaway SQLite database in a temporary directory (never touches db.sqlite3), migrates
it, seeds the demo with a fixed seed, serves it with `runserver` on a free port of 127.0.0.1 and
photographs the respondent's pages on a phone (375×667), the staff pages on a desktop (1280×900)
and the radiator on a wall screen (1920×1080), with Debian's chromium through Playwright; the
first page of the organization's PDF report is rendered to PNG with poppler's pdftoppm. The
file names are fixed, so a new run replaces the images in place. The data are the same on every
run; dates follow the day of the run.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PDFTOPPM = "/usr/bin/pdftoppm"
PDF_DPI = 110  # an A4 page 910 pixels wide: readable in the README, not too heavy
RESPONSES = 600
SEED = 8  # any fixed seed: the same answers, so the same charts, on every run
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}
WALL = {"width": 1920, "height": 1080}
STREAM = "Financing applications"  # the demo's widest Biz–IT gaps
HIGHLIGHTS_STREAM = "Investing and pension applications"  # gaps both ways, cancelling in a dimension, agreement
SERVER_TIMEOUT = 60  # seconds for runserver to answer
CHART_TIMEOUT = 30_000  # ms; plotly.min.js is large and the first draw parses it


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_database(database_dir):
    """Migrate a new SQLite database and seed the demo; return what the pages need."""
    os.environ["DATABASE_URL"] = f"sqlite:///{database_dir / 'screenshots.sqlite3'}"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from dashboards.models import RadiatorLink
    from surveys.demo import seed_demo

    call_command("migrate", interactive=False, verbosity=0)
    demo = seed_demo(responses=RESPONSES, seed=SEED)
    stream = demo.wave.value_streams.get(name=STREAM)
    manager = get_user_model().objects.get(username=demo.username)
    _, radiator_token = RadiatorLink.create(stream, manager, "Team room")
    return {
        "wave": demo.wave.slug,
        "stream": stream.pk,
        "highlights_stream": demo.wave.value_streams.get(name=HIGHLIGHTS_STREAM).pk,
        "username": demo.username,
        "password": demo.password,
        "radiator_token": radiator_token,
    }


def start_server(port, log):
    """`runserver` in its own process, on the same database (DATABASE_URL is in the environment)."""
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + SERVER_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"runserver stopped (exit code {server.returncode}); its output is above")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError(f"runserver did not answer within {SERVER_TIMEOUT} s")


def wait_for_charts(page):
    from playwright.sync_api import expect

    charts = page.locator(".chart")
    for index in range(charts.count()):
        expect(charts.nth(index)).to_have_class(re.compile(r"\bchart-drawn\b"), timeout=CHART_TIMEOUT)


def shoot(page, output, name, full_page=False):
    """A PNG of the page's viewport (or the whole page), or of one element when given a locator."""
    path = output / f"{name}.png"
    options = {} if hasattr(page, "nth") else {"full_page": full_page}  # a Locator has nth()
    page.screenshot(path=path, animations="disabled", caret="hide", **options)
    print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({path.stat().st_size // 1024} KB)")


def pdf_page(pdf, output, name):
    """Page 1 of a PDF as `name`.png, drawn by pdftoppm."""
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "report.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [PDFTOPPM, "-png", "-r", str(PDF_DPI), "-f", "1", "-l", "1", "-singlefile", source, output / name],
            check=True,
        )
    path = output / f"{name}.png"
    print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} ({path.stat().st_size // 1024} KB)")


def take_screenshots(base, demo, output):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        phone = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="en-GB")
        page = phone.new_page()
        page.goto(f"{base}/s/{demo['wave']}/")
        shoot(page, output, "respondent-intro-phone")
        page.get_by_role("button", name="Start the questionnaire").click()
        page.get_by_label("Which value stream do you work in?").select_option(label=STREAM)
        page.get_by_label("Business", exact=True).check()
        page.get_by_role("button", name="Next").click()
        page.locator("main form fieldset").first.get_by_label("Somewhat agree").check()
        page.get_by_role("heading", level=1).click()  # the focus ring off the radio: the page as read
        page.mouse.wheel(0, -2000)
        shoot(page, output, "respondent-theme-page-phone")
        phone.close()

        desktop = browser.new_context(viewport=DESKTOP, device_scale_factor=1, locale="en-GB")
        page = desktop.new_page()
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Username").fill(demo["username"])
        page.get_by_label("Password").fill(demo["password"])
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Dashboards")
        wave = f"{base}/dashboard/waves/{demo['wave']}"
        for name, url in [
            ("organization-view", f"{wave}/organization/"),
            ("value-stream-radar", f"{wave}/streams/{demo['stream']}/"),
            ("items", f"{wave}/items/"),
            ("exports", f"{base}/exports/"),
        ]:
            page.goto(url)
            wait_for_charts(page)
            if name in ("organization-view", "value-stream-radar"):
                # The radar from the top of the level switch: the highlights above it have their own picture.
                switch = page.get_by_role("group", name="Compare by")
                switch.evaluate("element => element.scrollIntoView({behavior: 'instant'})")
                page.mouse.move(0, 0)  # no hover: plotly's toolbar stays hidden
            shoot(page, output, name)
        # The highlights of the value stream above its radar and gap table.
        page.goto(f"{wave}/streams/{demo['highlights_stream']}/")
        wait_for_charts(page)
        page.locator("section.highlights").scroll_into_view_if_needed()
        shoot(page, output, "highlights")
        # The item drivers of one theme in the value stream, under its Likert bars.
        page.goto(f"{wave}/items/?value_stream={demo['stream']}")
        wait_for_charts(page)
        page.mouse.move(0, 0)  # no hover: plotly's toolbar stays hidden
        shoot(page.locator("section", has=page.locator("table.item-drivers")).first, output, "item-drivers")
        # The report to share: its PDF as the change manager downloads it, page 1 as a picture.
        reply = page.request.get(f"{wave}/report.pdf")
        assert reply.ok and reply.headers["content-type"] == "application/pdf", reply.status
        pdf_page(reply.body(), output, "report-pdf-page")
        desktop.close()

        # The same value stream for a change manager whose browser asks for German.
        german = browser.new_context(viewport=DESKTOP, device_scale_factor=1, locale="de-CH")
        page = german.new_page()
        page.goto(f"{base}/accounts/login/")
        page.locator("input[name=username]").fill(demo["username"])
        page.locator("input[name=password]").fill(demo["password"])
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{base}/dashboard/")
        page.goto(f"{wave}/streams/{demo['stream']}/")
        wait_for_charts(page)
        # The gap table, with its decimal commas, below the radar.
        page.locator("table.gap-table").scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        shoot(page, output, "value-stream-german")
        german.close()

        # A wall screen: no login, and the full-HD screen the radiator's large type is made for.
        wall = browser.new_context(viewport=WALL, device_scale_factor=1, locale="en-GB")
        page = wall.new_page()
        page.goto(f"{base}/radiator/{demo['radiator_token']}/")
        wait_for_charts(page)
        shoot(page, output, "radiator")
        wall.close()
        browser.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "screenshots", help="where the PNGs go")
    args = parser.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"Debian's chromium is needed at {CHROMIUM} (apt-get install chromium).")
    if not os.access(PDFTOPPM, os.X_OK):
        sys.exit(f"poppler's pdftoppm is needed at {PDFTOPPM} (apt-get install poppler-utils).")
    output = args.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "alignsurvey.settings"
    os.environ["DJANGO_DEBUG"] = "1"  # runserver serves the static files only when debugging
    with tempfile.TemporaryDirectory(prefix="alignsurvey-screenshots-") as directory:
        print(f"Seeding the demo ({RESPONSES} responses) in a throwaway database …")
        demo = prepare_database(Path(directory))
        port = free_port()
        with open(Path(directory) / "runserver.log", "w+") as log:
            server = None
            try:
                server = start_server(port, log)
                print(f"Taking screenshots into {output} …")
                take_screenshots(f"http://127.0.0.1:{port}", demo, output)
            except BaseException:
                log.seek(0)
                sys.stderr.write(log.read())
                raise
            finally:
                if server is not None:
                    server.terminate()
                    server.wait(timeout=10)


if __name__ == "__main__":
    main()
