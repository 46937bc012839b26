# Two commands set everything up on a fresh machine: `make report` and `make test`.
# Both create the venv when it is missing; nothing needs installing by hand.
PYTHON ?= python3
# Overridable to try the install from scratch elsewhere: `make VENV=/tmp/fresh venv`.
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := support-quality
OUT ?= reports/latest
LINTED := src tests notebooks

.PHONY: report test lab venv lock lint format bench demo-data clean

venv: $(STAMP)

# The pinned versions of requirements.lock first, then the project itself without touching them;
# reinstalls whenever the dependency list or the lock changes. `pip check` fails when pyproject.toml
# gained a dependency the lock does not have yet: run `make lock`.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (support-quality)" >/dev/null
	touch $(STAMP)

# Refresh requirements.lock after editing the dependencies in pyproject.toml (or to take newer
# releases within their ranges: delete requirements.lock first). Needs the venv's pip-tools.
lock:
	test -x $(BIN)/pip-compile || $(MAKE) venv
	$(BIN)/pip-compile --quiet --extra dev --extra lab --generate-hashes --allow-unsafe \
		--strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml

report: $(STAMP)
	$(BIN)/analysis report --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest

# JupyterLab comes from the `lab` extra, which requirements.lock includes.
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

format: $(STAMP)
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

bench: $(STAMP)
	$(BIN)/analysis bench

demo-data: $(STAMP)
	$(BIN)/analysis demo-data --out data/sample

clean:
	rm -rf $(VENV) reports .pytest_cache build dist
