# Shop Manager — developer tasks (GNU make).
#
#   make run     set up .venv, migrate, load demo data, serve on http://127.0.0.1:8000
#                (HOST=... PORT=... to change; DEBUG on: core.settings.dev)
#   make test    black --check, flake8, pytest (extra pytest args: PYTEST_ARGS="-k slug -x")
#   make fmt     format the code with black
#   make bench   run the delivery benchmark (bench/run.py)
#   make clean   remove the local SQLite database, uploaded media and collected static files
#
# Only python3 is needed on a fresh machine: the first run creates .venv and installs
# requirements.txt; later runs reinstall only when requirements.txt changes.

PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
# make run is the only command that runs with DEBUG on (core.settings.dev); manage.py
# and core.asgi default to core.settings.local, DEBUG off.
RUN_SETTINGS := DJANGO_SETTINGS_MODULE=core.settings.dev
MANAGE := cd core && $(RUN_SETTINGS) $(BIN)/python manage.py
# The address the demo links point at: the one served, on loopback for a wildcard bind.
SITE_URL := http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)/

.DEFAULT_GOAL := help
.PHONY: help install run test fmt bench clean

help:
	@echo "make run    - set up, migrate, seed demo data and serve on http://$(HOST):$(PORT)"
	@echo "              (HOST=... PORT=... to serve elsewhere)"
	@echo "make test   - black --check, flake8 and pytest (PYTEST_ARGS=... for pytest)"
	@echo "make fmt    - format with black"
	@echo "make bench  - run bench/run.py"
	@echo "make clean  - remove core/db.sqlite3, core/media/ and core/staticfiles/"

# The virtualenv itself. Order-only below: the interpreter is usually a symlink whose
# timestamp says nothing about the environment.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Dependencies, reinstalled only when requirements.txt is newer than the stamp.
$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

install: $(STAMP)

run: $(STAMP)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --site-url $(SITE_URL)
	$(MANAGE) collectstatic --noinput --verbosity 0
	cd core && $(RUN_SETTINGS) $(BIN)/daphne -b $(HOST) -p $(PORT) core.asgi:application

test: $(STAMP)
	$(BIN)/black --check .
	$(BIN)/flake8
	$(BIN)/pytest $(PYTEST_ARGS)

fmt: $(STAMP)
	$(BIN)/black .

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -f core/db.sqlite3 core/db.sqlite3-journal core/db.sqlite3-wal core/db.sqlite3-shm
	rm -rf core/media core/staticfiles
