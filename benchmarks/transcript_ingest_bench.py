"""Transcript ingest through Reflex's websocket: backend CPU per saved line against a no-op, and capacity.

Four backends, one after another, in one run (PostgreSQL, one worker each, ``reflex run --env prod
--backend-only``): a bare Reflex app written by this script (one state whose ``on_lines`` only takes the
batch's sequence number: the framework's own cost of the same event), the same bare app saving each
event's lines in one transaction before acknowledging them (one INSERT through SQLAlchemy Core and
psycopg in a worker thread: the least a saved line costs on this stack), the code before (``--before-ref``,
default the commit before the ingest path changed) and after (``--after-ref``, default HEAD; ``tree`` for
the working tree). Each build runs with the state manager its own code chooses.

For each build a separate client process (not the server's process group) opens N browser-like
Socket.IO tabs, each the live page of its own interview that already holds ``--lines-before`` saved
lines (a real interview has 270-600), reports its call connecting (as the page's component does once
mounted), and sends events as dicts exactly as the Reflex client does:
- warm-up: one no-op and one line round per tab, reported apart and excluded;
- then ``--rounds`` pairs of phases, interleaved: every tab sends a no-op event every 2 s
  (``State.set_is_hydrated``: sets one var, no I/O), then a final line every 2 s
  (``on_lines``, one line naming its predecessor), each phase ``--phase-seconds`` long. Backend CPU
  (user + system of its process group, from /proc) is read at each phase's edges: CPU per event.
- memory: the backend's resident memory before the tabs connect and once they are connected and idle.
- capacity (``--capacity 200,400,700,1000``): more tabs join, all sending a line every 2 s; the p99
  round trip (emit -> the acknowledgement, saved in the database) per step; the largest step at or under
  100 ms is the number of live interviews one worker holds.
Round trip: emit -> the state update whose ``ack_seq`` covers the line. Rows saved are counted.

    .venv/bin/python benchmarks/transcript_ingest_bench.py [--clients 100] [--capacity 200,400,700,1000]
        [--before-ref 7ecb858] [--after-ref HEAD] [--skip-before]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
for _key in [k for k in os.environ if k.startswith(("DATABASE_URL", "OPENAI_", "REDIS_URL", "INTERVIEW_"))]:
    del os.environ[_key]
os.environ.setdefault("ENVIRONMENT", "development")

import benchlib as bl  # noqa: E402

RX = "_rx_state_"
INTERVAL = 2.0
# While the sideband records the call the component sends its copy every 8 s (4 lines at a line every 2 s).
BATCH_INTERVAL, BATCH_LINES = 8.0, 4
_HTTP: Any = None  # the client process's HTTP connections (the saved lines' route)
BEFORE_REF = "7ecb858"  # before issue 19: disk state manager, six statements and two transactions per batch
SAVE_GOAL_MS = 100.0
WARM_TABS = 50  # the first tabs open and save a line before memory per tab is measured


# --- the client process --------------------------------------------------------------------------


class Tab:
    """One candidate's live-interview tab over Reflex's Socket.IO protocol."""

    def __init__(self, cfg: dict[str, Any], cookie: str, interview_id: str) -> None:
        import socketio

        self.cfg, self.cookie, self.interview_id = cfg, cookie, interview_id
        self.names: dict[str, str] = cfg["names"]
        self.token = uuid.uuid4().hex
        self.sio = socketio.AsyncClient(reconnection=False)
        self.live: dict[str, Any] = {}
        self.root: dict[str, Any] = {}
        self.changed = asyncio.Event()
        self.seq = 0
        self.item = cfg["lines_before"]
        self.flag = True
        self.path = f"/interview/{interview_id}"
        urls = cfg.get("urls") or [cfg["url"]]
        self.url = urls[int(interview_id, 16) % len(urls)]  # several workers: tabs spread over them

    async def open(self) -> None:
        loaded = asyncio.Event()
        loaded_var = self.cfg.get("loaded_var")

        @self.sio.on("event", namespace="/_event")
        async def on_event(update: dict[str, Any]) -> None:
            delta = update.get("delta") or {}
            self.live.update(delta.get(self.names["live"], {}))
            self.root.update(delta.get(self.names["root"], {}))
            if self.root.get("is_hydrated" + RX) and (
                not loaded_var or self.live.get(loaded_var + RX) == self.interview_id
            ):
                loaded.set()
            self.changed.set()

        boot = {
            "name": f"{self.names['root']}.hydrate_and_load",
            "payload": {},
            "router_data": {
                "pathname": "/interview/[session_id]",
                "asPath": self.path,
                "query": {"session_id": self.interview_id},
            },
        }
        await self.sio.connect(
            f"{self.url}?token={self.token}",
            socketio_path="_event",
            transports=["websocket"],
            namespaces=["/_event"],
            auth={"event": boot},
            headers={"Cookie": self.cookie},
            wait_timeout=60,
        )
        await asyncio.wait_for(loaded.wait(), 120)
        if self.cfg.get("lines_route"):  # the app's component reads the saved lines from its route
            await self.read_saved_lines()
        if self.cfg.get("loaded_var"):  # the app's component reports its call connecting once mounted
            status = {"session_id": self.interview_id, "state": "connecting"}
            await self._emit(f"{self.names['live']}.on_status", {"event": status})
            await self._until(lambda: self.live.get("connection" + RX) == "connecting", 60)

    async def read_saved_lines(self) -> None:
        """What the live page's component does once mounted: GET the saved lines (owner only, the cookie)."""
        import httpx

        global _HTTP
        if _HTTP is None:
            _HTTP = httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=50))
        url = f"{self.url}/api/interviews/{self.interview_id}/lines"
        response = await _HTTP.get(url, headers={"Cookie": self.cookie, "Accept": "application/json"})
        response.raise_for_status()
        if len(response.json()["lines"]) != self.cfg["lines_before"]:
            raise RuntimeError(f"{url} answered {len(response.json()['lines'])} lines")

    async def _emit(self, name: str, payload: dict[str, Any]) -> None:
        event = {
            "name": name,
            "payload": payload,
            "router_data": {"pathname": "/interview/[session_id]", "asPath": self.path},
        }
        await self.sio.emit("event", event, namespace="/_event")

    async def _until(self, done: Any, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), max(0.01, deadline - time.monotonic()))

    def _line(self) -> dict[str, Any]:
        self.item += 1
        n, now = self.item, time.time()
        previous = f"seed_{n - 1}" if n - 1 <= self.cfg["lines_before"] else f"item_{n - 1}"
        return {
            "item_id": f"item_{n}",
            "previous_item_id": previous if n > 1 else None,
            "role": "candidate" if n % 2 else "interviewer",
            "text": f"Line {n}: we measured latency and throughput before every release, then again after.",
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now - 3)),
            "ended_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now)),
        }

    async def send_line(self) -> float:
        self.seq += 1
        seq = self.seq
        started = time.monotonic()
        payload = {"session_id": self.interview_id, "seq": seq, "lines": [self._line()], "revisions": []}
        await self._emit(f"{self.names['live']}.on_lines", {"event": payload})
        await self._until(lambda: (self.live.get("ack_seq" + RX) or 0) >= seq)
        return time.monotonic() - started

    async def send_batch(self, lines: int = BATCH_LINES) -> float:
        """The component's batch while the sideband records: several final lines in one event."""
        self.seq += 1
        seq = self.seq
        started = time.monotonic()
        batch = [self._line() for _ in range(lines)]
        payload = {"session_id": self.interview_id, "seq": seq, "lines": batch, "revisions": []}
        await self._emit(f"{self.names['live']}.on_lines", {"event": payload})
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


def memory_per_tab(result: dict[str, Any]) -> float:
    """KB of resident memory per tab opened after the first group (the warm-up excluded)."""
    return (result["rss_idle"] - result["rss_warm"]) / max(1, result["measured_clients"]) / 1024


def cpu_of(pgids: int | list[int]) -> float:
    return sum(bl.group_cpu(p) for p in (pgids if isinstance(pgids, list) else [pgids]))


def rss_of(pgids: int | list[int]) -> int:
    return sum(bl.group_rss(p) for p in (pgids if isinstance(pgids, list) else [pgids]))


async def phase(tabs: list[Tab], kind: str, seconds: float, pgid: int | list[int]) -> dict[str, Any]:
    """Every tab sends one event every INTERVAL s (a "batch": BATCH_LINES lines every BATCH_INTERVAL s),
    staggered, for ``seconds``; latencies and CPU."""
    latencies: list[float] = []
    errors = 0
    interval = BATCH_INTERVAL if kind == "batch" else INTERVAL
    rounds = max(1, round(seconds / interval))
    send = {"line": Tab.send_line, "batch": Tab.send_batch, "noop": Tab.send_noop}[kind]

    async def run(i: int, tab: Tab) -> None:
        nonlocal errors
        await asyncio.sleep(interval * i / len(tabs))
        next_at = time.monotonic()
        for _ in range(rounds):
            try:
                latencies.append(await send(tab))
            except Exception:
                errors += 1
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    cpu0, own0, t0, (busy0, total0) = cpu_of(pgid), time.process_time(), time.monotonic(), bl.machine_cpu()
    await asyncio.gather(*(run(i, t) for i, t in enumerate(tabs)))
    wall = time.monotonic() - t0
    busy1, total1 = bl.machine_cpu()
    return {
        "machine_busy": (busy1 - busy0) / max(1e-9, total1 - total0),  # share of all cores busy
        "kind": kind,
        "latencies": latencies,
        "errors": errors,
        "cpu": cpu_of(pgid) - cpu0,
        "client_cpu": time.process_time() - own0,
        "wall": wall,
        "events": len(latencies),
        "lines": len(latencies) * (BATCH_LINES if kind == "batch" else 1 if kind == "line" else 0),
    }


async def client_main(cfg: dict[str, Any]) -> dict[str, Any]:
    pgid = cfg["pgid"]
    accounts = cfg["accounts"]
    n = cfg["clients"]
    out: dict[str, Any] = {"rss_before": rss_of(pgid)}
    tabs = [Tab(cfg, cookie, iid) for cookie, iid in accounts[:n]]
    # Memory per tab is the growth from the first group of tabs (which also warms the process: its
    # first queries, pools, caches and lazily imported code are not a tab's) to all of them.
    first = min(WARM_TABS, len(tabs) // 2)
    t0 = time.monotonic()
    await asyncio.gather(*(t.open() for t in tabs[:first]))
    await asyncio.gather(*(t.send_line() for t in tabs[:first]))
    await asyncio.sleep(3)
    out["rss_warm"] = rss_of(pgid)
    for i in range(first, len(tabs), 50):
        await asyncio.gather(*(t.open() for t in tabs[i : i + 50]))
    out["opened_in"] = time.monotonic() - t0
    await asyncio.sleep(3)
    out["rss_idle"] = rss_of(pgid)
    out["idle_clients"] = len(tabs)
    out["measured_clients"] = len(tabs) - first
    out["warmup"] = [await phase(tabs, "noop", INTERVAL, pgid), await phase(tabs, "line", INTERVAL, pgid)]
    out["phases"] = []
    for _ in range(cfg["rounds"]):
        out["phases"].append(await phase(tabs, "noop", cfg["phase_seconds"], pgid))
        out["phases"].append(await phase(tabs, "line", cfg["phase_seconds"], pgid))
    if cfg.get("batch_phase"):
        out["phases"].append(await phase(tabs, "batch", 2 * BATCH_INTERVAL, pgid))
    out["capacity"] = []
    for step in cfg["capacity"]:
        if step > len(accounts):
            break
        more = [Tab(cfg, cookie, iid) for cookie, iid in accounts[len(tabs) : step]]
        try:
            for i in range(0, len(more), 50):
                await asyncio.gather(*(t.open() for t in more[i : i + 50]))
        except Exception as exc:
            out["capacity"].append({"clients": step, "failed": f"opening tabs: {type(exc).__name__}"})
            break
        tabs += more
        await phase(tabs, "line", INTERVAL, pgid)  # the new tabs' first lines (warm-up)
        result = await phase(tabs, "line", cfg["capacity_seconds"], pgid)
        result["clients"] = len(tabs)
        out["capacity"].append(result)
        if bl.pct(result["latencies"], 99) * 1000 > 3 * SAVE_GOAL_MS or result["errors"]:
            break  # saturated: more tabs would only queue
    out["sent_lines"] = sum(t.item - cfg["lines_before"] for t in tabs)
    await asyncio.gather(*(t.close() for t in tabs), return_exceptions=True)
    return out


# --- the driver ----------------------------------------------------------------------------------


@dataclass
class Build:
    label: str
    kind: str  # "bare", "bare-save" (the bare app saving each event's lines) or "app"
    workdir: Path
    ref: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    saved: int = 0
    started_in: float = 0.0


def run_clients(cfg: dict[str, Any], workdir: Path) -> dict[str, Any]:
    cfg_path = workdir / "client.json"
    cfg_path.write_text(json.dumps(cfg))
    out_path = workdir / "client-out.json"
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--client", str(cfg_path), str(out_path)],
        check=True,
        start_new_session=True,
    )
    return dict(json.loads(out_path.read_text()))


def measure(build: Build, args: argparse.Namespace) -> None:
    most = max([args.clients, *args.capacity])
    with ExitStack() as stack:
        database_url = stack.enter_context(bl.postgres_database("vocahire_ingest"))
        bl.use_database(database_url)
        accounts = bl.make_accounts(most)
        ids = bl.seed_live_interviews([uid for uid, _ in accounts], args.lines_before)
        port = bl.free_port()
        url = f"http://127.0.0.1:{port}"
        extra = (
            {}
            if build.kind == "bare"
            else {"BARE_DATABASE_URL": database_url}
            if build.kind == "bare-save"
            else bl.app_env(database_url, url)
        )
        backend = bl.Backend(build.kind, build.workdir, bl.reflex_env(build.workdir, extra), port=port)
        stack.callback(backend.stop)
        build.started_in = backend.start()
        if build.kind.startswith("bare"):
            names = bl.state_names(build.workdir, "bare.bare", {"live": "BareState"})
        else:
            names = bl.state_names(build.workdir, "vocahire.state.interview", {"live": "LiveInterviewState"})
        cfg = {
            "url": url,
            "pgid": backend.pgid,
            "names": names,
            "loaded_var": None if build.kind.startswith("bare") else "interview_id",
            "lines_route": bl.has_lines_route(build.workdir),
            "accounts": [[cookie, iid] for (_, cookie), iid in zip(accounts, ids, strict=True)],
            "clients": args.clients,
            "lines_before": args.lines_before,
            "rounds": args.rounds,
            "phase_seconds": args.phase_seconds,
            "capacity": args.capacity,
            "capacity_seconds": args.capacity_seconds,
            "batch_phase": True,
        }
        print(f"  {build.label}: backend up in {build.started_in:.1f} s; clients running...", flush=True)
        build.result = run_clients(cfg, build.workdir)
        if build.kind == "app":
            seeded = len(ids) * args.lines_before
            build.saved = bl.count_rows(database_url, "transcript_entries") - seeded
        elif build.kind == "bare-save":
            build.saved = bl.count_rows(database_url, "bare_lines")


def _phases(build: Build, kind: str) -> list[dict[str, Any]]:
    return [p for p in build.result.get("phases", []) if p["kind"] == kind]


def cpu_ms(phases: list[dict[str, Any]]) -> list[float]:
    return [p["cpu"] / p["events"] * 1000 for p in phases if p["events"]]


def lat(phases: list[dict[str, Any]]) -> list[float]:
    return [x * 1000 for p in phases for x in p["latencies"]]


def client_cpu_ms(build: Build) -> list[float]:
    return [p["client_cpu"] / p["events"] * 1000 for p in build.result["phases"] if p["events"]]


def capacity(build: Build) -> tuple[int, str]:
    held, rows = 0, []
    for step in build.result.get("capacity", []):
        if "failed" in step:
            rows.append(f"{step['clients']}: {step['failed']}")
            break
        p99 = bl.pct([x * 1000 for x in step["latencies"]], 99)
        rate = step["events"] / step["wall"]
        per_line = step["cpu"] / step["events"] * 1000 if step["events"] else float("nan")
        rows.append(
            f"{step['clients']}: p99 {p99:.0f} ms, {rate:.0f} lines/s, {per_line:.2f} ms CPU/line,"
            f" {step['errors']} errors"
        )
        if p99 <= SAVE_GOAL_MS and not step["errors"]:
            held = step["clients"]
    return held, "; ".join(rows)


def report(builds: list[Build], args: argparse.Namespace) -> None:
    bare = next((b for b in builds if b.kind == "bare"), builds[0])  # without it, ratios are to the first
    apps = [b for b in builds if b.kind == "app"]
    print(
        f"\n{args.clients} tabs, each a live interview holding {args.lines_before} saved lines, one event"
        f" every {INTERVAL:.0f} s each; {args.rounds} interleaved no-op/line phase pairs"
        f" of {args.phase_seconds:.0f} s"
    )
    header = f"  {'':<52}" + "".join(f"{b.label:>26}" for b in builds)
    print(header)

    def row(label: str, values: list[str]) -> None:
        print(f"  {label:<52}" + "".join(f"{v:>26}" for v in values))

    for b in builds:
        w = b.result.get("warmup", [])
        b.result["_warm"] = ", ".join(
            f"{p['kind']} {bl.median([x * 1000 for x in p['latencies']]):.1f} ms" for p in w
        )
    row("warm-up (excluded): median round trip", [b.result["_warm"] for b in builds])
    noop_cpu = {b.label: bl.median(cpu_ms(_phases(b, "noop"))) for b in builds}
    line_cpu = {b.label: bl.median(cpu_ms(_phases(b, "line"))) for b in builds}
    row(
        "no-op event: backend CPU per event, median of phases",
        [f"{noop_cpu[b.label]:.2f} ms" for b in builds],
    )
    row("line event: backend CPU per line, median of phases", [f"{line_cpu[b.label]:.2f} ms" for b in builds])
    row(
        "  line CPU / no-op CPU (goal <= 1.5x)",
        [f"{bl.ratio(line_cpu[b.label], noop_cpu[b.label]):.2f}x" for b in builds],
    )
    row(
        "  line CPU / bare app's line CPU",
        [f"{bl.ratio(line_cpu[b.label], line_cpu[bare.label]):.2f}x" for b in builds],
    )
    saving = next((b for b in builds if b.kind == "bare-save"), None)
    if saving is not None:
        row(
            "  line CPU / the bare app saving it (one INSERT)",
            [f"{bl.ratio(line_cpu[b.label], line_cpu[saving.label]):.2f}x" for b in builds],
        )
        row(
            "  saving alone: line CPU - no-op CPU",
            [f"{line_cpu[b.label] - noop_cpu[b.label]:.2f} ms" for b in builds],
        )
    batch_cpu = {
        b.label: bl.median([p["cpu"] / p["lines"] * 1000 for p in _phases(b, "batch") if p["lines"]])
        for b in builds
    }
    row(
        f"batch of {BATCH_LINES} lines every {BATCH_INTERVAL:.0f} s (sideband recording): CPU per line",
        [f"{batch_cpu[b.label]:.2f} ms" for b in builds],
    )
    row(
        "  batch CPU per line / no-op CPU",
        [f"{bl.ratio(batch_cpu[b.label], noop_cpu[b.label]):.2f}x" for b in builds],
    )
    row(
        "batch round trip (saved + acked), median / p99",
        [
            f"{bl.median(lat(_phases(b, 'batch'))):.1f} / {bl.pct(lat(_phases(b, 'batch')), 99):.0f} ms"
            for b in builds
        ],
    )
    row(
        "no-op round trip, median / p99",
        [
            f"{bl.median(lat(_phases(b, 'noop'))):.1f} / {bl.pct(lat(_phases(b, 'noop')), 99):.0f} ms"
            for b in builds
        ],
    )
    row(
        "line round trip (saved + acked), median / p99",
        [
            f"{bl.median(lat(_phases(b, 'line'))):.1f} / {bl.pct(lat(_phases(b, 'line')), 99):.0f} ms"
            for b in builds
        ],
    )
    row(
        "client process CPU per event (not the backend's)",
        [f"{bl.median(client_cpu_ms(b)):.2f} ms" for b in builds],
    )
    per_client = {b.label: memory_per_tab(b.result) for b in builds}
    row(
        f"backend memory per idle connected tab (tabs {WARM_TABS + 1}-{args.clients})",
        [f"{per_client[b.label]:.0f} KB" for b in builds],
    )
    row(
        "  / bare (goal <= 1.10x)",
        [f"{bl.ratio(per_client[b.label], per_client[bare.label]):.2f}x" for b in builds],
    )
    row(
        f"  with the process's warm-up (all {args.clients} tabs from start-up)",
        [
            f"{(b.result['rss_idle'] - b.result['rss_before']) / b.result['idle_clients'] / 1024:.0f} KB"
            for b in builds
        ],
    )
    for b in builds if args.capacity else []:  # --capacity "" skips the steps
        held, rows = capacity(b)
        print(
            f"  capacity, {b.label}: holds {held} live interviews at p99 save <= {SAVE_GOAL_MS:.0f} ms"
            f"  [{rows}]"
        )
    for b in [b for b in builds if b.kind == "bare-save"] + apps:
        errors = sum(p["errors"] for p in b.result["phases"])
        print(
            f"  {b.label}: saved {b.saved} of {b.result['sent_lines']} lines sent, {errors} errors;"
            f" {b.result['idle_clients']} tabs opened in {b.result['opened_in']:.1f} s"
        )
    if len(apps) == 2:
        a, z = apps
        print(
            f"  after/before: CPU per line {bl.ratio(line_cpu[z.label], line_cpu[a.label]):.2f}x,"
            f" memory per tab {bl.ratio(per_client[z.label], per_client[a.label]):.2f}x"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--lines-before", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--phase-seconds", type=float, default=8.0)
    parser.add_argument(
        "--capacity", default="200,400,700,1000", help="tab counts for the capacity steps ('' skips)"
    )
    parser.add_argument("--capacity-seconds", type=float, default=10.0)
    parser.add_argument("--before-ref", default=BEFORE_REF)
    parser.add_argument("--after-ref", default="HEAD", help="a git ref, or 'tree' for the working tree")
    parser.add_argument("--skip-before", action="store_true")
    parser.add_argument("--skip-bare", action="store_true")
    parser.add_argument("--skip-bare-save", action="store_true", help="skip the bare app saving each line")
    parser.add_argument("--client", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        cfg = json.loads(Path(args.client[0]).read_text())
        Path(args.client[1]).write_text(json.dumps(asyncio.run(client_main(cfg))))
        return 0
    args.capacity = [int(x) for x in args.capacity.split(",") if x.strip()]
    if not bl.port_open_pg():
        print("needs PostgreSQL on 127.0.0.1:5432", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="vocahire-ingest-") as tmp:
        builds: list[Build] = []
        if not args.skip_bare:
            bare = Build("bare Reflex", "bare", Path(tmp) / "bare")
            bl.write_bare_app(bare.workdir)
            builds.append(bare)
            if not args.skip_bare_save:  # the same app, each event's lines saved in one INSERT transaction
                builds.append(Build("bare Reflex + INSERT", "bare-save", bare.workdir))
        if not args.skip_before:
            before = Build("", "app", Path(tmp) / "before")
            before.label = f"before {bl.archive(args.before_ref, before.workdir)}"
            builds.append(before)
        after = Build("", "app", Path(tmp) / "after")
        if args.after_ref == "tree":
            bl.copy_tree(after.workdir)
            after.label = "after (tree)"
        else:
            after.label = f"after {bl.archive(args.after_ref, after.workdir)}"
        builds.append(after)
        print("PostgreSQL, 1 backend worker each, state manager as each build's code chooses", flush=True)
        for build in builds:
            measure(build, args)
        report(builds, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
