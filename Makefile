# Aftersales — `make demo` runs it, `make test` proves it. Both work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/aftersales
BENCH_URL ?= postgres://postgres@127.0.0.1:5432/aftersales_bench
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint types test-sqlite test-postgres test-browser bench sysdeps pgserver venv messages clean

$(STAMP): pyproject.toml
	@# Debian's python3 ships without venv/ensurepip: install python3-venv when it is missing.
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-venv >/dev/null; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Debian packages the browser tests and PDFs need, installed only when missing.
sysdeps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v xgettext >/dev/null || missing="$$missing gettext"; \
	fc-list 2>/dev/null | grep -qi wqy || missing="$$missing fonts-wqy-zenhei"; \
	ldconfig -p 2>/dev/null | grep -q libpango-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# PostgreSQL for the second test run and the bench: started, or installed and started, when
# nothing answers on 127.0.0.1:5432. A cluster installed here lets the local `postgres` user in
# over TCP from this machine only (trust on 127.0.0.1), which is what PG_URL's default expects.
pgserver:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  if ! command -v pg_ctlcluster >/dev/null; then \
	    echo "installing: postgresql"; \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	    for hba in /etc/postgresql/*/main/pg_hba.conf; do \
	      $$SUDO sed -i '1i host all postgres 127.0.0.1/32 trust' $$hba; done; \
	  fi; \
	  for v in $$(ls /etc/postgresql); do $$SUDO pg_ctlcluster $$v main start || true; done; \
	  for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; \
	  echo "PostgreSQL does not answer on 127.0.0.1:5432 (set PG_URL)"; exit 1; }

demo: $(STAMP)
	$(BIN)/aftersales migrate --noinput
	$(BIN)/aftersales demo
	$(BIN)/aftersales serve --bind 127.0.0.1:8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy aftersales

test-sqlite: $(STAMP)
	$(BIN)/pytest -n 2 -q -m "not postgres and not browser" tests

test-postgres: $(STAMP) pgserver
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 -q -m "not browser" tests

test-browser: $(STAMP) sysdeps
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q -m browser tests/browser

test: $(STAMP) sysdeps lint types test-sqlite test-postgres test-browser

# Not part of `make test`: loads a million orders into its own database (aftersales_bench).
bench: $(STAMP) pgserver
	BENCH_DATABASE_URL=$(BENCH_URL) $(BIN)/python bench/run.py

messages: $(STAMP)
	@# From inside the package (so only its strings are collected), but with the data directory
	@# where it belongs: the settings create it on import.
	cd aftersales && export AFTERSALES_DATA_DIR=$(CURDIR)/var && \
	  ../$(BIN)/aftersales makemessages -l en --no-obsolete && ../$(BIN)/aftersales compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
