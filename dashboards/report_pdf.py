"""The shared report as a PDF, made on the server with WeasyPrint and without any network.

WeasyPrint lays out the same HTML the report's page shows (with its print stylesheet) through
Debian's Pango; the charts are inline SVG (`svg_charts`). It would fetch every URL the HTML names,
so it gets a fetcher that serves our own static files from disk and refuses everything else: a
user-typed name can never make the server open a URL, and a closed network is never asked.

The output is deterministic: no creation date is written (the document carries no
`dcterms.created`), so the same report gives the same bytes, and the swap test of hidden groups
can compare PDFs as it compares pages.
"""

from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation

# The address the document's links resolve against: the reserved top-level domain .invalid never
# resolves, so even a fetch that got past the fetcher could reach nobody.
BASE_URL = "https://alignsurvey.invalid/"


class RefusedURL(ValueError):
    """WeasyPrint asked for something other than one of our static files."""


def static_path(url):
    """The file on disk behind one of our static URLs; RefusedURL for any other URL."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(static_prefix):
        raise RefusedURL(f"The PDF report fetches only its own static files, not {url!r}.")
    name = unquote(parts.path[len(static_prefix) :])
    try:
        # Collected (`make serve`: hashed names under STATIC_ROOT), else found in the sources.
        if staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
        found = finders.find(name)
    except SuspiciousFileOperation as error:  # "../" out of the static directories
        raise RefusedURL(f"Not a static file: {url!r}.") from error
    if not isinstance(found, str):  # None, or [None] when a finder answers None for "not here"
        raise RefusedURL(f"No such static file: {url!r}.")
    return found


def static_files_only():
    """A WeasyPrint URL fetcher that reads our static files and refuses any other URL."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = static_path(url)
            with open(path, "rb") as file:
                body = file.read()
            content_type = "text/css" if path.endswith(".css") else "application/octet-stream"
            return URLFetcherResponse(url, body, headers={"Content-Type": content_type})

    return StaticFilesOnly()


def html_to_pdf(html):
    """The PDF of a report page's HTML (a str), as bytes.

    WeasyPrint is imported here, not at the top: without Debian's Pango it cannot load, and that
    should cost the PDF only, not every page of the site.
    """
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=static_files_only()).write_pdf()
