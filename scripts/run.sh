#!/usr/bin/env bash
# Sets everything up, then serves VocaHire on http://localhost:3000 with its embedded defaults
# (SQLite file, no Redis, built-in accounts). Settings come from the environment or .env.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$PWD/.tools/node/node_modules/.bin:$PATH"
export REFLEX_USE_NPM=1 REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false PYTHONUNBUFFERED=1
# The browser must reach the backend at the address it loaded the page from (APP_URL, default
# http://localhost:3000); a custom PORT without APP_URL means localhost on that port.
if [ -n "${PORT:-}" ] && [ -z "${APP_URL:-}" ]; then export APP_URL="http://localhost:$PORT"; fi
PORT=${PORT:-3000}
printf '\033[1;35m==>\033[0m Building and starting the app on http://localhost:%s (Ctrl+C stops it)\n' "$PORT"
exec .venv/bin/reflex run --env prod --frontend-port "$PORT"
