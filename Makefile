# The README's vocabulary. `make run` and `make test` are the two commands a newcomer needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
HOST ?= 127.0.0.1:8000
# Where to point a browser at (a bare port means this machine; 0.0.0.0 listens everywhere).
ADDRESS := $(subst 0.0.0.0,127.0.0.1,$(if $(findstring :,$(HOST)),$(HOST),127.0.0.1:$(HOST)))

.PHONY: messages run test test-fast test-browser lint fmt css vendor check-deploy ci install bench bench-smoke bench-certificates

$(STAMP): requirements.txt
	@echo "== Installing the Python packages into $(VENV): about 2.5 minutes the first time,"
	@echo "   skipped on later runs until requirements.txt changes."
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@# Not --quiet: pip names each package as it goes, so a slow first install visibly moves.
	$(PY) -m pip install --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Start the portal with demo data on SQLite at http://127.0.0.1:8000 (another address or port:
## make run HOST=0.0.0.0:8080, or HOST=8080 for this machine only).
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	UPAS_RUN_URL=http://$(ADDRESS)/ $(PY) manage.py seed_demo
	@echo "Starting the background worker (emails, reminders, expiring prizes) and the server."
	@# The worker stops with the server (Ctrl+C stops both).
	$(PY) manage.py run_worker --verbosity 0 & WORKER=$$!; \
	trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST)

## Every test: services, views, permissions, query counts, concurrency, browser (chromium).
## DATABASE_URL=postgres://... runs them on PostgreSQL instead of SQLite.
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile

test-fast: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -m "not browser"

test-browser: $(STAMP)
	$(PY) -m pytest -m browser

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

fmt: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Scale benchmark (issues 9 and 17) on DATABASE_URL, which it empties: pages, and on PostgreSQL
## the writes through gunicorn beside the bare view and pgbench. See bench/README.md.
STUDENTS ?= 10000
BENCH_ARGS ?=
bench: $(STAMP)
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL to a database of its own"; exit 1)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py generate_scale_data --students $(STUDENTS) --reset
	$(PY) bench/run.py $(BENCH_ARGS)

## The benchmark's tooling end to end in about a minute (200 students, short runs; results in
## /tmp/upas-bench-smoke; fails if anything is broken, whatever the timings). Empties DATABASE_URL.
bench-smoke: $(STAMP)
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL to a database of its own"; exit 1)
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py generate_scale_data --students 200 --reset -v0
	$(PY) bench/run.py --smoke

## Certificates (issue 20): signing, the certificate and transcript PDFs and the Open Badge JWT,
## each timed COUNT times (default 200; make bench-certificates COUNT=50). No database needed.
COUNT ?= 200
bench-certificates: $(STAMP)
	$(PY) bench/certificates.py --count $(COUNT)

## Update the translation catalogues from the code (needs GNU gettext: apt-get install gettext),
## then compile them; translate what it leaves empty in locale/*/LC_MESSAGES/django.po and run again.
MESSAGES_IGNORE := --ignore=.venv --ignore=node_modules --ignore=tests --ignore=bench --ignore=staticfiles
messages: $(STAMP)
	$(PY) manage.py makemessages --all --no-obsolete $(MESSAGES_IGNORE)
	$(PY) manage.py compilemessages $(MESSAGES_IGNORE)

## Front-end (needs Node): rebuild the committed Tailwind CSS / re-vendor htmx, Chart.js and jsQR.
css:
	npm install --no-audit --no-fund
	npm run build

vendor:
	npm install --no-audit --no-fund
	npm run vendor

check-deploy: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY=check-deploy-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ \
	ALLOWED_HOSTS=upas.example.edu REDIS_URL=redis://127.0.0.1:6379/0 SITE_URL=https://upas.example.edu \
	$(PY) manage.py check --deploy --fail-level WARNING
	@# The hashed, compressed static files must build (a missing file referenced by CSS/JS fails).
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY=check-deploy-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ \
	ALLOWED_HOSTS=upas.example.edu REDIS_URL=redis://127.0.0.1:6379/0 SITE_URL=https://upas.example.edu \
	$(PY) manage.py collectstatic --noinput --clear -v0

ci: lint check-deploy test
