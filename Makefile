# Duka: `make run` serves the API with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app run:app
PYTEST_ARGS ?=
NPM ?= npm

.PHONY: run test storefront storefront-deps storefront-dev storefront-test install dev-install migrate seed fuzz worker-smoke db-check ledger-verify contract openapi lint clean bench

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

## Set up, build the web shop, migrate, load demo data and serve both on http://127.0.0.1:$(PORT)
run: export FRONTEND_URL ?= http://127.0.0.1:$(PORT)
run: install
	@$(MAKE) --no-print-directory storefront || echo "** The web shop is not built (above: why); serving the API alone."
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "** The shop: http://127.0.0.1:$(PORT)/  The API's docs: http://127.0.0.1:$(PORT)/api/v1/docs"
	PORT=$(PORT) $(BIN)/python run.py

## The web shop's packages and the API's types (from the OpenAPI document), type-checked
storefront-deps: install
	@command -v $(NPM) >/dev/null || { echo "npm not found: install Node.js 20+ and npm (Debian: apt-get install nodejs npm)"; exit 1; }
	mkdir -p storefront/build
	APP_ENV=testing $(FLASK) openapi write --format json storefront/build/openapi.json
	cd storefront && npm ci --no-audit --no-fund --loglevel=error
	cd storefront && npm run --silent types && npm run --silent check && npx tsc -p tsconfig.e2e.json

## Build the web shop into storefront/dist (served at / by the app); fails on a type error or past the size budget
storefront: storefront-deps
	cd storefront && npm run --silent build

## Work on the shop's pages: the API on :$(PORT), Vite's dev server (hot reload) on http://127.0.0.1:3000
storefront-dev: storefront-deps
	$(FLASK) db upgrade && $(FLASK) seed-demo > /dev/null
	trap 'kill 0' EXIT; FRONTEND_URL=http://127.0.0.1:3000 PORT=$(PORT) $(BIN)/python run.py & \
	  cd storefront && DUKA_API=http://127.0.0.1:$(PORT) npx vite --host 127.0.0.1

## The browser tests (Playwright, Debian's chromium) against the app on DATABASE_URL (default: a new SQLite file)
storefront-test: storefront
	cd storefront && npx playwright test

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
	rm -rf storefront/node_modules storefront/dist storefront/build storefront/test-results storefront/screenshots
