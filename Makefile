# Shop Manager — developer tasks (GNU make).
#
#   make run     set up .venv (runtime packages), migrate, load demo data, serve on
#                http://127.0.0.1:8000 (HOST=... PORT=... to change; DEBUG on:
#                core.settings.dev)
#   make test    isort --check, black --check, flake8, the pure tests without Django,
#                pytest (extra pytest args: PYTEST_ARGS="-k slug -x",
#                one layer: PYTEST_ARGS="-m unit", or db, socket, browser, redis)
#   make fmt     sort imports (isort) and format (black)
#   make cluster nginx in front of two daphne processes on REDIS_URL (and DATABASE_URL
#                or SQLite) on http://127.0.0.1:8080 (CLUSTER_PORT=..., CLUSTER_PROCESSES=...);
#                Ctrl-C or make cluster-stop ends it (docs/deploy.md)
#   make bench   run the benchmark (bench/run.py; BENCH_ARGS=... for it); installs
#                bench/requirements.txt, the libraries the write path is compared with
#   make lock    re-lock requirements*.txt from requirements*.in (pip-tools)
#   make clean   remove the local SQLite database, uploaded media and collected static files
#
# Only python3 is needed on a fresh machine: the first run creates .venv and installs
# requirements.txt (make run) or requirements-dev.txt (tests, tools, bench: the runtime
# plus what they need); later runs reinstall only when a requirements file changes.

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
BENCH_ARGS ?=
CLUSTER_PORT ?= 8080
CLUSTER_PROCESSES ?= 2
# The pure layer: tests of modules that import no Django, run once without it
# (pytest -p no:django), so that "runs without Django" stays true.
PURE_TESTS := bench/tests \
	core/products/tests/history/test_changes.py \
	core/products/tests/alerts/test_margin.py \
	core/products/tests/alerts/test_kinds.py \
	core/products/tests/test_formats.py \
	core/products/tests/transfer/test_cell_values.py \
	core/products/tests/history/test_word_diff.py \
	core/products/tests/editing/test_merging.py

BIN := $(abspath $(VENV))/bin
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
BENCH := $(VENV)/.installed-bench
# make run is the only command that runs with DEBUG on (core.settings.dev); manage.py
# and core.asgi default to core.settings.local, DEBUG off.
RUN_SETTINGS := DJANGO_SETTINGS_MODULE=core.settings.dev
MANAGE := cd core && $(RUN_SETTINGS) $(BIN)/python manage.py
# The address the demo links point at: the one served, on loopback for a wildcard bind.
SITE_URL := http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)/
# How both lock files are made (the command is recorded at the top of each).
PIP_COMPILE := $(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links

.DEFAULT_GOAL := help
.PHONY: help install run test fmt bench lock clean cluster cluster-stop

help:
	@echo "make run    - set up, migrate, seed demo data and serve on http://$(HOST):$(PORT)"
	@echo "              (HOST=... PORT=... to serve elsewhere)"
	@echo "make test   - black --check, flake8 and pytest (PYTEST_ARGS=... for pytest,"
	@echo "              e.g. PYTEST_ARGS=\"-m unit\"; layers: unit, db, socket, browser, redis)"
	@echo "make fmt    - format with black"
	@echo "make cluster - nginx + $(CLUSTER_PROCESSES) daphne processes on REDIS_URL, on"
	@echo "              http://127.0.0.1:$(CLUSTER_PORT) (make cluster-stop or Ctrl-C ends it)"
	@echo "make bench  - run bench/run.py (BENCH_ARGS=... for it)"
	@echo "make lock   - re-lock requirements.txt and requirements-dev.txt from the .in files"
	@echo "make clean  - remove core/db.sqlite3, core/media/ and core/staticfiles/"

# The virtualenv itself. Order-only below: the interpreter is usually a symlink whose
# timestamp says nothing about the environment.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Dependencies, reinstalled only when a requirements file is newer than its stamp.
$(RUNTIME): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

$(DEV): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install -r requirements-dev.txt
	touch $@

# The libraries the bench compares the write path with; the app never needs them.
$(BENCH): bench/requirements.txt $(DEV)
	$(BIN)/python -m pip install -r bench/requirements.txt
	touch $@

install: $(RUNTIME)

run: $(RUNTIME)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --site-url $(SITE_URL)
	$(MANAGE) collectstatic --noinput --verbosity 0
	cd core && $(RUN_SETTINGS) $(BIN)/daphne -b $(HOST) -p $(PORT) core.asgi:application

test: $(DEV)
	$(BIN)/isort --check-only --quiet .
	$(BIN)/black --check .
	$(BIN)/flake8
	$(BIN)/pytest -p no:django -q $(PURE_TESTS)
	$(BIN)/pytest $(PYTEST_ARGS)

fmt: $(DEV)
	$(BIN)/isort --quiet .
	$(BIN)/black .

cluster: $(RUNTIME)
	$(BIN)/python deploy/cluster.py --port $(CLUSTER_PORT) --processes $(CLUSTER_PROCESSES)

cluster-stop:
	@if [ -f .cluster/cluster.pid ]; then kill "$$(cat .cluster/cluster.pid)"; \
	else echo "no cluster is running (no .cluster/cluster.pid)"; fi

bench: $(BENCH)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Keeps every pin that still fits; `make lock PIP_COMPILE_ARGS=--upgrade` (or
# --upgrade-package NAME) moves them.
lock: $(DEV)
	$(PIP_COMPILE) $(PIP_COMPILE_ARGS) --output-file=requirements.txt requirements.in
	$(PIP_COMPILE) $(PIP_COMPILE_ARGS) --output-file=requirements-dev.txt requirements-dev.in

clean:
	rm -f core/db.sqlite3 core/db.sqlite3-journal core/db.sqlite3-wal core/db.sqlite3-shm
	rm -rf core/media core/media-kept core/staticfiles
