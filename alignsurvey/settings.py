"""AlignSurvey settings.

Everything that differs between a laptop and production comes from environment variables
(12-factor); the defaults are safe for development only. ENVIRONMENT below lists every variable
read here, and each is read through `env`, `env_bool`, `env_int` or `env_list`: they refuse a
variable that is not listed, and a value they cannot read, naming the variable and what it
accepts. A typo must never turn a security setting off.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# Every environment variable these settings read, with what it decides. The defaults are in the
# code that reads it, below; tests/alignsurvey/test_settings.py checks that this list is complete.
ENVIRONMENT = {
    "DJANGO_DEBUG": "development mode (debug pages, console e-mail, no HTTPS rules); never on a real host",
    "SECRET_KEY": "the key for sessions, CSRF, and the keyed hashes of e-mail addresses and client addresses",
    "ALLOWED_HOSTS": "the host names the site answers to, comma-separated",
    "DATABASE_URL": "the database, as a URL (sqlite:///path or postgres://user:password@host:port/name)",
    "DATABASE_CONN_MAX_AGE": "seconds a server process keeps its database connection (0: one per request)",
    "PROXY_COUNT": "how many trusted proxies stand in front of the app (client address for rate limits)",
    "TIME_ZONE": "the time zone of the dates and times shown and entered",
    "STATIC_ROOT": "where collectstatic writes the static files",
    "DJANGO_CACHE_BACKEND": "the cache's backend (a shared one for several server processes)",
    "DJANGO_CACHE_LOCATION": "the cache's location (for the database cache: its table)",
    "SECURE_SSL_REDIRECT": "redirect HTTP to HTTPS",
    "SECURE_COOKIES": "send the session, CSRF and language cookies over HTTPS only",
    "SECURE_HSTS_SECONDS": "HSTS: how long browsers must use HTTPS only (0: no HSTS header)",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "HSTS also for the subdomains",
    "SECURE_HSTS_PRELOAD": "HSTS: allow the browsers' preload lists",
    "BEHIND_TLS_PROXY": "trust X-Forwarded-Proto: https from the proxy that ends TLS",
    "CSRF_TRUSTED_ORIGINS": "origins trusted for form posts across origins, comma-separated with scheme",
    "EMAIL_BACKEND": "how e-mail is sent (Django e-mail backend)",
    "EMAIL_HOST": "the SMTP server",
    "EMAIL_PORT": "the SMTP server's port",
    "EMAIL_HOST_USER": "the SMTP login",
    "EMAIL_HOST_PASSWORD": "the SMTP password",
    "EMAIL_USE_TLS": "SMTP with STARTTLS",
    "DEFAULT_FROM_EMAIL": "the sender of invitations and reminders",
    "HOST_PORT": "where `make run` serves (host:port); in development the demo's printed links and `invite` use it",
}
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def env(name, default=None):
    """The value of the environment variable `name` (one of ENVIRONMENT), or `default` when it is not set."""
    if name not in ENVIRONMENT:
        raise ImproperlyConfigured(f"The settings read {name}, which ENVIRONMENT does not list.")
    return os.environ.get(name, default)


def env_bool(name, default=False):
    """On or off: one of TRUE_WORDS or FALSE_WORDS, in any case; `default` when not set. Anything
    else, an empty value too, is refused: a typo must never turn a security setting off."""
    value = env(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is neither on nor off. Accepted: {', '.join(TRUE_WORDS)} (on) or "
        f"{', '.join(FALSE_WORDS)} (off), in any case."
    )


def env_int(name, default):
    """A whole number of 0 or more; `default` when not set."""
    value = env(name)
    if value is None:
        return default
    if not (value.strip().isascii() and value.strip().isdigit()):
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number of 0 or more.")
    return int(value)


def env_list(name, default=""):
    """A comma-separated list; blanks around and between the commas are dropped."""
    return [part.strip() for part in env(name, default).split(",") if part.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment, or set DJANGO_DEBUG=1 for development."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",  # Bootstrap 5 CSS/JS from the django-bootstrap-static package: no CDN
    "alignsurvey",  # the project's own commands (compile_translations); no models, imports no app
    "surveys",
    "assessments",
    "dashboards",
    "accounts",
    "exports",
    "axes",  # login throttling
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "accounts.middleware.AdminInEnglish",  # after LocaleMiddleware, which it overrules for the admin
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "alignsurvey.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "alignsurvey.wsgi.application"
ASGI_APPLICATION = "alignsurvey.asgi.application"

database_url = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
if not database_url.strip():
    raise ImproperlyConfigured("DATABASE_URL is empty: leave it unset for SQLite in db.sqlite3, or give a URL.")
DATABASES = {"default": dj_database_url.parse(database_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer writes; IMMEDIATE takes the write lock at the
    # start of a transaction, so two concurrent submissions queue up (for up to `timeout`
    # seconds) instead of failing with "database is locked" half-way through.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Each server process keeps its connection: opening one costs more than a whole page's
    # queries (Django registers its SQL functions and runs the PRAGMAs above), and closing the
    # last one checkpoints the WAL. A connection to a file is only a file handle, so there is
    # nothing to pool or exhaust; the development server still closes it after each request.
    if env("DATABASE_CONN_MAX_AGE") is None:
        DATABASES["default"]["CONN_MAX_AGE"] = 600

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes: after 5 failed logins for one user name from one address, that pair waits an hour.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
PROXY_COUNT = env_int("PROXY_COUNT", 0)  # trusted proxies in front of the app
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"

# Argon2 first: new and changed passwords get it; older hashes are upgraded at the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]  # each named in its own language
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Europe/Zurich")
USE_I18N = True
FORMAT_MODULE_PATH = ["alignsurvey.formats"]  # English dates day-month-year (alignsurvey/formats/)
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", BASE_DIR / "staticfiles"))  # where collectstatic writes
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "alignsurvey.staticfinders.PlotlyJsFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:start"  # the pages of the person's role

# The dashboards cache each wave's computed figures (small: they do not grow with the responses).
# The default keeps them per process; with several server processes, point every one at one
# shared cache (see docs/administrators.md, "Cache") so that a wave is computed once, not once per process.
CACHES = {
    "default": {
        "BACKEND": env("DJANGO_CACHE_BACKEND", "django.core.cache.backends.locmem.LocMemCache"),
        "LOCATION": env("DJANGO_CACHE_LOCATION", "alignsurvey"),
    }
}

# Logs: only to the process's stderr (the process manager or container keeps it), never to a file.
# Server errors are written with their traceback also with DEBUG off (with DEBUG on, Django's own
# console handler shows them). The request logs keep no line about a respondent's request and no
# secret token of a link (alignsurvey/log_redaction.py); gunicorn's access log follows the same
# rules (alignsurvey/gunicorn_conf.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_privacy": {"()": "alignsurvey.log_redaction.RequestLogPrivacy"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        # runserver's request log as Django sets it up: naming the logger here replaces its set-up.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "errors": {"class": "logging.StreamHandler", "level": "ERROR", "filters": ["require_debug_false"]},
        "django.server": {"class": "logging.StreamHandler", "level": "INFO", "formatter": "django.server"},
    },
    "loggers": {
        "django.request": {"handlers": ["errors"], "filters": ["request_privacy"]},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["request_privacy"],
        },
    },
}

# --- Transport and browser security --------------------------------------------------------
# On by default in production (DJANGO_DEBUG off); each can be turned off by its variable, e.g.
# when TLS ends at a proxy that already redirects. `manage.py check --deploy` passes with the defaults.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True  # no script of ours reads the token; forms carry it
# The respondent's chosen language: set by a form post and read by the server only.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
if env_bool("BEHIND_TLS_PROXY"):
    # Only behind a proxy that sets this header itself: otherwise a client could claim HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline.
# Styles allow 'unsafe-inline' because plotly.js sets style attributes on the charts it draws.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# E-mail (personal invitations and reminders): the console in development, SMTP in production.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "AlignSurvey <survey@localhost>")


def development_base_url(host_port):
    """The address of `manage.py runserver HOST_PORT` in a link: "8080", "127.0.0.1:8080",
    "0.0.0.0:8080" or "[::]:8080". A server listening on every address is reached at 127.0.0.1."""
    host, _, port = host_port.strip().rpartition(":")
    host = host.strip("[]")
    if not (port.isascii() and port.isdigit()):
        raise ImproperlyConfigured(f"HOST_PORT={host_port!r} does not end in a port, e.g. 127.0.0.1:8000.")
    if host in ("", "0", "0.0.0.0", "::"):
        host = "127.0.0.1"
    elif ":" in host:  # an IPv6 address
        host = f"[{host}]"
    return f"http://{host}:{port}"


# Where development links point when no --base-url is given: `make run HOST_PORT=...` passes its
# address on, so the demo's printed links and `invite` point at the server that was started.
DEVELOPMENT_BASE_URL = development_base_url(env("HOST_PORT", "127.0.0.1:8000"))

# Sessions live in the database so that any app server can continue a respondent's draft; the
# store keeps the day, not the second, each session was saved (the save at a submission would date it).
SESSION_ENGINE = "alignsurvey.sessions"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14  # two weeks to come back to an unfinished questionnaire
LANGUAGE_COOKIE_AGE = SESSION_COOKIE_AGE  # the chosen language lasts as long as the draft
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
