# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# `make run` installs what running needs (the library and the `cli` extra); `make test` adds the
# `dev` extra and checkov, which lives in its own virtualenv (.venv/checkov) because it pins an old
# boto3. `make install` is the full development install.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   ?= .data
RUN_STAMP     := $(VENV)/.installed-run
DEV_STAMP     := $(VENV)/.installed-dev
CHECKOV_VENV  := $(VENV)/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
# LiteLLM's price data file, extracted from the pinned wheel (the price sync's second source).
PRICE_DATA    := functions/genai_costs/pricing/data/litellm_model_prices.json

.PHONY: install install-run price-data lint run test test-fast bench package tf-check tf-docs tf-schema clean focus-validator browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[cli]'
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(RUN_STAMP)

$(CHECKOV_STAMP): pyproject.toml | $(BIN)/python
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet --group checkov
	ln -sf ../checkov/bin/checkov $(BIN)/checkov
	touch $@

install-run: $(RUN_STAMP) $(PRICE_DATA)

install: $(DEV_STAMP) $(CHECKOV_STAMP) $(PRICE_DATA)

## LiteLLM's price data file from the wheel pinned in functions/genai_costs/pricing/data/litellm.pin.json
## (pip download --no-deps: LiteLLM itself is never installed). A no-op when the file matches the pin.
$(PRICE_DATA): functions/genai_costs/pricing/data/litellm.pin.json scripts/fetch_litellm_prices.py | $(BIN)/python
	$(BIN)/python scripts/fetch_litellm_prices.py

price-data: $(PRICE_DATA)

## The main job on the embedded default (DuckDB, local secret store, in-process bus, simulator).
run: install-run
	GENAI_COSTS_DATA_DIR=$(DATA) $(BIN)/genai-costs run --org-slug demo

## The whole suite: lint, format and type checks first (fast), then the tests (the HTML report's
## browser test is required here, not skipped).
test: install lint focus-validator browser
	GENAI_COSTS_REQUIRE_BROWSER=1 $(BIN)/pytest -n auto

## Headless Chromium for the HTML report's test, from Debian (playwright drives it; no download).
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null \
	  || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	       DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test-fast: install
	$(BIN)/pytest -m "not slow"

## The FinOps Foundation's FOCUS validator in its own Python 3.12 environment (.venv/focus-validator),
## built once; without Python 3.12 it says so and its test is skipped. See tools/focus_validator/.
focus-validator: install
	$(BIN)/python -m tools.focus_validator.environment

## Benchmarks print figures; they are not part of the test suite.
bench: install
	$(BIN)/python -m bench.consolidation
	$(BIN)/python -m bench.ingestion
	$(BIN)/python -m bench.budgets
	$(BIN)/python -m bench.events_ingest
	$(BIN)/python -m bench.events_pricing
	$(BIN)/python -m bench.cold_start

## The exact archives Terraform deploys (dist/functions/<name>.zip).
package: $(PRICE_DATA)
	$(PYTHON) scripts/package_functions.py --out dist/functions

## Offline Terraform checks (also run by the test suite).
tf-check: install
	terraform fmt -check -recursive terraform/
	$(BIN)/python -m tools.terraform_schema.check terraform/
	$(BIN)/checkov -d terraform/ --framework terraform --skip-download --compact --quiet
	$(BIN)/python tools/terraform_docs.py --check

## Regenerate the README Inputs / Outputs tables from variables.tf / outputs.tf.
tf-docs: install
	$(BIN)/python tools/terraform_docs.py

## Regenerate the compact google provider schema after bumping the pin (needs PyPI).
tf-schema: install
	$(BIN)/pip download --no-deps cdktn-provider-google -d /tmp/cdktn
	$(BIN)/python tools/terraform_schema/extract_google_schema.py /tmp/cdktn/cdktn_provider_google-*.whl

clean:
	rm -rf $(VENV) $(DATA) dist .pytest_cache
