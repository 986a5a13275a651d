#!/bin/sh
# Container start: apply migrations (once per deployment: set RUN_MIGRATIONS=0 on all but one
# instance, or run `alembic upgrade head` as a separate release job), then serve on $PORT.
set -eu
cd /app
if [ "${RUN_MIGRATIONS:-1}" = "1" ]; then
  echo "==> Applying database migrations"
  alembic upgrade head
fi
echo "==> Starting VocaHire on port ${PORT}"
# SIGTERM from the orchestrator reaches Reflex (exec): sockets are released cleanly, so open tabs
# reconnect to another instance with their state (kept in Redis) intact.
exec reflex run --env prod --frontend-port "${PORT}" --backend-host 0.0.0.0
