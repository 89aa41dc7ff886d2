# The two set-up commands of the README: `make demo` and `make test`.
# Each creates the virtualenv it needs (.venv) and installs pgwarden into it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-python-matrix lint bench clean system-packages

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@$(MAKE) --no-print-directory system-packages
	touch $@

# System packages the tests drive for real: PgBouncer (pooler tests) and Debian's Chromium (browser
# tests, through Playwright; never `playwright install`). Installed with apt when missing and we are
# root (CI); elsewhere those tests skip and say why.
system-packages:
	@missing=""; \
	command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing="$$missing pgbouncer"; \
	command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing$$missing for the tests (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "note:$$missing not installed and not root: those tests will be skipped (apt-get install$$missing)"; \
	fi

# pgwarden demo exits 1 because it finds drift on purpose; only other codes are failures.
demo: $(BIN)/.installed
	@$(BIN)/pgwarden demo || [ $$? -eq 1 ]

# The whole suite on the main interpreter (PostgreSQL: the system's and the embedded 18), then the
# built wheel on the lowest and newest supported Python (tests/matrix/run.sh).
test: lint system-packages
	$(BIN)/pytest
	$(MAKE) test-python-matrix

test-python-matrix: $(BIN)/.installed
	tests/matrix/run.sh $(BIN)/python 3.10 3.13

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench examples tools
	$(BIN)/ruff format --check src tests bench examples tools
	$(BIN)/mypy src
	$(BIN)/lint-imports

bench: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/drift.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
