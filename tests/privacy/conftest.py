"""Privacy attacks: what an insider, or anyone with a link, can learn by using the application."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits count in the cache: one test's failed lookups must not refuse another test's."""
    cache.clear()
    yield
    cache.clear()
