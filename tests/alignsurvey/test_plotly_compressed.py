"""`make serve` sends plotly.js compressed: collectstatic writes a gzip copy beside it, and WhiteNoise
serves that copy to any browser that accepts gzip (about a third of the bytes)."""

import json
import urllib.request

from tests.make_serve import gunicorn, manage, serve_environment


def test_make_serve_sends_plotly_gzipped(tmp_path):
    environment = serve_environment(tmp_path)
    manage(environment, "collectstatic", "--noinput", "--verbosity", "0")  # as `make serve`; no database needed
    static = tmp_path / "static"
    name = json.loads((static / "staticfiles.json").read_text())["paths"]["plotly/plotly.min.js"]
    plain, gzipped = static / name, static / f"{name}.gz"
    assert gzipped.exists()
    assert gzipped.stat().st_size < plain.stat().st_size / 3

    with gunicorn(environment, tmp_path) as server:
        request = urllib.request.Request(f"{server.url}/static/{name}", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as reply:
            body = reply.read()
            assert reply.headers["Content-Encoding"] == "gzip"
            assert len(body) == gzipped.stat().st_size
            assert "immutable" in reply.headers["Cache-Control"]  # a hashed name: cached for good
