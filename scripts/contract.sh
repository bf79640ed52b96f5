#!/usr/bin/env bash
# The API contract as a client developer meets it (make contract): the OpenAPI document is
# written to a file, validated (openapi-spec-validator), linted (Redocly's recommended rules,
# Spectral's spectral:oas; errors fail, warnings are shown), and turned into a Python client
# (openapi-python-client, warnings fail) and TypeScript types (openapi-typescript, then
# `tsc --strict` on scripts/contract/usage.ts). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
HERE=scripts/contract
OUT=$HERE/build
rm -rf "$OUT" && mkdir -p "$OUT"

echo "-- writing the document"
APP_ENV=testing "$BIN/flask" --app run:app openapi write --format json "$OUT/openapi.json"

echo "-- openapi-spec-validator"
"$BIN/openapi-spec-validator" "$OUT/openapi.json"

(cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
export NO_UPDATE_NOTIFIER=1 REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

echo "-- Redocly (recommended rules)"
(cd "$HERE" && npx --no-install redocly lint --format=stylish build/openapi.json 2>&1 | grep -v '[║╔╚]')

echo "-- Spectral (spectral:oas)"
(cd "$HERE" && npx --no-install spectral lint --fail-severity=error build/openapi.json)

echo "-- openapi-python-client"
"$BIN/openapi-python-client" generate --path "$OUT/openapi.json" --output-path "$OUT/python-client" \
  --meta none --config "$HERE/python-client.yml" --fail-on-warning

echo "-- openapi-typescript, then tsc --strict"
log=$(cd "$HERE" && npx --no-install openapi-typescript build/openapi.json -o build/api.d.ts 2>&1)
echo "$log"
if grep -qiE 'warn|error' <<<"$log"; then echo "openapi-typescript warned"; exit 1; fi
(cd "$HERE" && npx --no-install tsc -p tsconfig.json)

echo "contract checks passed"
