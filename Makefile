# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PGHOST ?= 127.0.0.1

.PHONY: run test test-fast install lint typecheck importlint clean bench chromium poppler

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# `make run PORT=8123 HOST=0.0.0.0`. Set with := so only the command line changes them, not a
# PORT or HOST that happens to be in the environment (tcsh exports HOST as the machine's name).
HOST := 127.0.0.1
PORT := 8000
run: $(STAMP)
	$(BIN)/o2c serve --demo --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests tools
	$(BIN)/ruff format --check src tests tools

typecheck: $(STAMP)
	$(BIN)/mypy

importlint: $(STAMP)
	$(BIN)/lint-imports

# The official AsyncAPI parser (Node) for tests/contracts/; reinstalled when its lock changes.
# --ignore-scripts: no package needs one (the only script is a dependency's telemetry ping).
ASYNCAPI_NODE := tests/contracts/asyncapi
$(ASYNCAPI_NODE)/node_modules/.installed: $(ASYNCAPI_NODE)/package.json $(ASYNCAPI_NODE)/package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --prefix $(ASYNCAPI_NODE)
	touch $@

# Debian's Chromium for tests/dashboard/ (driven by Playwright with executable_path: no
# browser download). Installed with apt-get when missing (root, as on CI); quiet when present.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the dashboard tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's poppler-utils for tests/documents/: pdftoppm renders PDF pages to PNG (the QR code is
# decoded from them), pdftotext reads the text back. Installed like chromium when missing.
poppler:
	@command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 || { \
		echo "installing Debian's poppler-utils for the document tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }

# Workers: most tests wait on PostgreSQL, brokers and subprocesses, so more workers than cores
# pay; each worker makes its own databases, brokers, ports and temporary directories.
WORKERS ?= 4
test: $(STAMP) $(ASYNCAPI_NODE)/node_modules/.installed chromium poppler importlint lint typecheck
	$(BIN)/pytest -q -p no:cacheprovider -n $(WORKERS) --dist worksteal

# Every test that runs in memory: no database, broker, browser, file or other program (the
# markers are set from each test's fixtures: tests/support/needs.py).
FAST := not postgres and not kafka and not browser and not disk and not slow
test-fast: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider -m "$(FAST)"

bench: $(STAMP)
	$(BIN)/o2c bench --scale smoke

clean:
	rm -rf $(VENV) o2c-data .pytest_cache .mypy_cache .ruff_cache
