# Two commands set everything up on a fresh machine: `make report` and `make test`.
# Both create .venv when it is missing; nothing needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KERNEL := support-quality
OUT ?= reports/latest

.PHONY: report test lab venv lint format bench demo-data clean

venv: $(STAMP)

# Reinstall whenever the dependency list changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (support-quality)" >/dev/null
	touch $(STAMP)

report: $(STAMP)
	$(BIN)/analysis report --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

format: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

bench: $(STAMP)
	$(BIN)/analysis bench

demo-data: $(STAMP)
	$(BIN)/analysis demo-data --out data/sample

clean:
	rm -rf $(VENV) reports .pytest_cache
