"""Settings for the test suite: development defaults, everything else as in production.

The environment is set before importing the real settings, so DATABASE_URL still chooses the
database (the suite runs on SQLite and on PostgreSQL).
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")  # plain static storage: pages render without collectstatic
os.environ.setdefault("SECRET_KEY", "test-only-secret-key")

from alignsurvey.settings import *  # noqa: E402,F403

# Fast hashing: the suite creates users; production keeps the strong default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
