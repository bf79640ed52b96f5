# Duka: `make run` serves the API with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app run:app
PYTEST_ARGS ?=

.PHONY: run test install dev-install migrate seed fuzz worker-smoke db-check ledger-verify contract openapi lint clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
dev-install: $(VENV)/.dev-installed

## Set up, migrate, load demo data and serve on http://127.0.0.1:$(PORT)
run: install
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	PORT=$(PORT) $(BIN)/python run.py

## Set up and run the tests (SQLite; TEST_DATABASE_URL=postgresql://... for PostgreSQL)
test: dev-install
	$(BIN)/pytest -q -n 2 $(PYTEST_ARGS)

migrate: install
	$(FLASK) db upgrade

seed: install
	$(FLASK) seed-demo

## Migrations build the models' schema exactly (DATABASE_URL should name an empty database)
db-check: install
	$(FLASK) db upgrade
	$(FLASK) db check

## Load the demo data, then recompute the ledger from its postings (exits 1 on any difference)
ledger-verify: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo > /dev/null
	$(FLASK) ledger verify

## Fuzz the OpenAPI document with schemathesis against a throw-away server
fuzz: dev-install
	$(BIN)/python scripts/fuzz.py

## a Celery worker and beat against Redis (SMOKE_BROKER_URL, default db 12): the worker delivers an order's email
worker-smoke: dev-install
	$(BIN)/python scripts/worker_smoke.py

## ruff (lint and format check) and mypy over app/, as configured in pyproject.toml
lint: dev-install
	$(BIN)/ruff check app tests bench scripts
	$(BIN)/ruff format --check app tests bench scripts
	$(BIN)/mypy

## Validate and lint the OpenAPI document, generate a Python client and TypeScript types from it
contract: dev-install
	BIN=$(BIN) bash scripts/contract.sh

## Write the OpenAPI document to a file (import it into Postman or Insomnia): make openapi OUT=api.json
OUT ?= openapi.json
openapi: install
	$(FLASK) openapi write --format json $(OUT)

clean:
	rm -rf $(VENV) instance .pytest_cache scripts/contract/node_modules scripts/contract/build
