# Two entry points for a fresh machine with Python 3.11 and pip: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-stamp
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

BENCH_ARGS ?= --scale 1m 10m --repeat 3 --series

.PHONY: demo test test-browser test-e2e test-quality test-reliability test-soak bench ui lint clean distclean

$(INSTALLED): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(INSTALLED)

## demo: install, generate the embedded sources, materialize every asset, print a summary
demo: $(INSTALLED)
	$(BIN)/seg-assets demo

## test: install and run the test suite (slow scale tests excluded; see benchmarks)
# Two workers on two cores: scikit-learn's OpenMP threads would only fight over them.
test: $(INSTALLED)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadfile

## test-browser: the Dagster UI tests in Debian's chromium (screenshots in test-artifacts/)
test-browser: $(INSTALLED)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -m browser -p no:cacheprovider

## test-e2e: the daemon end to end (landing -> drift -> guarded retrain -> approval), minutes
test-e2e: $(INSTALLED)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -m e2e -p no:cacheprovider

## test-quality: drift detection and retraining on planted truth, default data and 3 seeds
test-quality: $(INSTALLED)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -m quality -p no:cacheprovider

## test-reliability: determinism (two folders) and crash recovery (SIGKILL at 10 points, rerun), by table checksums
test-reliability: $(INSTALLED)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -m reliability -p no:cacheprovider

## test-soak: 50 month refreshes driven by the landing sensor on late, corrected and duplicated files
test-soak: $(INSTALLED)
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -m soak -p no:cacheprovider -s

## bench: generate cached data sets and measure full/partition refreshes vs bare DuckDB and pandas
bench: $(INSTALLED)
	$(BIN)/seg-assets bench $(BENCH_ARGS)

## ui: start the Dagster UI on the same warehouse and run history (Ctrl-C stops it)
ui: $(INSTALLED)
	$(BIN)/seg-assets ui

## lint: ruff checks and formatting
lint: $(INSTALLED)
	$(BIN)/ruff check seg_assets tests
	$(BIN)/ruff format --check seg_assets tests

## clean: remove generated data, the warehouse and run history
clean:
	rm -rf data .dagster_home

## distclean: clean, and remove the virtualenv
distclean: clean
	rm -rf $(VENV)
