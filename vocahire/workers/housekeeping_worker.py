"""The housekeeping loop: prunes expired account records once an hour (see
``services/accounts/housekeeping.py``). Runs in every backend process as a Reflex lifespan task; the
deletes are idempotent, so processes running it side by side only repeat a cheap query."""

from __future__ import annotations

import asyncio
import logging

from vocahire.infra.database import run_db
from vocahire.services.accounts.housekeeping import prune_expired_records

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 3600.0


async def run_housekeeping(interval_seconds: float = INTERVAL_SECONDS) -> None:
    """Reflex lifespan task: one sweep now, then one an hour; a failed sweep waits for the next."""
    while True:
        try:
            removed = await run_db(prune_expired_records)
            if any(removed.values()):
                log.info("housekeeping: removed %s", ", ".join(f"{n} {t}" for t, n in removed.items() if n))
        except Exception as exc:
            log.warning("housekeeping: sweep failed (%s)", type(exc).__name__)
        await asyncio.sleep(interval_seconds)
