# Buurtwacht. `make run` and `make test` are all a fresh machine needs (Python 3.11+, git, make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint fix messages check-messages check-pins bench bench-geo bench-coverage bench-delivery bench-faults bench-start bench-neighbours bench-speed bench-memory worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements/base.txt requirements/dev.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	touch $@

## run: create the environment, migrate, load the demo, serve it with the worker
run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo --if-empty
	$(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

## test: the whole suite (browser tests need Debian's chromium; CI installs it)
test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## lint: ruff, the layers' import contract, migrations in step with the models, translations extracted and compiled
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) check-messages

fix: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## messages: extract translatable strings into locale/*/LC_MESSAGES/django.po and compile them (needs GNU gettext)
messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages -l nl -l fr -l en --no-location --no-obsolete -i ".venv/*" -i "bench/*"
	$(BIN)/python manage.py makemessages -d djangojs -l nl -l fr -l en --no-location --no-obsolete -i ".venv/*" -i "staticfiles/*" -i "static/vendor/*"
	$(BIN)/python manage.py compilemessages --ignore ".venv/*"

check-messages: $(VENV)/.installed
	$(BIN)/python scripts/check_messages.py

## check-pins: pins behind the newest patch release of their line (asks the package index: needs the network)
check-pins: $(VENV)/.installed
	$(BIN)/python scripts/check_pins.py

bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

## bench-geo: national scale (10,000 areas, 10 million addresses; about 5 minutes, 1.3 GB of temporary disk)
bench-geo: $(VENV)/.installed
	$(BIN)/python bench/geo.py

## bench-coverage: the national coverage page and map layer over 10 million addresses (about 15 minutes, 2 GB of temporary disk)
bench-coverage: $(VENV)/.installed
	$(BIN)/python bench/coverage.py

## bench-delivery: relay to 100 admins and sustained delivery through the queue to a fake WhatsApp gateway
bench-delivery: $(VENV)/.installed
	$(BIN)/python bench/delivery.py

## bench-start: what a process pays at start (Django set-up, URL modules, map modules), over 9 starts
bench-start: $(VENV)/.installed
	$(BIN)/python bench/start.py

## bench-neighbours: neighbours of 10,000 real-shaped areas (plus the real boundaries in ../shared/data/geo when there), and of one area after a change (about 2 minutes)
bench-neighbours: $(VENV)/.installed
	$(BIN)/python bench/neighbours.py

## bench-faults: a broadcast to 200 admins while the worker is killed and the gateway fails, hangs up or is slow (about 3 minutes)
bench-faults: $(VENV)/.installed
	$(BIN)/python bench/faults.py

## bench-memory: resident memory of the web server over 100,000 requests, of the idle worker and of the address import (10,000 areas, 10 million addresses; about 20 minutes, 2 GB of temporary disk)
bench-memory: $(VENV)/.installed
	$(BIN)/python bench/memory.py

## bench-speed: every speed and memory goal in one run, each figure beside its goal (about 30 minutes at 10 million addresses); BENCH_DATABASE_URL=postgres://... adds the PostgreSQL rows
bench-speed: $(VENV)/.installed
	$(BIN)/python bench/speed.py $(if $(BENCH_DATABASE_URL),--database-url $(BENCH_DATABASE_URL))

worker: $(VENV)/.installed
	$(BIN)/python manage.py run_worker

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
