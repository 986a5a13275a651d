#!/usr/bin/env bash
# Development-only: rebuild the single initial migration from the models (before the first release,
# while no deployed database exists). After the first release, add normal revisions instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f alembic/versions/*_0001_initial_schema.py
DATABASE_URL="sqlite:///$tmp/gen.db" .venv/bin/alembic revision --autogenerate -m "initial schema" --rev-id 0001 >/dev/null
rm -rf "$tmp"
ls alembic/versions/
