# Two commands: `make run` sets everything up and serves the demo; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST_PORT ?= 127.0.0.1:8000

.PHONY: run serve test install install-dev migrate lint clean translations screenshots bench docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The .mo catalogues are built, not committed: compiled with polib (no GNU gettext needed),
# only where a .po changed; a fuzzy or untranslated entry stops the build.
translations: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py compile_translations

run: export DJANGO_DEBUG ?= 1
run: install translations
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_instrument
	HOST_PORT=$(HOST_PORT) $(BIN)/python manage.py seed_demo --once
	$(BIN)/python manage.py runserver $(HOST_PORT)

# A production-like server on this machine: gunicorn, DEBUG off, static files collected and
# served by WhiteNoise. Plain HTTP on 127.0.0.1, so the HTTPS-only settings are turned off here
# (never do that on a real host). The secret key is made once and kept in .secret_key. gunicorn's
# settings, an access log that keeps respondents out among them, are in alignsurvey/gunicorn_conf.py.
serve: export DJANGO_DEBUG = 0
serve: export ALLOWED_HOSTS ?= 127.0.0.1,localhost
serve: export SECURE_SSL_REDIRECT = 0
serve: export SECURE_COOKIES = 0
serve: export SECURE_HSTS_SECONDS = 0
# One cache for all workers, and for several app servers over one PostgreSQL: a table in the
# database (manage.py createcachetable), so the rate limit counts once for all of them and a wave's
# figures are computed once. Its entries expire on a day boundary (alignsurvey/cache.py).
serve: export DJANGO_CACHE_BACKEND ?= alignsurvey.cache.DayExpiryDatabaseCache
serve: export DJANGO_CACHE_LOCATION ?= alignsurvey_cache
# Workers: SQLite lets one writer in at a time, and a worker that finds the database locked naps
# in growing steps (up to 100 ms) before it tries again, so workers beyond one per core add naps,
# not throughput: at 8 concurrent submitting clients on 2 cores, 5 workers gave p99 170-240 ms,
# 2 workers 50-80 ms at the same rate (docs/changelog.md, 2026-11-25). PostgreSQL queues writers without
# naps: there, gunicorn's usual 2 × cores + 1.
serve: WORKERS ?= $(if $(filter sqlite%,$(or $(DATABASE_URL),sqlite)),$(shell nproc),$(shell echo $$(( 2 * $$(nproc) + 1 ))))
serve: install translations .secret_key
	SECRET_KEY=$${SECRET_KEY:-$$(cat .secret_key)} $(BIN)/python manage.py migrate --noinput
	SECRET_KEY=$${SECRET_KEY:-$$(cat .secret_key)} $(BIN)/python manage.py createcachetable
	SECRET_KEY=$${SECRET_KEY:-$$(cat .secret_key)} $(BIN)/python manage.py load_instrument
	SECRET_KEY=$${SECRET_KEY:-$$(cat .secret_key)} $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	SECRET_KEY=$${SECRET_KEY:-$$(cat .secret_key)} $(BIN)/gunicorn alignsurvey.wsgi --bind $(HOST_PORT) \
		--workers $(WORKERS) --config alignsurvey/gunicorn_conf.py

.secret_key: | $(BIN)/python
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@

test: install-dev translations docs
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The documentation site (mkdocs.yml, pages in docs/) into site/, strictly: a broken link or heading
# anchor fails the build, and so `make test` and CI. No network: MkDocs' own theme, nothing from a CDN.
docs: install-dev
	$(BIN)/mkdocs build --strict --site-dir site

lint: install-dev
	$(BIN)/ruff check .

# Issue 7's benchmarks in one run (about 6 minutes): seeds, or reuses, waves of 1k, 10k and 100k
# responses under benchmarks/out/, times assess, every dashboard page and the exports, load-tests
# `make serve` on 127.0.0.1 (under a minute of load), and prints the growth and the targets.
# A quick run: make bench SIZES=1000,10000
bench: SIZES ?= 1000,10000,100000
bench: install translations
	$(BIN)/python benchmarks/run_all.py --sizes $(SIZES)

# The screenshots of README.md and the docs (docs/screenshots/), from a throwaway demo database; needs Debian's chromium.
screenshots: install-dev translations
	$(BIN)/python scripts/screenshots.py --output docs/screenshots

clean:
	rm -rf $(VENV) staticfiles .pytest_cache site
	find locale -name '*.mo' -delete
