"""Scale-out demonstration: 2 backend workers, Redis and PostgreSQL behind one nginx address.

What it shows (and prints figures for):
1. both workers serve one app through one address (nginx on loopback, round robin,
   websocket upgrade), Reflex's state manager in Redis, data in PostgreSQL;
2. a signed-in candidate's state (dashboard, a form value, and a live interview: the
   call's state and the acknowledged batch number of final lines), built on worker A,
   is there when the socket lands on worker B (A was stopped for a rolling restart), and
   B accepts the interview's next batch of lines; again when it lands on the restarted A;
3. what happens when a worker crashes (SIGKILL) instead of stopping cleanly;
4. the same steps without Redis (each worker keeps state in memory): the state is lost;
5. event round trips through nginx, one client and many clients at once.

Needs PostgreSQL on 127.0.0.1:5432 (trust auth, user postgres), Redis on
127.0.0.1:6379 (uses database 14, flushed), and Debian's nginx
(``apt-get install -y nginx-light``; without it a small Python TCP proxy stands in).

Then (with Redis) ``--live`` interviews (default 1000), each holding ``--lines-before`` saved lines,
send a final line every 2 s each through the live page's ``on_lines``, tabs spread over both workers,
from a separate client process: p99 save round trip, backend CPU per line (both workers' process
groups, from /proc), memory per connected tab.

    .venv/bin/python benchmarks/scaleout_bench.py [--clients 20] [--events 25] [--live 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import benchlib as bl  # noqa: E402
import httpx  # noqa: E402
import socketio  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from vocahire.infra.schema_status import upgrade_to_head  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/14"
COPY_ITEMS = [
    "rxconfig.py",
    "vocahire",
    "assets",
    "alembic",
    "alembic.ini",
    "reflex.lock",
    "requirements.txt",
]
PASSWORD = "correct-horse-42"
RX = "_rx_state_"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def established_to(port: int) -> int:
    """Established TCP connections whose local port is ``port`` (a backend's websockets, via nginx)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, state = parts[1], parts[3]
            if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


# --- processes ---------------------------------------------------------------------------------


@dataclass
class Worker:
    name: str
    port: int
    env: dict[str, str]
    workdir: Path
    process: subprocess.Popen[bytes] | None = None
    starts: list[float] = field(default_factory=list)

    def start(self) -> float:
        """Start the backend and wait until it answers; returns the seconds it took."""
        log = open(self.workdir / f"{self.name}.log", "ab")  # noqa: SIM115 - owned by the process
        started = time.monotonic()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reflex",
                "run",
                "--env",
                "prod",
                "--backend-only",
                "--backend-port",
                str(self.port),
                "--loglevel",
                "warning",
            ],
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = started + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited:\n{(self.workdir / f'{self.name}.log').read_text()[-3000:]}"
                )
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/ping", timeout=1).status_code == 200:
                    took = time.monotonic() - started
                    self.starts.append(took)
                    return took
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        while port_open(self.port):
            time.sleep(0.05)


class Proxy:
    """nginx on loopback in front of the workers (a Python TCP proxy when nginx isn't installed)."""

    def __init__(self, port: int, workers: list[Worker], workdir: Path) -> None:
        self.port, self.workers, self.workdir = port, workers, workdir
        self.process: subprocess.Popen[bytes] | None = None
        self.kind = "nginx" if shutil.which("nginx") or Path("/usr/sbin/nginx").exists() else "python"

    def start(self) -> None:
        if self.kind == "nginx":
            self._start_nginx()
        else:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(Path(__file__).resolve()),
                    "--proxy",
                    str(self.port),
                    *[str(w.port) for w in self.workers],
                ],
                start_new_session=True,
            )
        while not port_open(self.port):
            time.sleep(0.05)

    def _start_nginx(self) -> None:
        conf_dir = self.workdir / "nginx"
        conf_dir.mkdir(exist_ok=True)
        servers = "\n".join(
            f"    server 127.0.0.1:{w.port} max_fails=1 fail_timeout=2s;" for w in self.workers
        )
        (conf_dir / "nginx.conf").write_text(
            f"""
worker_processes 1;
pid {conf_dir}/nginx.pid;
error_log {conf_dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log {conf_dir}/access.log;
  client_body_temp_path {conf_dir}/body;
  proxy_temp_path {conf_dir}/proxy;
  fastcgi_temp_path {conf_dir}/fastcgi;
  uwsgi_temp_path {conf_dir}/uwsgi;
  scgi_temp_path {conf_dir}/scgi;
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  upstream vocahire_backends {{
{servers}
  }}
  server {{
    listen 127.0.0.1:{self.port};
    location / {{
      proxy_pass http://vocahire_backends;
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 3600s;
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
    }}
  }}
}}
"""
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen(
            [nginx, "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"), "-g", "daemon off;"],
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)


async def python_proxy(listen: int, backends: list[int]) -> None:
    """Round-robin TCP proxy that skips backends refusing connections (the fallback for nginx)."""
    turn = 0

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        nonlocal turn
        for _ in range(len(backends)):
            port = backends[turn % len(backends)]
            turn += 1
            try:
                up_r, up_w = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                continue
            await asyncio.gather(pipe(client_r, up_w), pipe(up_r, client_w))
            return
        client_w.close()

    server = await asyncio.start_server(handle, "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


# --- the candidate's browser tab, speaking Reflex's websocket protocol --------------------------


class Tab:
    """One browser tab: a client token, the session cookie, and the state it was sent."""

    def __init__(self, base_url: str, cookie: str, names: dict[str, str]) -> None:
        self.base_url, self.cookie, self.names = base_url, cookie, names
        self.token = uuid.uuid4().hex
        self.state: dict[str, dict[str, Any]] = {}
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.new_token: str | None = None
        self.sio: socketio.AsyncClient | None = None
        self.path = "/"

    def var(self, state: str, name: str) -> Any:
        return self.state.get(self.names[state], {}).get(name + RX)

    async def connect(self, path: str, query: dict[str, str] | None = None) -> float:
        """Open the socket with the hydrate event (as the front end does); returns seconds until hydrated."""
        sio = self.sio = socketio.AsyncClient(reconnection=False)
        hydrated = asyncio.Event()

        @sio.on("event", namespace="/_event")
        async def on_event(update: dict[str, Any]) -> None:
            for substate, values in (update.get("delta") or {}).items():
                self.state.setdefault(substate, {}).update(values)
            if self.state.get(self.names["root"], {}).get("is_hydrated" + RX):
                hydrated.set()
            await self.updates.put(update)

        @sio.on("new_token", namespace="/_event")
        async def on_new_token(token: str) -> None:
            self.new_token = self.token = token

        self.state = {}
        self.path = path
        boot = {
            "name": f"{self.names['root']}.hydrate_and_load",
            "payload": {},
            "router_data": {
                "pathname": path,
                "asPath": path + (f"?{urlencode(query)}" if query else ""),
                **({"query": query} if query else {}),
            },
        }
        started = time.monotonic()
        await sio.connect(
            f"{self.base_url}?token={self.token}",
            socketio_path="_event",
            transports=["websocket"],
            namespaces=["/_event"],
            auth={"event": boot},
            headers={"Cookie": self.cookie},
            wait_timeout=10,
        )
        await asyncio.wait_for(hydrated.wait(), 20)
        return time.monotonic() - started

    async def send(self, state: str, handler: str, payload: dict[str, Any] | None = None) -> float:
        """Send one event and wait for its state update; returns the round trip in seconds."""
        assert self.sio is not None
        while not self.updates.empty():
            self.updates.get_nowait()
        started = time.monotonic()
        await self.sio.emit(
            "event",
            {
                "name": f"{self.names[state]}.{handler}",
                "payload": payload or {},
                "router_data": {"pathname": self.path, "asPath": self.path},
            },
            namespace="/_event",
        )
        while True:
            update = await asyncio.wait_for(self.updates.get(), 20)
            if self.names[state] in (update.get("delta") or {}):
                return time.monotonic() - started

    async def wait_closed(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while self.sio is not None and self.sio.connected and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        if self.sio is not None and self.sio.connected:
            await self.sio.disconnect()


def state_names() -> dict[str, str]:
    os.environ.setdefault("ENVIRONMENT", "development")
    import reflex as rx

    from vocahire.state.auth_forms import AuthFormState
    from vocahire.state.dashboard import DashboardState
    from vocahire.state.session import SessionState

    names = {
        "root": rx.State.get_full_name(),
        "session": SessionState.get_full_name(),
        "dashboard": DashboardState.get_full_name(),
        "auth": AuthFormState.get_full_name(),
    }
    try:
        from vocahire.state.interview import LiveInterviewState
    except ImportError:  # before the live interview page existed
        return names
    names["live"] = LiveInterviewState.get_full_name()
    return names


# --- set-up ------------------------------------------------------------------------------------


@contextmanager
def postgres_database() -> Iterator[str]:
    name = f"vocahire_scaleout_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        upgrade_to_head(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def flush_redis_db() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()


def copy_app(dest: Path) -> None:
    for item in COPY_ITEMS:
        src = ROOT / item
        if src.is_dir():
            shutil.copytree(
                src, dest / item, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "external")
            )
        elif src.exists():
            shutil.copy2(src, dest / item)


def worker_env(workdir: Path, database_url: str, redis_url: str | None, public_url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "REFLEX_REDIS_URL", "PYTEST"))
    }
    tools = ROOT / ".tools" / "node" / "node_modules" / ".bin"
    env.update(
        {
            "PATH": f"{tools}:{env.get('PATH', '')}",
            "PYTHONPATH": str(workdir),
            "PYTHONUNBUFFERED": "1",
            "REFLEX_USE_NPM": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "ENVIRONMENT": "production",
            "APP_URL": public_url,
            "SESSION_SECRET": bl.SESSION_SECRET,  # the bench mints the live interviews' session cookies
            "DATABASE_URL": database_url,
            "FEEDBACK_WORKER_ENABLED": "false",
            "GRANIAN_WORKERS": "1",
            "LOG_LEVEL": "WARNING",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def sign_up(base_url: str, email: str) -> tuple[int, str]:
    resp = httpx.post(
        f"{base_url}/api/auth/sign-up",
        data={"email": email, "password": PASSWORD, "name": "Casey Candidate"},
        timeout=20,
    )
    assert resp.status_code == 303, resp.text
    cookie = resp.headers["set-cookie"].split(";", 1)[0]
    profile = httpx.get(f"{base_url}/api/user", headers={"cookie": cookie}, timeout=10).json()
    return int(profile["id"]), cookie


def seed_interview(database_url: str, user_id: int) -> None:
    """A finished interview, so the dashboard's state holds something the candidate recognises."""
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO interview_sessions (id, user_id, job_title, job_description, resume_text,"
                " interview_type, difficulty, duration_minutes, pace, status, credits_charged_cents,"
                " feedback_status, feedback_attempts, duration_seconds, created_at, updated_at)"
                " VALUES (:id, :uid, 'Staff Platform Engineer', '', '', 'mixed', 'medium', 20, 'patient',"
                " 'completed', 100, 'completed', 0, 1260, now(), now())"
            ),
            {"id": uuid.uuid4().hex, "uid": user_id},
        )
    engine.dispose()


def seed_live_interview(database_url: str, user_id: int) -> str:
    """An interview in progress (as if the WebRTC call were up), so the live page has something to hold."""
    interview_id = uuid.uuid4().hex
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO interview_sessions (id, user_id, job_title, job_description, resume_text,"
                " interview_type, difficulty, duration_minutes, pace, status, credits_charged_cents,"
                " feedback_status, feedback_attempts, started_at, created_at, updated_at)"
                " VALUES (:id, :uid, 'Site Reliability Engineer', '', '', 'mixed', 'medium', 20,"
                " 'patient', 'active', 100, 'none', 0, now(), now(), now())"
            ),
            {"id": interview_id, "uid": user_id},
        )
    engine.dispose()
    return interview_id


def transcript_rows(database_url: str, interview_id: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM transcript_entries WHERE session_id = :id"), {"id": interview_id}
        ).scalar_one()
    engine.dispose()
    return int(count)


class LiveCall:
    """What the live page's WebRTC component reports: connection state and batches of final lines."""

    def __init__(self, tab: Tab, interview_id: str) -> None:
        self.tab, self.interview_id, self.seq, self.sent = tab, interview_id, 0, 0

    async def status(self, state: str) -> None:
        await self.tab.send("live", "on_status", {"event": {"session_id": self.interview_id, "state": state}})

    async def say(self, *texts: str) -> float:
        self.seq += 1
        lines = []
        for text_ in texts:
            self.sent += 1
            role = "interviewer" if self.sent % 2 else "candidate"
            previous = f"item_{self.sent - 1}" if self.sent > 1 else None
            lines.append(
                {"item_id": f"item_{self.sent}", "previous_item_id": previous, "role": role, "text": text_}
            )
        return await self.tab.send(
            "live", "on_lines", {"event": {"session_id": self.interview_id, "seq": self.seq, "lines": lines}}
        )


# --- the scenario ------------------------------------------------------------------------------


@dataclass
class Outcome:
    label: str
    landed_on: str
    survived: bool
    seconds: float
    detail: str


def holder(workers: list[Worker]) -> Worker | None:
    held = [w for w in workers if w.process and w.process.poll() is None and established_to(w.port) > 0]
    return held[0] if len(held) == 1 else None


def remembered(tab: Tab, call: LiveCall | None = None) -> tuple[bool, str]:
    titles = [row.get("job_title") for row in tab.var("dashboard", "recent") or []]
    credits = tab.var("session", "credits_display")
    email = tab.var("auth", "email")
    ok = "Staff Platform Engineer" in titles and email == "casey@example.com"
    detail = f"dashboard.recent={titles}, auth_form.email={email!r}, credits={credits!r}"
    if call is not None:
        # The page's state holds no transcript (the component shows it): the acknowledged batch number does.
        ack, connection = tab.var("live", "ack_seq"), tab.var("live", "connection")
        ok = ok and ack == call.seq and connection == "live"
        detail += f", live interview: ack_seq={ack}, connection={connection!r}"
    return ok, detail + f", new_token={'yes' if tab.new_token else 'no'}"


async def move_socket(
    tab: Tab, workers: list[Worker], label: str, sig: int, call: LiveCall | None
) -> Outcome:
    """Stop (or kill) the worker holding the tab's socket; the tab reconnects through nginx to the other."""
    current = holder(workers)
    assert current is not None, "could not tell which worker holds the socket"
    started = time.monotonic()
    await asyncio.to_thread(current.stop, sig)
    await tab.wait_closed()
    await tab.close()
    # Reconnect with the same token and rehydrate on "/", which runs none of the loaders whose
    # results we check: whatever is there came from the state manager.
    await tab.connect("/")
    took = time.monotonic() - started
    now = holder(workers)
    ok, detail = remembered(tab, call)
    if call is not None and ok:
        # The interview goes on: the next batch of lines is accepted by the new worker, which only
        # knows the interview (a server-side, backend-only var) from the stored state.
        await call.say("And how would you handle an incident at 3 a.m.?")
        ok = tab.var("live", "ack_seq") == call.seq
        detail += (
            f"; next batch accepted there: {'yes' if ok else 'no'} (ack_seq={tab.var('live', 'ack_seq')})"
        )
    return Outcome(label, f"{now.name if now else '?'} (was {current.name})", ok, took, detail)


async def scenario(
    base_url: str,
    cookie: str,
    names: dict[str, str],
    workers: list[Worker],
    events: int,
    interview_id: str | None,
) -> dict[str, Any]:
    tab = Tab(base_url, cookie, names)
    hydrate = await tab.connect("/sign-in", {"email": "casey@example.com"})
    await tab.close()
    await tab.connect("/dashboard")
    assert tab.var("dashboard", "recent"), "the dashboard did not load"
    rtts = [await tab.send("session", "load_optional") for _ in range(events)]
    call = None
    if interview_id and "live" in names:
        await tab.close()
        await tab.connect(f"/interview/{interview_id}")
        assert tab.var("live", "status") == "active", "the live interview page did not load"
        call = LiveCall(tab, interview_id)
        await call.status("live")
        await call.say(
            "Hello, I'm your AI interviewer. Tell me about yourself.",
            "I run platform teams for payment systems.",
        )
    first = holder(workers)
    _, detail = remembered(tab, call)
    results = {
        "hydrate": hydrate,
        "first_worker": first.name if first else "?",
        "rtts": rtts,
        "outcomes": [],
        "initial": detail,
    }
    other = [w for w in workers if w is not first]
    # 1. rolling restart: the holder stops cleanly, the socket lands on the other worker.
    results["outcomes"].append(
        await move_socket(tab, workers, "clean stop of its worker", signal.SIGTERM, call)
    )
    restart = await asyncio.to_thread(first.start) if first else 0.0
    results["restart"] = restart
    # 2. the other worker stops cleanly too: the socket lands on the restarted one.
    results["outcomes"].append(
        await move_socket(tab, workers, "restarted worker takes over", signal.SIGTERM, call)
    )
    for w in other:
        await asyncio.to_thread(w.start)
    # 3. a crash: SIGKILL, no chance to say goodbye.
    results["outcomes"].append(
        await move_socket(tab, workers, "crash (SIGKILL) of its worker", signal.SIGKILL, call)
    )
    if call is not None:
        results["transcript_sent"] = call.sent
    # After a crash the tab has a fresh state; the page it is on loads its data from the database again.
    await tab.close()
    reload = await tab.connect("/dashboard")
    results["crash_reload"] = (reload, tab.var("dashboard", "recent") not in (None, []))
    await tab.close()
    for w in workers:
        if w.process is None or w.process.poll() is not None:
            await asyncio.to_thread(w.start)
    return results


async def load_test(
    base_url: str, cookie: str, names: dict[str, str], workers: list[Worker], clients: int, events: int
) -> dict[str, Any]:
    tabs = [Tab(base_url, cookie, names) for _ in range(clients)]
    await asyncio.gather(*(t.connect("/dashboard") for t in tabs))
    spread = {w.name: established_to(w.port) for w in workers}
    started = time.monotonic()

    async def run(tab: Tab) -> list[float]:
        return [await tab.send("session", "load_optional") for _ in range(events)]

    per_tab = await asyncio.gather(*(run(t) for t in tabs))
    wall = time.monotonic() - started
    await asyncio.gather(*(t.close() for t in tabs))
    rtts = sorted(r for tab_rtts in per_tab for r in tab_rtts)
    return {"spread": spread, "wall": wall, "rtts": rtts, "count": len(rtts)}


def _run_tabs(
    database_url: str,
    workers: list[Worker],
    workdir: Path,
    names: dict[str, str],
    loaded_var: str | None,
    n: int,
    lines_before: int,
    seconds: float,
) -> dict[str, Any]:
    """n tabs, each the live page of an interview holding ``lines_before`` saved lines, spread over the
    workers (direct, as the load balancer would), from a separate client process (the ingest bench's):
    a no-op and a line every 2 s each, then the component's batches while the sideband records."""
    import transcript_ingest_bench as ingest

    bl.use_database(database_url)
    accounts = bl.make_accounts(n)
    ids = bl.seed_live_interviews([uid for uid, _ in accounts], lines_before)
    cfg = {
        "url": f"http://127.0.0.1:{workers[0].port}",
        "urls": [f"http://127.0.0.1:{w.port}" for w in workers],
        "pgid": [w.process.pid for w in workers if w.process is not None],
        "names": names,
        "loaded_var": loaded_var,
        "lines_route": bl.has_lines_route(workdir),
        "accounts": [[cookie, iid] for (_, cookie), iid in zip(accounts, ids, strict=True)],
        "clients": n,
        "lines_before": lines_before,
        "rounds": 1,
        "phase_seconds": seconds,
        "capacity": [],
        "capacity_seconds": seconds,
        "batch_phase": True,
    }
    out = ingest.run_clients(cfg, workdir)
    out["lines_before"] = lines_before
    return out


def live_interviews(
    database_url: str, workers: list[Worker], workdir: Path, n: int, lines_before: int, seconds: float
) -> dict[str, Any]:
    """n live interviews on the app (see ``_run_tabs``); rows saved are counted."""
    names = bl.state_names(workdir, "vocahire.state.interview", {"live": "LiveInterviewState"})
    out = _run_tabs(database_url, workers, workdir, names, "interview_id", n, lines_before, seconds)
    out["saved"] = bl.count_rows(database_url, "transcript_entries") - n * lines_before
    return out


def bare_live(
    stack: ExitStack, database_url: str, n: int, lines_before: int, seconds: float, save: bool = False
) -> dict[str, Any]:
    """The framework's own ceiling, the same run: the bare Reflex app (one state whose ``on_lines`` only
    stores the sequence number) on 2 workers with its state in Redis, the same n tabs and rate. With
    ``save``, its ``on_lines`` also saves the event's lines in one INSERT transaction before acknowledging
    them (``BARE_DATABASE_URL``): the least a saved line costs on this stack."""
    workdir = Path(tempfile.mkdtemp(prefix="vocahire-scaleout-bare-"))
    stack.callback(shutil.rmtree, workdir, True)
    bl.write_bare_app(workdir)
    extra = {"REFLEX_STATE_MANAGER_MODE": "redis", "REFLEX_REDIS_URL": REDIS_URL, "REDIS_URL": REDIS_URL}
    if save:
        extra["BARE_DATABASE_URL"] = database_url
        _create_bare_lines(database_url)  # before the workers start: both would race to create it
    env = bl.reflex_env(workdir, extra)
    workers = [Worker(f"bare-{i + 1}", free_port(), env, workdir) for i in range(2)]
    for w in workers:
        stack.callback(w.stop, signal.SIGKILL)
        w.start()
    names = bl.state_names(workdir, "bare.bare", {"live": "BareState"})
    # The bare app ignores the accounts and interviews; the client sends it the same events.
    out = _run_tabs(database_url, workers, workdir, names, None, n, lines_before, seconds)
    out["saved"] = bl.count_rows(database_url, "bare_lines") if save else None  # else it saves nothing
    return out


def _create_bare_lines(database_url: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS bare_lines (id SERIAL PRIMARY KEY, interview VARCHAR(64),"
            " item_id VARCHAR(128), previous_item_id VARCHAR(128), role VARCHAR(16), text TEXT)"
        )
    engine.dispose()


def ingest_batch() -> int:
    import transcript_ingest_bench as ingest

    return ingest.BATCH_LINES


def report_live(res: dict[str, Any], title: str = "live interviews") -> None:
    import transcript_ingest_bench as ingest

    line = next(p for p in res["phases"] if p["kind"] == "line")
    noop = next(p for p in res["phases"] if p["kind"] == "noop")
    lat = [x * 1000 for x in line["latencies"]]
    print(
        f"\n== {res['idle_clients']} {title} across 2 workers + Redis + PostgreSQL"
        f" ({res['lines_before']} lines saved each, a line every 2 s each) =="
    )
    print(
        f"  {res['idle_clients']} tabs opened in {res['opened_in']:.1f} s; backend memory"
        f" {ingest.memory_per_tab(res):.0f} KB per connected tab (after the first {ingest.WARM_TABS})"
    )
    print(
        f"  save round trip (emit -> saved -> acknowledged): median {statistics.median(lat):.1f} ms,"
        f" p99 {pct(lat, 0.99):.0f} ms (goal <= 100 ms); {line['events'] / line['wall']:.0f} lines/s;"
        f" {line['errors']} errors"
    )
    print(
        f"  backend CPU per line {line['cpu'] / line['events'] * 1000:.2f} ms (both workers),"
        f" per no-op event {noop['cpu'] / max(1, noop['events']) * 1000:.2f} ms"
        + ("" if res["saved"] is None else f"; rows saved {res['saved']} of {res['sent_lines']} lines sent")
    )
    if "machine_busy" in line:
        cores = os.cpu_count() or 1
        print(
            f"  the machine during the line phase: {line['machine_busy'] * 100:.0f}% of its {cores} cores"
            " busy"
            f" (the workers {line['cpu'] / line['wall'] / cores * 100:.0f}%, the client process"
            f" {line['client_cpu'] / line['wall'] / cores * 100:.0f}%; the rest: PostgreSQL, Redis, the"
            " proxy and anything else running here)"
        )
    batch = next((p for p in res["phases"] if p["kind"] == "batch"), None)
    if batch is not None and batch["events"]:
        lat_b = [x * 1000 for x in batch["latencies"]]
        print(
            f"  while the sideband records (the component's batch of {ingest_batch()} lines every 8 s,"
            f" the same line rate): round trip median {statistics.median(lat_b):.1f} ms,"
            f" p99 {pct(lat_b, 0.99):.0f} ms;"
            f" {batch['lines'] / batch['wall']:.0f} lines/s; backend CPU per line"
            f" {batch['cpu'] / batch['lines'] * 1000:.2f} ms; {batch['errors']} errors"
        )


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def run_setup(
    with_redis: bool,
    stack: ExitStack,
    database_url: str,
    clients: int,
    events: int,
    names: dict[str, str],
    live: int = 0,
    lines_before: int = 300,
    ref: str = "HEAD",
) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="vocahire-scaleout-"))
    stack.callback(shutil.rmtree, workdir, True)
    if ref == "tree":
        copy_app(workdir)
    else:
        bl.archive(ref, workdir)  # the committed code, whoever is editing the tree
    proxy_port = free_port()
    base_url = f"http://127.0.0.1:{proxy_port}"
    env = worker_env(workdir, database_url, REDIS_URL if with_redis else None, base_url)
    workers = [Worker(f"worker-{i + 1}", free_port(), env, workdir) for i in range(2)]
    for w in workers:
        stack.callback(w.stop, signal.SIGKILL)
        w.start()
    proxy = Proxy(proxy_port, workers, workdir)
    stack.callback(proxy.stop)
    proxy.start()
    email = "casey@example.com" if with_redis else "casey.memory@example.com"
    user_id, cookie = sign_up(base_url, email)
    seed_interview(database_url, user_id)
    interview_id = seed_live_interview(database_url, user_id) if "live" in names else None

    async def go() -> dict[str, Any]:
        out = await scenario(base_url, cookie, names, workers, events, interview_id)
        if interview_id:
            out["transcript_rows"] = transcript_rows(database_url, interview_id)
        out["proxy"] = proxy.kind
        out["starts"] = [s for w in workers for s in w.starts]
        if with_redis:
            await asyncio.sleep(2.5)  # nginx's fail_timeout for the worker restarted after the crash ...
            for _ in range(4):  # ... and its single probe request, after which it takes its share again
                await asyncio.to_thread(httpx.get, f"{base_url}/ping", timeout=5)
            out["load"] = await load_test(base_url, cookie, names, workers, clients, events)
        return out

    result = asyncio.run(go())
    if with_redis and live:
        result["live"] = live_interviews(database_url, workers, workdir, live, lines_before, 10.0)
    return result


def report(title: str, res: dict[str, Any]) -> None:
    print(f"\n== {title} ==")
    starts = res["starts"]
    print(
        f"front: {res['proxy']} on one loopback address; backend start-to-ready:"
        f" median {statistics.median(starts):.2f} s over {len(starts)} starts"
    )
    print(
        f"first connect + hydrate: {ms(res['hydrate'])};"
        f" dashboard socket held by {res['first_worker']}: {res['initial']}"
    )
    rt = res["rtts"]
    print(
        f"event round trip through the proxy (1 tab, {len(rt)} events):"
        f" median {ms(statistics.median(rt))}, p95 {ms(pct(rt, 0.95))}"
    )
    print(f"restarted worker ready again after {res['restart']:.2f} s")
    for o in res["outcomes"]:
        verdict = "SURVIVED" if o.survived else "LOST"
        print(
            f"- {o.label}: socket landed on {o.landed_on}; state {verdict};"
            f" reconnect+rehydrate {ms(o.seconds)}\n    {o.detail}"
        )
    if "transcript_rows" in res:
        print(
            f"  live interview: {res.get('transcript_sent', 0)} lines sent over the run,"
            f" {res['transcript_rows']} transcript rows in PostgreSQL"
        )
    reload, ok = res["crash_reload"]
    print(
        "  after the crash, the dashboard route's loader refilled it from PostgreSQL:"
        f" {'yes' if ok else 'no'} ({ms(reload)})"
    )
    if "load" in res:
        ld = res["load"]
        rtts = ld["rtts"]
        print(
            f"load: {len(ld['spread'])} workers, sockets per worker {ld['spread']};"
            f" {ld['count']} events in {ld['wall']:.2f} s = {ld['count'] / ld['wall']:.0f} events/s;"
            f" round trip median {ms(statistics.median(rtts))}, p95 {ms(pct(rtts, 0.95))}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--events", type=int, default=25)
    parser.add_argument(
        "--skip-bare-save", action="store_true", help="skip the bare app saving each event's lines"
    )
    parser.add_argument("--skip-control", action="store_true", help="skip the run without Redis")
    parser.add_argument("--ref", default="HEAD", help="the code to run: a git ref, or 'tree'")
    parser.add_argument("--live", type=int, default=1000, help="live interviews in the load phase (0: none)")
    parser.add_argument("--lines-before", type=int, default=300, help="lines each live interview holds")
    parser.add_argument("--proxy", nargs="+", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.proxy:  # the fallback proxy's own process
        asyncio.run(python_proxy(args.proxy[0], args.proxy[1:]))
        return 0
    if not port_open(5432) or not port_open(6379):
        print("needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379", file=sys.stderr)
        return 2
    names = state_names()
    flush_redis_db()
    with ExitStack() as stack, postgres_database() as database_url:
        stack.callback(flush_redis_db)
        with_redis = run_setup(
            True,
            stack,
            database_url,
            args.clients,
            args.events,
            names,
            args.live,
            args.lines_before,
            args.ref,
        )
        report("2 workers + Redis state manager + PostgreSQL", with_redis)
        if "live" in with_redis:
            report_live(with_redis["live"])
            flush_redis_db()
            bare = bare_live(stack, database_url, args.live, args.lines_before, 10.0)
            report_live(bare, "bare Reflex tabs (no-op on_lines: the framework's own ceiling)")
            saving = None
            if not args.skip_bare_save:
                flush_redis_db()
                saving = bare_live(stack, database_url, args.live, args.lines_before, 10.0, save=True)
                report_live(saving, "bare Reflex tabs saving each event's lines (one INSERT transaction)")
            for kind, label in (("line", "a line per event"), ("batch", "a batch every 8 s")):
                ours = next(p for p in with_redis["live"]["phases"] if p["kind"] == kind)
                theirs = next(p for p in bare["phases"] if p["kind"] == kind)
                saved = ""
                if saving is not None:
                    insert = next(p for p in saving["phases"] if p["kind"] == kind)["latencies"]
                    saved = f", bare Reflex + INSERT {pct([x * 1000 for x in insert], 0.99):.0f} ms"
                print(
                    f"  {label}: p99 save app {pct([x * 1000 for x in ours['latencies']], 0.99):.0f} ms,"
                    f" bare Reflex {pct([x * 1000 for x in theirs['latencies']], 0.99):.0f} ms{saved}"
                    " (lines/s above count each phase's staggered start: 1,000 tabs offer 500 lines/s)"
                )
        if not args.skip_control:
            with ExitStack() as control_stack:
                without = run_setup(
                    False, control_stack, database_url, args.clients, args.events, names, ref=args.ref
                )
            report("control: 2 workers, no Redis (state in each worker's memory)", without)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
