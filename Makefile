# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PGHOST ?= 127.0.0.1

.PHONY: run test test-fast install lint typecheck importlint clean bench chromium

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/o2c serve --demo --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

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

# Workers: most tests wait on PostgreSQL, brokers and subprocesses, so more workers than cores
# pay; each worker makes its own databases, brokers, ports and temporary directories.
WORKERS ?= 4
test: $(STAMP) $(ASYNCAPI_NODE)/node_modules/.installed chromium importlint lint typecheck
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
