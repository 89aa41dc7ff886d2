# The two set-up commands of the README: `make demo` and `make test`.
# Each creates the virtualenv it needs (.venv) and installs pgwarden into it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-python-matrix lint bench clean chromium

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@$(MAKE) --no-print-directory chromium
	touch $@

# The browser tests open the doctor's HTML page in Debian's chromium (driven by Playwright, never
# `playwright install`). Installed when missing and we are root; nothing happens when it is there.
chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing chromium for the browser tests (apt-get)"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
			|| echo "Could not install chromium: the browser tests will be skipped."; \
	else \
		echo "No chromium and not root: the browser tests will be skipped (apt-get install chromium)."; \
	fi

# pgwarden demo exits 1 because it finds drift on purpose; only other codes are failures.
demo: $(BIN)/.installed
	@$(BIN)/pgwarden demo || [ $$? -eq 1 ]

# The whole suite on the main interpreter (PostgreSQL: the system's and the embedded 18), then the
# built wheel on the lowest and newest supported Python (tests/matrix/run.sh).
test: lint chromium
	$(BIN)/pytest
	$(MAKE) test-python-matrix

test-python-matrix: $(BIN)/.installed
	tests/matrix/run.sh $(BIN)/python 3.10 3.13

lint: $(BIN)/.installed
	$(BIN)/ruff check src tests bench examples tools
	$(BIN)/ruff format --check src tests bench examples tools
	$(BIN)/mypy src

bench: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python bench/drift.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
