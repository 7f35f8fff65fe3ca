"""Reading pages for their language: shared by the respondents' and the staff pages' language tests.

The catalogues are compiled first (the suite may run without `make`), each test leaves English
active behind it, and a page is read as its visible text nodes, cut where one node holds several
messages.
"""

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from alignsurvey.translations import compile_translations


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """The suite may run without `make`: compile the catalogues, and have Django load them afresh
    (changing LOCALE_PATHS, even to the same value, drops Django's cached catalogues)."""
    compile_translations(settings.LOCALE_PATHS)
    with override_settings(LOCALE_PATHS=list(settings.LOCALE_PATHS)):
        yield


@pytest.fixture(autouse=True)
def default_language_afterwards():
    """A request activates its language in this thread; leave English for the tests after this one."""
    yield
    translation.deactivate()


class _TextNodes(HTMLParser):
    """The visible text nodes of a page (not scripts, styles or attributes), whitespace collapsed."""

    def __init__(self):
        super().__init__()
        self.nodes, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style"}:
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in {"script", "style"} and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._hidden:
            self.nodes.append(text)


def text_nodes(reply):
    parser = _TextNodes()
    parser.feed(reply.content.decode())
    return parser.nodes


# Where one text node holds several messages ("Step 2 of 8 · 3 of 24 questions answered", two
# sentences from two templates tags): after a sentence, and around a middle dot or a dash.
MESSAGE_BOUNDARY = re.compile(r"(?<=[.!?:;])\s+|\s+[·—–]\s+")


def page_language(reply):
    return re.search(r'<html lang="([^"]*)"', reply.content.decode()).group(1)
