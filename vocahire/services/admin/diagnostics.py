"""What the diagnostics routes report: database, tables, migration head, Redis, integrations, timings."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, inspect, select, text
from sqlmodel import Session, SQLModel, col

from vocahire.infra import cache, schema_status
from vocahire.infra.database import get_engine, in_session
from vocahire.models import CreditLedgerEntry, InterviewSession, User, utcnow
from vocahire.models.interview import FEEDBACK_PENDING
from vocahire.services.admin import usage as admin_usage
from vocahire.settings import get_settings

TIMING_RUNS = 3


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def check_tables() -> tuple[list[str], list[str]]:
    """(expected tables, missing tables) — the app's models against what the database has."""
    expected = sorted(t.name for t in SQLModel.metadata.sorted_tables)
    with get_engine().connect() as conn:
        present = set(inspect(conn).get_table_names())
    return expected, [t for t in expected if t not in present]


def connection_report() -> tuple[dict[str, Any], bool]:
    """The connection test's body and whether the database is usable (else the route answers 503)."""
    settings = get_settings()
    status = schema_status.check_database()
    database: dict[str, Any] = {
        "reachable": status.reachable,
        "dialect": get_engine().dialect.name,
        "latency_ms": status.latency_ms,
    }
    tables: dict[str, Any] = {"checked": False}
    if status.reachable:
        try:
            expected, missing = check_tables()
            tables = {"checked": True, "expected": len(expected), "missing": missing}
        except Exception as exc:
            tables = {"checked": False, "error": type(exc).__name__}
    redis_ok, redis_ms, redis_error = cache.ping()
    redis: dict[str, Any] = {
        "configured": bool(settings.redis_url),
        "reachable": redis_ok,
        "latency_ms": redis_ms,
    }
    if redis_error and settings.redis_url:
        redis["error"] = redis_error
    usable = status.reachable and tables.get("checked") is True and not tables.get("missing")
    healthy = usable and status.at_head and (redis_ok or not settings.redis_url)
    body = {
        "status": "ok" if healthy else ("degraded" if usable else "unavailable"),
        "database": database,
        "tables": tables,
        "migration": {
            "current": status.current_revision,
            "head": status.head_revision,
            "at_head": status.at_head,
        },
        "redis": redis,
        "state_manager": "redis" if settings.redis_url else "memory",
        "integrations": {
            "auth": settings.resolved_auth_provider,
            "openai": settings.openai_configured,
            "stripe": settings.stripe_configured,
            "stripe_webhooks": bool(settings.stripe_webhook_secret),
            "clerk_webhooks": bool(settings.clerk_webhook_secret),
            "sentry": bool(settings.sentry_dsn),
        },
        "environment": settings.environment,
        "version": settings.app_version,
    }
    return body, usable


def _sample_user(session: Session) -> tuple[int, str]:
    row = session.execute(
        select(col(User.id), col(User.email)).order_by(col(User.id).desc()).limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row else (0, "nobody@example.invalid")


def _representative_queries(user_id: int, email: str) -> list[tuple[str, Callable[[Session], int]]]:
    """The queries a signed-in page load and the dashboards make, each returning a row count."""
    since = utcnow() - timedelta(days=30)
    return [
        ("round_trip", lambda s: len(s.execute(text("SELECT 1")).all())),
        (
            "user_by_email",
            lambda s: len(s.execute(select(col(User.id)).where(col(User.email) == email)).all()),
        ),
        (
            "recent_interviews_for_user",
            lambda s: len(
                s.execute(
                    select(col(InterviewSession.id))
                    .where(col(InterviewSession.user_id) == user_id)
                    .order_by(col(InterviewSession.created_at).desc())
                    .limit(20)
                ).all()
            ),
        ),
        (
            "ledger_sum_for_user",
            lambda s: len(
                s.execute(
                    select(func.coalesce(func.sum(CreditLedgerEntry.amount_cents), 0)).where(
                        col(CreditLedgerEntry.user_id) == user_id
                    )
                ).all()
            ),
        ),
        (
            "feedback_queue",
            lambda s: len(
                s.execute(
                    select(col(InterviewSession.id))
                    .where(col(InterviewSession.feedback_status) == FEEDBACK_PENDING)
                    .order_by(col(InterviewSession.feedback_next_attempt_at))
                    .limit(10)
                ).all()
            ),
        ),
        (
            "interviews_last_30_days",
            lambda s: int(
                s.execute(
                    select(func.count())
                    .select_from(InterviewSession)
                    .where(col(InterviewSession.created_at) >= since)
                ).scalar_one()
            ),
        ),
        (
            "admin_usage_report_30_days",
            lambda s: len(admin_usage.usage_report(session=s, date_range=admin_usage.default_range()).days),
        ),
    ]


def db_performance() -> dict[str, Any]:
    """Each representative query timed ``TIMING_RUNS`` times in one transaction (median and worst, in ms)."""

    def run(*, session: Session) -> dict[str, Any]:
        started_all = time.perf_counter()
        user_id, email = _sample_user(session)
        results = []
        for name, query in _representative_queries(user_id, email):
            timings, rows = [], 0
            for _ in range(TIMING_RUNS):
                started = time.perf_counter()
                rows = query(session)
                timings.append(_ms(started))
            results.append(
                {
                    "name": name,
                    "median_ms": round(statistics.median(timings), 2),
                    "max_ms": max(timings),
                    "rows": rows,
                }
            )
        return {
            "database": session.get_bind().dialect.name,
            "runs_per_query": TIMING_RUNS,
            "queries": results,
            "total_ms": _ms(started_all),
        }

    return in_session(run)
