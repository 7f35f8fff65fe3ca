"""Fixtures of the survey tests."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate limits count in the cache: one test's failed lookups must not refuse another test's."""
    cache.clear()
    yield
    cache.clear()
