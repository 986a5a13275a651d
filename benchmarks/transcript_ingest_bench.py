"""Transcript ingest through the real Reflex websocket, against a no-op handler in the same run.

A production backend (``reflex run --env prod --backend-only``, one worker) is
started on a copy of the app. N browser-like Socket.IO clients each open the
live page of their own interview (signed in with their own cookie, the page's
``on_load`` run by the server), then every 2 s send what the WebRTC component
sends: one final line through ``LiveInterviewState.on_lines``. The time to
durable save is from the emit until the client receives the state update whose
``ack_seq`` covers that line: the handler saves the line (INSERT ... ON CONFLICT
DO NOTHING) before it acknowledges. The same clients then send a no-op event at
the same rate (``State.set_is_hydrated``: sets one var, no I/O), and the ratio
of the two is printed.

(In production the server's own record comes from the sideband; this is the
browser's fallback path, the one that goes through Reflex's state lock.)

    .venv/bin/python benchmarks/transcript_ingest_bench.py [--clients 10 50 100] [--seconds 16] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
for key in [k for k in os.environ if k.startswith(("DATABASE_URL", "OPENAI_", "REDIS_URL", "INTERVIEW_"))]:
    del os.environ[key]
os.environ.setdefault("ENVIRONMENT", "development")

import scaleout_bench as sb  # noqa: E402 - reuses its process, sign-up and app-copy helpers
import socketio  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from tests.conftest import PG_ADMIN_URL, migrate, postgres_available, refresh_settings  # noqa: E402

RX = "_rx_state_"
INTERVAL = 2.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")
    )


class LivePage:
    """One candidate's live-interview tab: the socket, the state it was sent, acknowledgements."""

    def __init__(self, base_url: str, cookie: str, interview_id: str, names: dict[str, str]) -> None:
        self.base_url, self.cookie, self.interview_id, self.names = base_url, cookie, interview_id, names
        self.token = uuid.uuid4().hex
        self.sio = socketio.AsyncClient(reconnection=False)
        self.live: dict[str, Any] = {}
        self.root: dict[str, Any] = {}
        self.changed = asyncio.Event()
        self.seq = 0
        self.flag = True

    async def open(self) -> None:
        loaded = asyncio.Event()

        @self.sio.on("event", namespace="/_event")
        async def on_event(update: dict[str, Any]) -> None:
            delta = update.get("delta") or {}
            self.live.update(delta.get(self.names["live"], {}))
            self.root.update(delta.get(self.names["root"], {}))
            if self.live.get("interview_id" + RX) == self.interview_id:
                loaded.set()
            self.changed.set()

        path = f"/interview/{self.interview_id}"
        boot = {
            "name": f"{self.names['root']}.hydrate_and_load",
            "payload": {},
            "router_data": {
                "pathname": "/interview/[session_id]",
                "asPath": path,
                "query": {"session_id": self.interview_id},
            },
        }
        await self.sio.connect(
            f"{self.base_url}?token={self.token}",
            socketio_path="_event",
            transports=["websocket"],
            namespaces=["/_event"],
            auth={"event": boot},
            headers={"Cookie": self.cookie},
            wait_timeout=20,
        )
        await asyncio.wait_for(loaded.wait(), 30)

    async def _emit(self, name: str, payload: dict[str, Any]) -> None:
        path = f"/interview/{self.interview_id}"
        await self.sio.emit(
            "event",
            {
                "name": name,
                "payload": payload,
                "router_data": {"pathname": "/interview/[session_id]", "asPath": path},
            },
            namespace="/_event",
        )

    async def _until(self, done: Any, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), max(0.01, deadline - time.monotonic()))

    async def send_line(self) -> float:
        self.seq += 1
        seq = self.seq
        line = {
            "item_id": f"item_{seq}",
            "previous_item_id": f"item_{seq - 1}" if seq > 1 else None,
            "role": "candidate" if seq % 2 else "interviewer",
            "text": f"Line {seq}: we measured latency and throughput before every release.",
            "position": float(seq),
        }
        started = time.monotonic()
        await self._emit(
            f"{self.names['live']}.on_lines",
            {"event": {"session_id": self.interview_id, "seq": seq, "lines": [line], "revisions": []}},
        )
        await self._until(lambda: (self.live.get("ack_seq" + RX) or 0) >= seq)
        return time.monotonic() - started

    async def send_noop(self) -> float:
        self.flag = not self.flag
        want = self.flag
        started = time.monotonic()
        await self._emit(f"{self.names['root']}.set_is_hydrated", {"value": want})
        await self._until(lambda: self.root.get("is_hydrated" + RX) is want)
        return time.monotonic() - started

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


async def drive(pages: list[LivePage], kind: str, seconds: float) -> tuple[list[float], float, int]:
    """Every page sends one event every INTERVAL seconds (staggered) for ``seconds``; returns latencies, rate, errors."""
    latencies: list[float] = []
    errors = 0
    started = time.monotonic()

    async def run(i: int, page: LivePage) -> None:
        nonlocal errors
        await asyncio.sleep(INTERVAL * i / len(pages))
        next_at = time.monotonic()
        while time.monotonic() - started < seconds:
            try:
                latencies.append(await (page.send_line() if kind == "line" else page.send_noop()))
            except Exception:
                errors += 1
            next_at += INTERVAL
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    await asyncio.gather(*(run(i, p) for i, p in enumerate(pages)))
    return latencies, len(latencies) / (time.monotonic() - started), errors


def seed(database_url: str, user_ids: list[int]) -> list[str]:
    os.environ["DATABASE_URL"] = database_url
    refresh_settings()
    from tests.utils.live import connect_without_upstream, start

    ids = []
    for user_id in user_ids:
        interview = start(user_id)
        connect_without_upstream(interview.id, call_id=f"rtc_{uuid.uuid4().hex[:12]}")
        ids.append(interview.id)
    return ids


def saved_rows(database_url: str, ids: list[str]) -> int:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        n = sum(
            conn.execute(
                text("SELECT count(*) FROM transcript_entries WHERE session_id = :i"), {"i": i}
            ).scalar_one()
            for i in ids
        )
    engine.dispose()
    return int(n)


async def level(
    base_url: str,
    accounts: list[tuple[int, str]],
    ids: list[str],
    names: dict[str, str],
    seconds: float,
    database_url: str,
) -> None:
    pages = [
        LivePage(base_url, cookie, interview_id, names) for (_, cookie), interview_id in zip(accounts, ids)
    ]
    opened = time.monotonic()
    await asyncio.gather(*(p.open() for p in pages))
    opened = time.monotonic() - opened
    noop, noop_rate, noop_err = await drive(pages, "noop", seconds)
    lines, line_rate, line_err = await drive(pages, "line", seconds)
    rows = await asyncio.to_thread(saved_rows, database_url, ids)
    await asyncio.gather(*(p.close() for p in pages))
    n = len(pages)
    print(
        f"  {n:>7} {n / INTERVAL:>8.1f} {line_rate:>8.1f} {statistics.median(lines) * 1000:>8.1f} {pct(lines, 99) * 1000:>8.1f}"
        f" {statistics.median(noop) * 1000:>8.1f} {pct(noop, 99) * 1000:>8.1f} {statistics.median(lines) / statistics.median(noop):>7.1f}x {pct(lines, 99) / pct(noop, 99):>7.1f}x"
        f" {rows:>6}/{sum(p.seq for p in pages):<6} {line_err + noop_err:>4}   (opening {n} pages: {opened:.1f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--seconds", type=float, default=16.0)
    parser.add_argument(
        "--postgres", action="store_true", help="use a throwaway PostgreSQL database instead of SQLite"
    )
    args = parser.parse_args()
    names = sb.state_names()
    total = sum(args.clients)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        workdir = Path(tmp) / "app"
        workdir.mkdir()
        sb.copy_app(workdir)
        if args.postgres:
            if not postgres_available():
                print("PostgreSQL is not answering on 127.0.0.1:5432")
                return 1
            name = f"vocahire_ingest_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))

            def drop() -> None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()

            stack.callback(drop)
            database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        else:
            database_url = f"sqlite:///{Path(tmp) / 'ingest.db'}"
        migrate(database_url)
        port = sb.free_port()
        base_url = f"http://127.0.0.1:{port}"
        worker = sb.Worker("ingest", port, sb.worker_env(workdir, database_url, None, base_url), workdir)
        print(
            f"backend up in {worker.start():.1f} s ({'PostgreSQL' if args.postgres else 'SQLite'}, 1 worker, in-memory state manager)"
        )
        stack.callback(worker.stop)
        accounts = [sb.sign_up(base_url, f"ingest{uuid.uuid4().hex[:10]}@example.com") for _ in range(total)]
        ids = seed(database_url, [uid for uid, _ in accounts])
        print(
            "\n  clients  offered  lines/s   save p50  save p99   noop p50  noop p99   p50 x   p99 x   saved/sent   err"
        )
        offset = 0
        for n in args.clients:
            asyncio.run(
                level(
                    base_url,
                    accounts[offset : offset + n],
                    ids[offset : offset + n],
                    names,
                    args.seconds,
                    database_url,
                )
            )
            offset += n
    print(
        "\noffered/lines/s: lines per second asked for (one per client every 2 s) and achieved; save = emit -> acknowledged"
        "\n(saved in the database) in ms; noop = the same round trip for a handler that only sets a var; x = save / noop."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
