"""Admin economics queries on 100,000 interviews: how long /admin/usage's unit economics take to compute.

Builds a throwaway database at the migration head (SQLite, and PostgreSQL when it answers on
127.0.0.1:5432), fills it with N interviews over a year (default 100,000) by 10,000 candidates, each
interview with its usage totals (Realtime call, transcription, feedback: three rows), credit-pack and
Coach payments (monthly renewals, quarterly and annual plans, some refunded), then times each query of
``economics_report`` and the CSV export over a 30-day, 90-day and 365-day range (median of 5 runs).

    .venv/bin/python benchmarks/economics_bench.py [--interviews 100000] [--runs 5] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
for key in [k for k in os.environ if k.startswith(("DATABASE_URL", "MODEL_PRICES", "INTERVIEW_"))]:
    del os.environ[key]
os.environ.setdefault("ENVIRONMENT", "development")

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from tests.conftest import PG_ADMIN_URL, migrate, postgres_available  # noqa: E402
from vocahire.models import (  # noqa: E402
    InterviewCost,
    InterviewModelUsage,
    InterviewSession,
    StripePayment,
    User,
)
from vocahire.services.admin import economics  # noqa: E402
from vocahire.services.admin.usage import DateRange  # noqa: E402
from vocahire.settings import Settings  # noqa: E402

END = date(2026, 12, 1)
USERS = 10_000
CHUNK = 5_000


def _chunks(rows: list[dict[str, Any]]) -> Any:
    for i in range(0, len(rows), CHUNK):
        yield rows[i : i + CHUNK]


def fill(url: str, interviews: int, seed: int = 18) -> None:
    rnd = random.Random(seed)
    engine = create_engine(url)
    start = datetime.combine(END - timedelta(days=364), datetime.min.time(), tzinfo=UTC)
    now = datetime.now(UTC)
    users = [
        {
            "id": i,
            "email": f"user{i}@example.com",
            "name": f"User {i}",
            "credits_cents": 0,
            "created_at": start,
            "updated_at": start,
        }
        for i in range(1, USERS + 1)
    ]
    kinds = {i: rnd.choices(["coach", "packs", "free"], [0.3, 0.5, 0.2])[0] for i in range(1, USERS + 1)}
    payments: list[dict[str, Any]] = []
    for uid, kind in kinds.items():
        if kind == "packs":
            for _ in range(rnd.randint(1, 3)):
                refunded = rnd.random() < 0.05
                payments.append(
                    {
                        "user_id": uid,
                        "offer": rnd.choice(["credits_3", "credits_5"]),
                        "kind": "one_time",
                        "status": "refunded" if refunded else "paid",
                        "currency": "usd",
                        "amount_cents": 700,
                        "amount_refunded_cents": 700 if refunded else 0,
                        "paid_at": start + timedelta(seconds=rnd.randint(0, 364 * 86400)),
                    }
                )
        elif kind == "coach":
            offer, months = rnd.choice([("coach_monthly", 1), ("coach_quarterly", 3), ("coach_annual", 12)])
            paid = start - timedelta(days=rnd.randint(0, 60))
            while paid < now:
                payments.append(
                    {
                        "user_id": uid,
                        "offer": offer,
                        "kind": "subscription",
                        "status": "paid",
                        "currency": "usd",
                        "amount_cents": {1: 2000, 3: 5000, 12: 18000}[months],
                        "amount_refunded_cents": 0,
                        "paid_at": paid,
                    }
                )
                paid += timedelta(days=30 * months)
    sessions: list[dict[str, Any]] = []
    usage: list[dict[str, Any]] = []
    costs: list[dict[str, Any]] = []
    for _ in range(interviews):
        uid = rnd.randint(1, USERS)
        created = start + timedelta(seconds=rnd.randint(0, 365 * 86400 - 1))
        sid = uuid.uuid4().hex
        minutes = rnd.randint(5, 30)
        sessions.append(
            {
                "id": sid,
                "user_id": uid,
                "job_title": "Engineer",
                "status": "completed",
                "duration_seconds": minutes * 60,
                "end_reason": "cost_limit" if rnd.random() < 0.002 else "time_limit",
                "credits_charged_cents": 0 if kinds[uid] == "coach" else 100,
                "created_at": created,
                "updated_at": created,
            }
        )
        total = 0
        for source, model, nanos in (
            ("realtime", "gpt-realtime-mini", minutes * rnd.randint(20_000_000, 60_000_000)),
            ("transcription", "gpt-4o-mini-transcribe", minutes * rnd.randint(1_000_000, 3_000_000)),
            ("feedback", "gpt-4.1-mini", rnd.randint(1_000_000, 3_000_000)),
        ):
            usage.append(
                {
                    "session_id": sid,
                    "source": source,
                    "model": model,
                    "started_at": created,
                    "events": minutes * 2,
                    **dict.fromkeys(
                        (
                            "text_input",
                            "cached_text_input",
                            "audio_input",
                            "cached_audio_input",
                            "image_input",
                            "cached_image_input",
                            "text_output",
                            "audio_output",
                            "audio_ms",
                        ),
                        minutes * 100,
                    ),
                    "cost_nanousd": nanos,
                    "updated_at": created,
                }
            )
            total += nanos
        costs.append(
            {
                "session_id": sid,
                "user_id": uid,
                "started_at": created,
                "cost_nanousd": total,
                "updated_at": created,
            }
        )
    with engine.begin() as conn:
        for table, rows in (
            (User.__table__, users),  # type: ignore[attr-defined]
            (StripePayment.__table__, payments),  # type: ignore[attr-defined]
            (InterviewSession.__table__, sessions),  # type: ignore[attr-defined]
            (InterviewModelUsage.__table__, usage),  # type: ignore[attr-defined]
            (InterviewCost.__table__, costs),  # type: ignore[attr-defined]
        ):
            for chunk in _chunks(rows):
                conn.execute(insert(table), chunk)
        conn.execute(text("ANALYZE"))
    engine.dispose()
    print(
        f"  filled: {len(users):,} users, {len(payments):,} payments, {len(sessions):,} interviews, "
        f"{len(usage):,} usage rows"
    )


def timed(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(label: str, url: str, runs: int) -> None:
    engine = create_engine(url)
    settings = Settings()
    print(f"\n{label}")
    heads = ("report", "by model", "attrib.", "revenue", "losses", "daily", "CSV")
    print(f"  {'range':<10}" + "".join(f"{h:>10}" for h in heads))
    for days in (30, 90, 365):
        rng = DateRange(END - timedelta(days=days - 1), END)

        def run(fn: Callable[[Session], Any]) -> float:
            def once() -> Any:
                with Session(engine) as session:
                    return fn(session)

            return timed(once, runs)

        figures = [
            run(lambda s, r=rng: economics.economics_report(session=s, date_range=r, settings=settings)),
            run(lambda s, r=rng: economics._cost_stats(s, r, by_model=True)),
            run(lambda s, r=rng: economics._attributed_costs(s, r)),
            run(lambda s, r=rng: economics._revenue(s, r)),
            run(lambda s, r=rng: economics._losses(s, r)),
            run(lambda s, r=rng: economics._days(s, r)),
            run(lambda s, r=rng: economics.interview_costs_csv(session=s, date_range=r)),
        ]
        with Session(engine) as session:
            report = economics.economics_report(session=session, date_range=rng, settings=settings)
        print(
            f"  {str(days) + ' days':<10}"
            + "".join(f"{ms:>8.0f}ms" for ms in figures)
            + f"   ({report.overall.interviews:,} interviews, median {report.overall.median} USD)"
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    print(f"economics queries on {args.interviews:,} interviews (median of {args.runs} runs each)")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'economics.db'}"
        migrate(url)
        fill(url, args.interviews)
        measure("SQLite", url, args.runs)
    if args.sqlite_only or not postgres_available():
        print("\nPostgreSQL: skipped" + ("" if args.sqlite_only else " (not answering on 127.0.0.1:5432)"))
        return
    name = f"vocahire_econ_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        migrate(url)
        fill(url, args.interviews)
        measure("PostgreSQL", url, args.runs)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
