# The README's vocabulary. `make run` and `make test` are the two commands a newcomer needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.txt | cut -c1-12)
HOST ?= 127.0.0.1:8000

.PHONY: run test test-fast test-browser lint fmt css vendor check-deploy ci install bench

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Start the portal with demo data on SQLite at http://127.0.0.1:8000
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
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

## Scale benchmark (issue 9) on DATABASE_URL, which it empties: see the README's Benchmark section.
STUDENTS ?= 10000
BENCH_ARGS ?=
bench: $(STAMP)
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL to a database of its own"; exit 1)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py generate_scale_data --students $(STUDENTS) --reset
	$(PY) bench/run.py $(BENCH_ARGS)

## Front-end (needs Node): rebuild the committed Tailwind CSS / re-vendor htmx and Chart.js.
css:
	npm install --no-audit --no-fund
	npm run build

vendor:
	npm install --no-audit --no-fund
	npm run vendor

check-deploy: $(STAMP)
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY=check-deploy-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ \
	ALLOWED_HOSTS=upas.example.edu \
	$(PY) manage.py check --deploy --fail-level WARNING
	@# The hashed, compressed static files must build (a missing file referenced by CSS/JS fails).
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY=check-deploy-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ \
	ALLOWED_HOSTS=upas.example.edu \
	$(PY) manage.py collectstatic --noinput --clear -v0

ci: lint check-deploy test
