"""Server-side overhead of starting an interview, against a zero-latency fake OpenAI.

One start = what the server does between the candidate pressing Start and the
browser getting OpenAI's answer, minus the browser's own WebRTC work:
1. identity: verify the session token and load the user (as every handler does);
2. ``start_interview``: close stale sessions, one-live check, session row and
   credit reservation in one transaction;
3. ``POST /api/webrtc-exchange`` through the real Starlette app (ASGI, in process):
   identity again, ownership/state check, instructions, the multipart call to the
   fake's ``/v1/realtime/calls`` (answers at once with a canned SDP), the session
   marked live. The sideband task is not started (it runs after the answer).

Each start is by a different user (one live interview per user). Concurrency 1, 20
and 100; SQLite (a WAL file) and PostgreSQL (when 127.0.0.1:5432 answers). Also
prints the fake's own round trip alone, so what is the app's overhead is visible.

    .venv/bin/python benchmarks/interview_start_bench.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
for key in [k for k in os.environ if k.startswith(("DATABASE_URL", "OPENAI_", "REDIS_URL", "INTERVIEW_"))]:
    del os.environ[key]
os.environ["ENVIRONMENT"] = "test"
os.environ["LOG_LEVEL"] = "WARNING"
logging.disable(logging.WARNING)

import httpx  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from tests.conftest import PG_ADMIN_URL, migrate, postgres_available, refresh_settings  # noqa: E402
from tests.fakes.openai_realtime import FakeRealtime  # noqa: E402
from tests.utils.live import FORM, OFFER_SDP  # noqa: E402

CONCURRENCY = (1, 20, 100)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def make_users(n: int) -> list[tuple[int, str]]:
    """n users with their 3.00 grant, and a session cookie each (through the real sign-up service)."""
    from vocahire.infra.database import in_session
    from vocahire.services.accounts import sessions
    from vocahire.services.accounts import users as accounts
    from vocahire.services.accounts.session_tokens import SESSION_COOKIE
    from vocahire.settings import get_settings

    settings = get_settings()
    out = []
    for _ in range(n):
        user = in_session(
            accounts.sign_up,
            settings=settings,
            email=f"b{uuid.uuid4().hex[:12]}@example.com",
            password="correct-horse-42",
            name="Bench",
        )
        token = in_session(sessions.open_session, settings=settings, user_id=user.id)
        out.append((user.id, f"{SESSION_COOKIE}={token}"))
    return out


async def one_start(client: httpx.AsyncClient, cookie: str) -> float:
    from vocahire.infra.database import run_db
    from vocahire.services.accounts.identity import Credential, require_user
    from vocahire.services.interviews import lifecycle as interviews
    from vocahire.settings import get_settings

    settings = get_settings()
    started = time.perf_counter()
    user = await require_user(Credential(cookie_header=cookie))
    interview = await run_db(
        interviews.start_interview, settings=settings, user_id=user.id, setup=interviews.parse_setup(FORM)
    )
    response = await client.post(
        "/api/webrtc-exchange",
        json={"session_id": interview.id, "sdp": OFFER_SDP},
        headers={"cookie": cookie},
    )
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"exchange failed: {response.status_code} {response.text[:200]}")
    return elapsed


async def fake_round_trip(fake: FakeRealtime, concurrency: int, rounds: int) -> list[float]:
    """The fake's own answer time for the same multipart request (no app code)."""
    from vocahire.infra import openai_realtime as realtime
    from vocahire.settings import get_settings

    settings = get_settings()
    session = realtime.session_config(settings, instructions="x" * 3000)
    times: list[float] = []
    async with httpx.AsyncClient(timeout=30) as http:

        async def one() -> None:
            t = time.perf_counter()
            await realtime.create_call(settings, offer_sdp=OFFER_SDP, session=session, client=http)
            times.append(time.perf_counter() - t)

        for _ in range(rounds):
            await asyncio.gather(*(one() for _ in range(concurrency)))
    return times


async def measure(concurrency: int, rounds: int) -> tuple[list[float], int, float]:
    from vocahire.api import make_api
    from vocahire.services.interviews.sideband import registry

    registry.enabled = False  # the sideband starts after the answer; not part of a start's latency
    users = await asyncio.to_thread(make_users, concurrency * rounds)
    times: list[float] = []
    failures = 0
    busy = 0.0
    transport = httpx.ASGITransport(app=make_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000", timeout=60) as client:
        for r in range(rounds):
            batch = users[r * concurrency : (r + 1) * concurrency]
            t0 = time.perf_counter()
            results = await asyncio.gather(
                *(one_start(client, cookie) for _, cookie in batch), return_exceptions=True
            )
            busy += time.perf_counter() - t0
            for res in results:
                if isinstance(res, BaseException):
                    failures += 1
                else:
                    times.append(res)
    return times, failures, busy


def run_database(label: str, url: str, fake: FakeRealtime, rounds: int) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["OPENAI_API_KEY"] = fake.api_key
    os.environ["OPENAI_BASE_URL"] = fake.base_url
    refresh_settings()
    print(f"\n{label}")
    print(
        f"  {'concurrent':>10} {'starts':>7} {'median':>9} {'p99':>9} {'starts/s':>9} {'failed':>7}"
        "   fake alone: median / p99"
    )
    for concurrency in CONCURRENCY:
        n_rounds = max(1, rounds * (20 if concurrency == 1 else 1))
        times, failures, busy = asyncio.run(measure(concurrency, n_rounds))
        fake_times = asyncio.run(fake_round_trip(fake, concurrency, max(1, n_rounds // 4)))
        rate = len(times) / busy if busy else 0.0
        print(
            f"  {concurrency:>10} {len(times):>7} {statistics.median(times) * 1000:>7.1f}ms "
            f"{pct(times, 99) * 1000:>7.1f}ms {rate:>9.1f} {failures:>7}"
            f"   {statistics.median(fake_times) * 1000:.1f} / {pct(fake_times, 99) * 1000:.1f} ms"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds per concurrency level (x20 at concurrency 1)"
    )
    args = parser.parse_args()
    with FakeRealtime(webrtc=False) as fake, tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate(sqlite_url)
        run_database("SQLite (WAL file)", sqlite_url, fake, args.rounds)
        if postgres_available():
            name = f"vocahire_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
                migrate(url)
                run_database("PostgreSQL", url, fake, args.rounds)
            finally:
                from vocahire.infra import database as db

                db.reset_engines()
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        else:
            print("\nPostgreSQL: skipped (nothing answers on 127.0.0.1:5432)")
    print(
        "\nmedian/p99: one start's server time (identity + session row and credit + exchange with the fake);"
        "\nstarts/s: completed starts per second of wall time at that concurrency; "
        "'fake alone' is the upstream share."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
