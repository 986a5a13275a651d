"""Transcript ingest through the real Reflex websocket: the code before a change and after, in one run.

For each build (``--baseline-ref``, by default the commit before the live transcript path changed,
then the working tree) a production backend (``reflex run --env prod --backend-only``, one worker) is
started on a copy of that code. N browser-like Socket.IO clients each open the live page of their own
interview (signed in with their own cookie, the page's ``on_load`` run by the server), then every 2 s
send what that build's WebRTC component sends: one final line through ``LiveInterviewState.on_lines``.
The round trip is from the emit until the client receives the state update whose ``ack_seq`` covers
that line: the handler saves the line before it acknowledges. The same clients first send a no-op
event at the same rate (``State.set_is_hydrated``: sets one var, no I/O) as a control.

Bytes per batch: the event the client emits (browser -> server, as JSON) and every state update the
server sends back until the acknowledgement (server -> browser, as JSON). Before the change the server
echoed the whole transcript with each acknowledgement, so its answer grows with the interview (the
last batch's size is shown too).

(In production the server's own record comes from the sideband; this is the browser's fallback path,
the one that goes through Reflex's state lock.)

    .venv/bin/python benchmarks/transcript_ingest_bench.py [--clients 100] [--seconds 16]
        [--baseline-ref 2930417] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
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
BASELINE_REF = "2930417"  # the live transcript path before: lines echoed back, ordered three times


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def size(message: Any) -> int:
    """Bytes of a Socket.IO event's JSON body, as the browser's JSON.stringify writes it."""
    return len(json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode())


@dataclass
class Build:
    label: str
    workdir: Path
    sends_position: bool  # the old component sent each line's position (the server's order came later)
    lines: list[float] = field(default_factory=list)
    noop: list[float] = field(default_factory=list)
    line_rate: float = 0.0
    sent_bytes: list[int] = field(default_factory=list)
    answer_bytes: list[int] = field(default_factory=list)
    last_answer_bytes: list[int] = field(default_factory=list)
    saved: int = 0
    sent: int = 0
    errors: int = 0
    opened: float = 0.0
    started: float = 0.0


class LivePage:
    """One candidate's live-interview tab: the socket, the state it was sent, acknowledgements."""

    def __init__(
        self, base_url: str, cookie: str, interview_id: str, names: dict[str, str], build: Build
    ) -> None:
        self.base_url, self.cookie, self.interview_id, self.names = base_url, cookie, interview_id, names
        self.build = build
        self.token = uuid.uuid4().hex
        self.sio = socketio.AsyncClient(reconnection=False)
        self.live: dict[str, Any] = {}
        self.root: dict[str, Any] = {}
        self.changed = asyncio.Event()
        self.received = 0  # bytes of state updates received since the last emit
        self.seq = 0
        self.flag = True

    async def open(self) -> None:
        loaded = asyncio.Event()

        @self.sio.on("event", namespace="/_event")
        async def on_event(update: dict[str, Any]) -> None:
            self.received += size(["event", update])
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

    async def _emit(self, name: str, payload: dict[str, Any]) -> int:
        path = f"/interview/{self.interview_id}"
        event = {
            "name": name,
            "payload": payload,
            "router_data": {"pathname": "/interview/[session_id]", "asPath": path},
        }
        self.received = 0
        await self.sio.emit("event", event, namespace="/_event")
        return size(["event", event])

    async def _until(self, done: Any, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), max(0.01, deadline - time.monotonic()))

    def _line(self, seq: int) -> dict[str, Any]:
        now = time.time()
        line: dict[str, Any] = {
            "item_id": f"item_{seq}",
            "previous_item_id": f"item_{seq - 1}" if seq > 1 else None,
            "role": "candidate" if seq % 2 else "interviewer",
            "text": f"Line {seq}: we measured latency and throughput before every release.",
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now - 3)),
            "ended_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now)),
        }
        if self.build.sends_position:
            line["position"] = float(seq)
        return line

    async def send_line(self, last: bool) -> float:
        self.seq += 1
        seq = self.seq
        started = time.monotonic()
        sent = await self._emit(
            f"{self.names['live']}.on_lines",
            {
                "event": {
                    "session_id": self.interview_id,
                    "seq": seq,
                    "lines": [self._line(seq)],
                    "revisions": [],
                }
            },
        )
        await self._until(lambda: (self.live.get("ack_seq" + RX) or 0) >= seq)
        took = time.monotonic() - started
        self.build.sent_bytes.append(sent)
        self.build.answer_bytes.append(self.received)
        if last:
            self.build.last_answer_bytes.append(self.received)
        return took

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
    """Each page sends an event every INTERVAL s (staggered) for ``seconds``: latencies, rate, errors."""
    latencies: list[float] = []
    errors = 0
    started = time.monotonic()
    rounds = int(seconds // INTERVAL)

    async def run(i: int, page: LivePage) -> None:
        nonlocal errors
        await asyncio.sleep(INTERVAL * i / len(pages))
        next_at = time.monotonic()
        for n in range(rounds):
            try:
                if kind == "line":
                    latencies.append(await page.send_line(last=n == rounds - 1))
                else:
                    latencies.append(await page.send_noop())
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


def checkout(ref: str, dest: Path) -> None:
    """The app's files at ``ref`` (git archive: the working tree and its index are left alone)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, *sb.COPY_ITEMS],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)


def database(stack: ExitStack, tmp: Path, name: str, postgres: bool) -> str:
    if not postgres:
        return f"sqlite:///{tmp / f'{name}.db'}"
    db_name = f"vocahire_ingest_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()

    stack.callback(drop)
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{db_name}"


def measure(build: Build, clients: int, seconds: float, postgres: bool, names: dict[str, str]) -> None:
    with ExitStack() as stack:
        database_url = database(stack, build.workdir.parent, build.workdir.name, postgres)
        migrate(database_url)  # the same schema for both (the newer one only adds a nullable column)
        port = sb.free_port()
        base_url = f"http://127.0.0.1:{port}"
        worker = sb.Worker(
            "ingest", port, sb.worker_env(build.workdir, database_url, None, base_url), build.workdir
        )
        build.started = worker.start()
        stack.callback(worker.stop)
        accounts = [
            sb.sign_up(base_url, f"ingest{uuid.uuid4().hex[:10]}@example.com") for _ in range(clients)
        ]
        ids = seed(database_url, [uid for uid, _ in accounts])

        async def go() -> None:
            pages = [
                LivePage(base_url, cookie, interview_id, names, build)
                for (_, cookie), interview_id in zip(accounts, ids, strict=True)
            ]
            opened = time.monotonic()
            await asyncio.gather(*(p.open() for p in pages))
            build.opened = time.monotonic() - opened
            build.noop, _, noop_errors = await drive(pages, "noop", seconds)
            build.lines, build.line_rate, line_errors = await drive(pages, "line", seconds)
            build.errors = noop_errors + line_errors
            build.sent = sum(p.seq for p in pages)
            await asyncio.gather(*(p.close() for p in pages))

        asyncio.run(go())
        build.saved = saved_rows(database_url, ids)


def report(before: Build, after: Build, clients: int) -> None:
    def row(label: str, a: float, b: float, unit: str, digits: int = 1) -> None:
        ratio = b / a if a else float("nan")
        print(f"  {label:<44} {a:>12.{digits}f} {unit:<3} {b:>12.{digits}f} {unit:<3} {ratio:>8.2f}x")

    print(
        f"\n{clients} clients, a line every {INTERVAL:.0f} s each ({clients / INTERVAL:.0f} lines/s offered)"
    )
    print(f"  {'':<44} {before.label:>16} {after.label:>16} {'after/before':>9}")
    row(
        "ingest round trip, median",
        statistics.median(before.lines) * 1000,
        statistics.median(after.lines) * 1000,
        "ms",
    )
    row("ingest round trip, p99", pct(before.lines, 99) * 1000, pct(after.lines, 99) * 1000, "ms")
    row(
        "no-op round trip (control), median",
        statistics.median(before.noop) * 1000,
        statistics.median(after.noop) * 1000,
        "ms",
    )
    row("lines acknowledged per second", before.line_rate, after.line_rate, "/s")
    row(
        "browser -> server bytes per batch, median",
        statistics.median(before.sent_bytes),
        statistics.median(after.sent_bytes),
        "B",
        0,
    )
    row(
        "server -> browser bytes per batch, median",
        statistics.median(before.answer_bytes),
        statistics.median(after.answer_bytes),
        "B",
        0,
    )
    row(
        f"server -> browser bytes, batch {len(before.lines) // clients} (last)",
        statistics.median(before.last_answer_bytes),
        statistics.median(after.last_answer_bytes),
        "B",
        0,
    )
    for build in (before, after):
        print(
            f"  {build.label}: saved {build.saved}/{build.sent} lines, {build.errors} errors;"
            f" backend up in {build.started:.1f} s, {clients} pages opened in {build.opened:.1f} s"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=16.0)
    parser.add_argument(
        "--baseline-ref",
        default=BASELINE_REF,
        help="git ref of the code to compare with (default %(default)s)",
    )
    parser.add_argument(
        "--postgres", action="store_true", help="use throwaway PostgreSQL databases instead of SQLite"
    )
    args = parser.parse_args()
    if args.postgres and not postgres_available():
        print("PostgreSQL is not answering on 127.0.0.1:5432")
        return 1
    names = sb.state_names()
    with tempfile.TemporaryDirectory() as tmp:
        before = Build(f"before {args.baseline_ref}", Path(tmp) / "before", sends_position=True)
        after = Build("after (tree)", Path(tmp) / "after", sends_position=False)
        before.workdir.mkdir()
        after.workdir.mkdir()
        checkout(args.baseline_ref, before.workdir)
        sb.copy_app(after.workdir)
        print(
            f"{'PostgreSQL' if args.postgres else 'SQLite'}, 1 backend worker, in-memory state manager;"
            f" {args.seconds:.0f} s of no-op events, then {args.seconds:.0f} s of lines, per build"
        )
        for build in (before, after):
            measure(build, args.clients, args.seconds, args.postgres, names)
        report(before, after, args.clients)
    print(
        "\nround trip = emit -> the state update acknowledging the line (saved in the database) arrives;"
        "\nbytes = JSON of the Socket.IO event sent, and of the state updates received until its ack."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
