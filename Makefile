# Aftersales — `make demo` runs it, `make test` proves it. Both work on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/aftersales
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint types test-sqlite test-postgres test-browser bench sysdeps venv messages clean

$(STAMP): pyproject.toml
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
	fc-list 2>/dev/null | grep -qi wqy || missing="$$missing fonts-wqy-zenhei"; \
	ldconfig -p 2>/dev/null | grep -q libpango-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

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

test-postgres: $(STAMP)
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 -q -m "not browser" tests

test-browser: $(STAMP) sysdeps
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q -m browser tests/browser

test: $(STAMP) sysdeps lint types test-sqlite test-postgres test-browser

bench: $(STAMP)
	$(BIN)/python bench/run.py

messages: $(STAMP)
	cd aftersales && ../$(BIN)/aftersales makemessages -l en --no-obsolete && ../$(BIN)/aftersales compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
