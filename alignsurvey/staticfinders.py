"""plotly.js as a static file, straight from the installed `plotly` package.

The dashboards must work without network access, and a vendored copy in the repository would
drift from the Python package that builds the figures. This finder serves exactly one file of
the package, `plotly/plotly.min.js`, to `runserver`, WhiteNoise and `collectstatic` alike.
"""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_JS = "plotly/plotly.min.js"
PACKAGE_DATA = Path(plotly.__file__).resolve().parent / "package_data"


class PlotlyJsFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=PACKAGE_DATA)
        self.storage.prefix = "plotly"  # collectstatic puts it at STATIC_ROOT/plotly/plotly.min.js

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        find_all = find_all or kwargs.get("all", False)  # Django < 6 may still pass `all`
        if path != PLOTLY_JS:
            return [] if find_all else None
        found = str(PACKAGE_DATA / "plotly.min.js")
        return [found] if find_all else found

    def list(self, ignore_patterns):
        yield "plotly.min.js", self.storage
