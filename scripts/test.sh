#!/usr/bin/env bash
# Sets everything up (test tools and Chromium included), runs the static checks, then the whole test suite.
# PostgreSQL and Redis tests run when they answer on 127.0.0.1 (they do on CI). Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
export PATH="$PWD/.tools/node/node_modules/.bin:$PATH"
export REFLEX_USE_NPM=1 REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false PYTHONUNBUFFERED=1
scripts/check.sh
printf '\033[1;35m==>\033[0m Running the test suite\n'
exec .venv/bin/python -m pytest tests -q -p no:cacheprovider "$@"
