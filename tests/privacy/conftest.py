"""Privacy attacks: what an insider, or anyone with a link, can learn by using the application."""

import pytest
from django.core.management import call_command

from tests.make_serve import serve_exports


@pytest.fixture
def serve_cache(db, settings):
    """The cache `make serve` sets up (read from the Makefile), its table made as the serve target makes it.

    Returns the table's name.
    """
    exported = serve_exports()
    settings.CACHES = {
        "default": {"BACKEND": exported["DJANGO_CACHE_BACKEND"], "LOCATION": exported["DJANGO_CACHE_LOCATION"]}
    }
    call_command("createcachetable")
    return exported["DJANGO_CACHE_LOCATION"]
