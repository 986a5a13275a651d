"""Which backend process watches a live call: a lease on the interview row.

Exactly one sideband per call, across workers and machines: the process that connects a call takes
the lease in the same statement that marks it live (``lifecycle.mark_connected`` writes
``lease_values``); its sideband renews it every ``RENEW_EVERY_SECONDS`` and gives it back on a clean
shutdown. Every process's janitor takes over calls whose lease ran out (a crashed or stopped worker)
with one conditional UPDATE per call, so two processes can never both win; a watcher whose renewal
finds another owner stops watching. Before this, every process re-attached every live call at start,
so a rolling restart left two watchers on the other worker's calls (two closing requests, two cut-ins).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel import Session, col

from vocahire.models import InterviewSession, utcnow
from vocahire.models.interview import STATUS_ACTIVE

PROCESS_ID = uuid.uuid4().hex  # this backend process, for as long as it runs
LEASE_SECONDS = 30.0
RENEW_EVERY_SECONDS = 10.0


def lease_values(now: datetime) -> dict[str, Any]:
    """The columns that give this process the lease from ``now``."""
    return {"sideband_owner": PROCESS_ID, "sideband_lease_until": now + timedelta(seconds=LEASE_SECONDS)}


def lapsed(now: datetime) -> Any:
    """SQL condition: nobody holds the call's lease any more (never taken, given back, or run out)."""
    until = col(InterviewSession.sideband_lease_until)
    return or_(until.is_(None), until < now)


def _this_live_call(interview_id: str, call_id: str) -> tuple[Any, ...]:
    """SQL conditions: the interview is live on this very call (not ended, not replaced)."""
    return (
        col(InterviewSession.id) == interview_id,
        col(InterviewSession.status) == STATUS_ACTIVE,
        col(InterviewSession.openai_call_id) == call_id,
    )


def claim(*, session: Session, interview_id: str, call_id: str, now: datetime | None = None) -> bool:
    """Take over a live call whose lease has lapsed; False if another process holds it (or it ended,
    or another call replaced it)."""
    now = now or utcnow()
    result = session.execute(
        update(InterviewSession)
        .where(
            *_this_live_call(interview_id, call_id),
            or_(lapsed(now), col(InterviewSession.sideband_owner) == PROCESS_ID),
        )
        .values(**lease_values(now))
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def renew(*, session: Session, interview_id: str, call_id: str, now: datetime | None = None) -> bool:
    """Extend this process's lease on a call it watches; False once another process owns it, the call
    was replaced or the interview ended."""
    now = now or utcnow()
    result = session.execute(
        update(InterviewSession)
        .where(*_this_live_call(interview_id, call_id), col(InterviewSession.sideband_owner) == PROCESS_ID)
        .values(**lease_values(now))
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def release(*, session: Session, interview_ids: list[str]) -> int:
    """Give back this process's leases (a clean shutdown): another process takes the calls over at once."""
    if not interview_ids:
        return 0
    result = session.execute(
        update(InterviewSession)
        .where(
            col(InterviewSession.id).in_(interview_ids), col(InterviewSession.sideband_owner) == PROCESS_ID
        )
        .values(sideband_lease_until=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
