# Shequ: `make demo` runs the site on a laptop; `make test` runs every check.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

# The first python3.x ≥ 3.11 on PATH (newest first).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { command -v $$p; break; }; done)

.PHONY: demo test lint pytest-sqlite pytest-pg e2e vendor messages clean install

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: Shequ needs Python 3.11 or newer as python3.11/python3.12/python3.13/python3 on PATH." >&2; \
		echo "       Install it (e.g. 'apt-get install python3 python3-venv') and run make again." >&2; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
		echo "error: '$(PYTHON) -m venv' failed; install the venv module (apt-get install python3-venv)." >&2; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/shequ demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	@if command -v xgettext >/dev/null 2>&1; then $(BIN)/python scripts/check_messages.py; \
	elif [ "$$CI" = "true" ]; then echo "error: CI needs GNU gettext (apt-get install gettext)" >&2; exit 1; \
	else echo "== i18n check: xgettext missing, skipped (CI requires it) =="; fi

pytest-sqlite: $(STAMP)
	@echo "== tests on SQLite =="
	$(BIN)/pytest -q -n 2 -p no:cacheprovider --ignore=tests/e2e --ignore=tests/pg
	@echo "== SQLite: ran =="

# On PostgreSQL when 127.0.0.1:5432 answers; with CI=true a missing server fails the run.
pytest-pg: $(STAMP)
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		echo "== tests on PostgreSQL ($(PG_URL)) =="; \
		DATABASE_URL=$(PG_URL) SHEQU_TEST_PG=1 $(BIN)/pytest -q -n 2 -p no:cacheprovider --ignore=tests/e2e && echo "== PostgreSQL: ran =="; \
	elif [ "$$CI" = "true" ]; then echo "error: CI needs PostgreSQL at 127.0.0.1:5432" >&2; exit 1; \
	else echo "== PostgreSQL: not running at 127.0.0.1:5432, skipped (CI requires it) =="; fi

# In Debian's chromium when it is installed; with CI=true a missing browser fails the run.
e2e: $(STAMP)
	@if [ -x /usr/bin/chromium ]; then \
		echo "== browser tests (Playwright + /usr/bin/chromium) =="; \
		SHEQU_E2E=1 $(BIN)/pytest -q -p no:cacheprovider tests/e2e && echo "== Browser: ran =="; \
	elif [ "$$CI" = "true" ]; then echo "error: CI needs /usr/bin/chromium (apt-get install chromium)" >&2; exit 1; \
	else echo "== Browser: /usr/bin/chromium missing, skipped (CI requires it) =="; fi

test: lint pytest-sqlite pytest-pg e2e
	@echo "== make test: all checks passed =="

# Copy pinned browser libraries from npm into the committed static folder. zxing-browser's UMD
# build bundles @zxing/library (the peer pinned beside it), so it is one file.
vendor:
	npm install --no-audit --no-fund
	mkdir -p src/shequ/web/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js src/shequ/web/static/vendor/htmx.min.js
	cp node_modules/weui/dist/style/weui.min.css src/shequ/web/static/vendor/weui.min.css
	cp node_modules/@zxing/browser/umd/zxing-browser.min.js src/shequ/web/static/vendor/zxing-browser.min.js
	cp node_modules/dexie/dist/dexie.min.js src/shequ/web/static/vendor/dexie.min.js
	cp node_modules/echarts/dist/echarts.min.js src/shequ/web/static/vendor/echarts.min.js

# Refresh the zh-Hans catalogue after changing strings (needs GNU gettext).
messages: $(STAMP)
	cd src/shequ && ../../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete --settings=shequ.settings
	cd src/shequ && ../../$(BIN)/django-admin compilemessages -l zh_Hans --settings=shequ.settings

clean:
	rm -rf $(VENV) var .pytest_cache
