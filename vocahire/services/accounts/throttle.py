"""Counting requests per key in the database, so limits hold across workers and without Redis."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from vocahire.errors import TooManyAttempts
from vocahire.models import ThrottleHit, utcnow

# Hits older than this are deleted as new ones arrive (no limit looks further back).
RETENTION = timedelta(days=1)


def key_for(kind: str, value: str) -> str:
    """A throttle key that doesn't store the address or IP itself."""
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()[:40]}"


def hit(*, session: Session, key: str, limit: int, window: timedelta, message: str) -> None:
    """Count one request under ``key``; ``TooManyAttempts(message)`` once ``limit`` came within ``window``."""
    now = utcnow()
    stale = col(ThrottleHit.at) < now - RETENTION
    session.execute(delete(ThrottleHit).where(col(ThrottleHit.key) == key, stale))
    recent = session.execute(
        select(func.count()).where(col(ThrottleHit.key) == key, col(ThrottleHit.at) > now - window)
    ).scalar_one()
    if recent >= limit:
        raise TooManyAttempts(message)
    session.add(ThrottleHit(key=key, at=now))
    session.flush()
