#!/usr/bin/env bash
# Sets up everything VocaHire needs, idempotently: venv + pinned packages, Node >= 22.22, database migrations.
# Usage: scripts/setup.sh [--dev]   (--dev also installs the test tools and Debian's Chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEV=0; [ "${1:-}" = "--dev" ] && DEV=1
say() { printf '\033[1;35m==>\033[0m %s\n' "$*"; }

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
"$PY" -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' || { echo "Python 3.11+ is required (found $("$PY" --version))"; exit 1; }

# 1. Virtual environment with the pinned packages (re-installed only when a requirements file changes).
if [ ! -x .venv/bin/python ]; then
  say "Creating the virtual environment in .venv"
  "$PY" -m venv .venv
fi
REQ_FILES="requirements.txt"; [ $DEV = 1 ] && REQ_FILES="$REQ_FILES tests/requirements.txt"
STAMP=".venv/.requirements-$(cat $REQ_FILES | sha256sum | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
  say "Installing pinned Python packages ($REQ_FILES)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ $DEV = 1 ]; then .venv/bin/pip install --quiet -r tests/requirements.txt; else .venv/bin/pip install --quiet -r requirements.txt; fi
  rm -f .venv/.requirements-*; touch "$STAMP"
else
  say "Python packages are up to date"
fi

# 2. Node >= 22.22 (Reflex 0.10 refuses older); from the npm registry when the system's is older.
node_ok() { command -v node >/dev/null 2>&1 && node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=22)?0:1)'; }
export PATH="$ROOT/.tools/node/node_modules/.bin:$PATH"
if node_ok; then
  say "Node $(node --version) is recent enough"
else
  say "Installing Node 22 from the npm registry into .tools/node"
  command -v npm >/dev/null 2>&1 || { echo "npm is needed to fetch Node 22 (apt-get install -y npm)"; exit 1; }
  npm install --silent --no-audit --no-fund --prefix .tools/node node@22 >/dev/null
  hash -r
  node_ok || { echo "Node 22 install failed"; exit 1; }
  say "Node $(node --version) ready"
fi

# 3. Chromium for the browser tests (Debian's; never a downloaded browser).
if [ $DEV = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  say "Installing Debian's Chromium for the end-to-end tests"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# 4. axe-core for the accessibility tests (pinned, from the npm registry; Playwright injects it into Chromium).
AXE_VERSION=4.14.1
if [ $DEV = 1 ]; then
  if [ "$(node -p 'try{require("./.tools/axe/node_modules/axe-core/package.json").version}catch(e){""}' 2>/dev/null)" = "$AXE_VERSION" ]; then
    say "axe-core $AXE_VERSION is installed"
  else
    say "Installing axe-core $AXE_VERSION from the npm registry into .tools/axe"
    npm install --silent --no-audit --no-fund --prefix .tools/axe "axe-core@$AXE_VERSION" >/dev/null
    [ -f .tools/axe/node_modules/axe-core/axe.min.js ] || { echo "axe-core install failed"; exit 1; }
  fi
fi

# 5. Database migrations (SQLite file by default; DATABASE_URL / MIGRATE_DATABASE_URL otherwise).
if [ $DEV = 0 ]; then
  say "Applying database migrations"
  if ! out=$(.venv/bin/alembic upgrade head 2>&1); then
    printf '%s\n' "$out"; echo "Database migrations failed (above): the app was not started."; exit 1
  fi
  printf '%s\n' "$out" | grep -v "^INFO  \[alembic.runtime.migration\] \(Context\|Will assume\)" || true
fi
say "Setup complete"
