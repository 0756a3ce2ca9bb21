# ido-enquete: reproducible analysis of the 2025 IDO regierol survey.
# `make` or `make help` lists the targets. Windows: see README ("Windows").

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DATA ?= data/raw/ido_enquete_2025_SYNTHETISCH.csv
MAPPING ?=

.DEFAULT_GOAL := help
.PHONY: help setup data clean-data report factsheets notebooks pin-figures docs test test-fast lint lab lock distclean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-12s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name ido-enquete --display-name "Python (ido-enquete)" >/dev/null
	-$(BIN)/nbdime config-git --enable >/dev/null 2>&1
	touch $(STAMP)

setup: $(STAMP) ## Create .venv with the exact versions of requirements.lock

data: setup ## Regenerate the synthetic raw export (byte-identical on every run)
	$(BIN)/ido-analysis generate

clean-data: setup ## Clean the raw export into data/processed/ (DATA=path for another export)
	$(BIN)/ido-analysis clean --data $(DATA) $(if $(MAPPING),--mapping $(MAPPING))

report: setup ## Set up, clean and render every chapter into reports/ (DATA=path for another export)
	$(BIN)/ido-analysis run --data $(DATA) $(if $(MAPPING),--mapping $(MAPPING))

factsheets: setup ## Confidential factsheet per responding municipality into reports/factsheets/ (after the run they are protected with)
	$(BIN)/ido-analysis run --data $(DATA) $(if $(MAPPING),--mapping $(MAPPING))
	$(BIN)/ido-analysis factsheets --data $(DATA) $(if $(MAPPING),--mapping $(MAPPING))

notebooks: setup ## Re-execute notebooks/ in place on the bundled data (commit the result)
	$(BIN)/ido-analysis run --update-notebooks

pin-figures: setup ## Re-pin the figure hashes the tests compare (after an intended chart change)
	rm -rf .pin-figures && $(BIN)/ido-analysis run --output .pin-figures --force
	$(BIN)/python tests/figure_hashes.py .pin-figures && rm -rf .pin-figures

docs: setup ## Regenerate docs/codebook-schema.md from references/codebook.schema.json
	$(BIN)/python -m ido_analysis.spec.schema_doc

test: setup ## Run unit tests, strict nbval of the notebooks and the end-to-end check
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest --nbval notebooks/ --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

test-fast: setup ## Unit tests only (no notebooks, no rendering)
	$(BIN)/python -m pytest -m "not slow" -p no:nbval

lint: setup ## ruff over package and tests
	$(BIN)/ruff check ido_analysis tests benchmarks

lab: setup ## Open JupyterLab with the project's kernel
	$(BIN)/jupyter lab notebooks/

lock: ## Re-resolve requirements.in into requirements.lock (needs network)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -r requirements.in
	(echo "# Exact versions installed by 'make setup'. Regenerate with 'make lock' after editing requirements.in."; \
	  .lock-venv/bin/pip freeze --exclude-editable) > requirements.lock
	rm -rf .lock-venv

distclean: ## Remove the virtualenv and generated outputs (keeps data/raw)
	rm -rf $(VENV)
	find data/processed reports -mindepth 1 ! -name README.md ! -name .gitkeep -prune -exec rm -rf {} +
