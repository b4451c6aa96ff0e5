# OpenPRM — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test install install-dev lint migrate serve browser-deps clean fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

# The demo runs with DEBUG on, SQLite under var/, e-mail written to var/mail/ and background work inline.
demo: export OPENPRM_DEMO = 1
# The site URL in e-mailed links follows the port the demo serves on (settings read PORT).
demo: export PORT := $(PORT)
demo: $(STAMP)
	mkdir -p var
	$(BIN)/openprm migrate --noinput
	$(BIN)/openprm demo --once
	$(BIN)/openprm runserver 127.0.0.1:$(PORT)

# Debian's Chromium drives the browser tests; install it when missing (root on the dev and CI machines).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }

test: $(DEV_STAMP) browser-deps
	$(BIN)/pytest -n 2 -q

lint: export OPENPRM_TESTING = 1
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python scripts/check_scoping.py
	$(BIN)/python scripts/check_layers.py
	$(BIN)/openprm makemigrations --check --dry-run

# Fuzz the API (schemathesis, as a program admin and as a partner admin) against a throw-away program;
# fails on any 5xx. Slow, so not part of `make test`. FUZZ_MAX_EXAMPLES=5 make fuzz for a quicker run.
fuzz: $(DEV_STAMP)
	$(BIN)/python scripts/fuzz_api.py

clean:
	rm -rf var/openprm.sqlite3 var/mail var/media
