# Ticketry developer tasks. Needs python3 (>= 3.11, with venv) and make; everything else goes into .venv.
#
#   make run             set up .venv, migrate var/ticketry.sqlite, load the demo, serve on http://127.0.0.1:8000
#   make test            set up .venv (with the test plugins) and run the whole test suite on SQLite
#   make test-postgres   the same suite against TICKETRY_TEST_DATABASE_URL (a PostgreSQL database)
#   make lint | docs | bench | api-fuzz

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INI ?= development.ini
EXTRAS := test,docs,postgres,redis
PYTEST_ARGS ?=
TICKETRY_TEST_DATABASE_URL ?= postgresql+psycopg://ticketry:ticketry@127.0.0.1/ticketry_test

# pytest exits with 5 when it collected no test: say so instead of a bare "Error 5".
PYTEST = status=0; $(BIN)/pytest $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: is the checkout complete?" >&2; fi; \
	exit $$status

.PHONY: help venv install testplugins run test test-postgres lint docs bench api-fuzz clean

help:
	@sed -n '3,7s/^#//p' Makefile

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

venv: $(BIN)/python

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

install: $(VENV)/.installed

# The plugin packages that exist only for the tests (discovery, broken, incompatible, migrations, ...).
$(VENV)/.testplugins: $(VENV)/.installed $(wildcard tests/fixtures/testplugins/setup.cfg tests/fixtures/testplugins/pyproject.toml)
	$(BIN)/python -m pip install --quiet -e tests/fixtures/testplugins
	touch $@

testplugins: $(VENV)/.testplugins

# `init` writes $(INI) with a new secret key if it does not exist, creates var/ and migrates the database.
run: install
	$(BIN)/ticketry -c $(INI) init
	$(BIN)/ticketry -c $(INI) demo
	$(BIN)/ticketry -c $(INI) serve

test: install testplugins
	@$(PYTEST)

test-postgres: install testplugins
	@TICKETRY_TEST_DATABASE_URL='$(TICKETRY_TEST_DATABASE_URL)' $(PYTEST)

lint: install
	$(BIN)/ruff check .

# A bounded schemathesis run against /api/v1/openapi.json of a fresh demo server: fails on any 5xx answer.
FUZZ_EXAMPLES ?= 5
FUZZ_MAX_TIME ?= 600
api-fuzz: install
	FUZZ_MAX_TIME=$(FUZZ_MAX_TIME) .ci/api-fuzz $(FUZZ_EXAMPLES)

docs: install
	$(BIN)/sphinx-build -q -W --keep-going --no-color -b html docs docs/_build/html

bench: install
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/signals.py

clean:
	rm -rf docs/_build build dist *.egg-info
