# nlq platform — `make demo` runs the whole platform, `make test` runs every test.
# Both do all set-up first: uv (installed with pip when missing), .venv, PostgreSQL binaries,
# Debian's Chromium (browser tests) and the npm packages (clients/js, examples/web-app).
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
VENV := .venv
NLQ := $(VENV)/bin/nlq

.PHONY: install demo test lint format bench-ingest clean

install: $(VENV)/.installed
	@scripts/ensure-postgres.sh
	@scripts/ensure-chromium.sh
	@scripts/ensure-node-deps.sh

$(VENV)/.installed: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || { \
		echo "==> installing uv with pip"; python3 -m pip install --quiet uv; }
	$(UV) sync --frozen
	@touch $@

demo: install
	$(NLQ) demo

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench-ingest: install
	$(NLQ) bench ingest

clean:
	-$(NLQ) db down
	rm -rf $(VENV) .nlq/test-pg
