#!/usr/bin/env bash
# The app as the browser tests meet it: a fresh database (DATABASE_URL, else a SQLite file) with
# the demo data, the built shop, the local payment sandbox answering after 1 s, emails as .eml
# files in E2E_DIR/outbox (the tests read the links from them).
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT=${1:-5077}
E2E_DIR=${E2E_DIR:-$(pwd)/storefront/test-results/server}
rm -rf "$E2E_DIR" && mkdir -p "$E2E_DIR"
export PORT APP_ENV=development
export DATABASE_URL=${DATABASE_URL:-sqlite:///$E2E_DIR/duka.db}
export PUBLIC_BASE_URL=http://127.0.0.1:$PORT FRONTEND_URL=http://127.0.0.1:$PORT
export MEDIA_ROOT=$E2E_DIR/media PRIVATE_MEDIA_ROOT=$E2E_DIR/private-media
export MAIL_OUTBOX_DIR=$E2E_DIR/outbox PAYMENT_SANDBOX_DIR=$E2E_DIR/sandbox
export PAYMENT_SANDBOX_DELAY_SECONDS=1 RATELIMIT_STORAGE_URI=memory://
.venv/bin/flask --app run:app db upgrade >"$E2E_DIR/setup.log" 2>&1
.venv/bin/flask --app run:app seed-demo --products 40 >>"$E2E_DIR/setup.log" 2>&1
exec .venv/bin/python run.py >"$E2E_DIR/server.log" 2>&1
