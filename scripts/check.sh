#!/usr/bin/env bash
# Static checks, all at zero findings: ruff (lint + format), mypy, and the import-linter layer contracts.
# Run by scripts/test.sh before the tests (so by CI); needs the dev tools (scripts/setup.sh --dev).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1;35m==>\033[0m %s\n' "$*"; }
say "ruff check";          .venv/bin/ruff check --quiet .
say "ruff format --check"; .venv/bin/ruff format --check --quiet .
say "mypy";                .venv/bin/mypy
say "import contracts";    .venv/bin/lint-imports --no-cache
