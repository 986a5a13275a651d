"""What the per-event benchmarks share: the code under test, a bare Reflex app, processes, seeding, figures.

Every build runs as its own production backend (``reflex run --env prod --backend-only``, one worker)
in a process group of its own, so its CPU time and memory are read from ``/proc`` for exactly that
group; the benchmark's clients run in yet another process. The code under test comes from git
(``git archive <ref>``), so "before" and "after" are the same files whoever is editing the tree; the
bare Reflex app is written here, one page and one state, with the same plugins as the app.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
APP_ITEMS = ["rxconfig.py", "vocahire", "assets", "alembic", "alembic.ini", "reflex.lock", "requirements.txt"]
SESSION_SECRET = "bench-" + "0123456789abcdef" * 4
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
NODE_BIN = ROOT / ".tools" / "node" / "node_modules" / ".bin"

BARE_RXCONFIG = """import reflex as rx

config = rx.Config(
    app_name="bare",
    show_built_with_reflex=False,
    telemetry_enabled=False,
    state_manager_mode="memory",
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="violet"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
"""

BARE_APP = '''"""A bare Reflex app: one state, one handler taking the dict the live page's component sends.

With ``BARE_DATABASE_URL`` set, the handler also saves the event's lines in one transaction (one INSERT,
SQLAlchemy Core, psycopg, a worker thread) before acknowledging them: the least a saved line can cost.
"""

import os
from typing import Any

import anyio
import reflex as rx
import sqlalchemy as sa

SAVE_URL = os.environ.get("BARE_DATABASE_URL", "")
_engine = sa.create_engine(SAVE_URL, pool_pre_ping=False) if SAVE_URL else None
_lines = sa.Table(
    "bare_lines",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("interview", sa.String(64)),
    sa.Column("item_id", sa.String(128)),
    sa.Column("previous_item_id", sa.String(128)),
    sa.Column("role", sa.String(16)),
    sa.Column("text", sa.Text),
)
if _engine is not None:
    _lines.metadata.create_all(_engine)


def _save(interview: str, lines: list[dict[str, Any]]) -> None:
    rows = [
        {
            "interview": interview,
            "item_id": line.get("item_id"),
            "previous_item_id": line.get("previous_item_id"),
            "role": line.get("role"),
            "text": line.get("text"),
        }
        for line in lines
    ]
    assert _engine is not None
    with _engine.begin() as connection:
        connection.execute(_lines.insert(), rows)


class BareState(rx.State):
    ack_seq: int = 0

    if SAVE_URL:

        @rx.event
        async def on_lines(self, event: dict[str, Any]) -> None:
            seq = event.get("seq") if isinstance(event, dict) else None
            lines = event.get("lines") if isinstance(event, dict) else None
            if isinstance(lines, list) and lines:
                await anyio.to_thread.run_sync(_save, str(event.get("session_id")), lines)
            if isinstance(seq, int):
                self.ack_seq = seq

    else:

        @rx.event
        def on_lines(self, event: dict[str, Any]) -> None:
            seq = event.get("seq") if isinstance(event, dict) else None
            if isinstance(seq, int):
                self.ack_seq = seq


def index() -> rx.Component:
    return rx.container(rx.heading("Bare"), rx.text(BareState.ack_seq), rx.button("Go"))


app = rx.App()
app.add_page(index, route="/")
app.add_page(index, route="/interview/[session_id]")
'''


# --- figures -------------------------------------------------------------------------------------


def pct(values: Iterable[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def median(values: Iterable[float]) -> float:
    items = list(values)
    return statistics.median(items) if items else float("nan")


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


# --- the code under test -----------------------------------------------------------------------


def archive(ref: str, dest: Path, items: Iterable[str] = APP_ITEMS) -> str:
    """The app's files at ``ref`` into ``dest`` (working tree and index left alone); its short hash."""
    dest.mkdir(parents=True, exist_ok=True)
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, *items], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=data, check=True)
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", ref], check=True, capture_output=True, text=True
    ).stdout.strip()


def copy_tree(dest: Path) -> None:
    """The working tree as it is (``--after-ref tree``): includes anyone's uncommitted edits."""
    dest.mkdir(parents=True, exist_ok=True)
    for item in APP_ITEMS:
        src = ROOT / item
        if src.is_dir():
            shutil.copytree(
                src, dest / item, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "external")
            )
        elif src.exists():
            shutil.copy2(src, dest / item)


def has_lines_route(workdir: Path) -> bool:
    """Whether this build's live page reads its saved lines from a route (after issue 19) rather than
    receiving them in its state: a tab of it then makes that request when it opens, as the browser does."""
    routes = workdir / "vocahire" / "routes.py"
    return routes.exists() and "API_INTERVIEW_LINES" in routes.read_text()


def write_bare_app(dest: Path) -> None:
    (dest / "bare").mkdir(parents=True, exist_ok=True)
    (dest / "rxconfig.py").write_text(BARE_RXCONFIG)
    (dest / "bare" / "__init__.py").write_text("")
    (dest / "bare" / "bare.py").write_text(BARE_APP)
    shutil.copytree(ROOT / "reflex.lock", dest / "reflex.lock", dirs_exist_ok=True)  # the same front-end pins


def reflex_env(workdir: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("DATABASE_URL", "REDIS_URL", "REFLEX_REDIS_URL", "PYTEST", "OPENAI_", "INTERVIEW_")
        )
    }
    env.update(
        {
            "PATH": f"{NODE_BIN}:{env.get('PATH', '')}",
            "PYTHONPATH": str(workdir),
            "PYTHONUNBUFFERED": "1",
            "REFLEX_USE_NPM": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "GRANIAN_WORKERS": "1",
            "LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra)
    return env


def app_env(database_url: str, public_url: str, redis_url: str | None = None) -> dict[str, str]:
    env = {
        "ENVIRONMENT": "production",
        "APP_URL": public_url,
        "SESSION_SECRET": SESSION_SECRET,
        "DATABASE_URL": database_url,
        "FEEDBACK_WORKER_ENABLED": "false",
        "EMAIL_WORKER_ENABLED": "false",
        "CORS_ORIGINS": public_url,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def export_frontend(workdir: Path, env: dict[str, str]) -> Path:
    """A production front-end build of the app in ``workdir``; returns ``.web/build/client``."""
    log = workdir / "export.log"
    with open(log, "wb") as out:
        code = subprocess.run(
            [sys.executable, "-m", "reflex", "export", "--frontend-only", "--no-zip", "--env", "prod"],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        ).returncode
    if code != 0:
        raise RuntimeError(f"front-end build failed in {workdir}:\n{log.read_text()[-3000:]}")
    return workdir / ".web" / "build" / "client"


# --- page weight ---------------------------------------------------------------------------------

_STATIC_IMPORT = re.compile(r"""(?:import|from)\s*["']\./([\w.\-]+\.js)["']""")


def _closure(assets: Path, start: Iterable[str]) -> set[str]:
    seen: set[str] = set()
    todo = [Path(s).name for s in start]
    while todo:
        name = todo.pop()
        if name in seen or not (assets / name).is_file():
            continue
        seen.add(name)
        todo += _STATIC_IMPORT.findall((assets / name).read_text(errors="replace"))
    return seen


def route_js(client_dir: Path, route_id: str) -> tuple[int, int, list[str]]:
    """JavaScript a first visit to ``route_id`` loads before rendering: entry, root, the route, and their
    static imports (not lazy chunks). Returns (gzip bytes, raw bytes, files)."""
    assets = client_dir / "assets"
    manifest_file = next(assets.glob("manifest-*.js"))
    text = manifest_file.read_text()
    manifest = json.loads(text[text.index("{") : text.rindex("}") + 1])
    routes = manifest["routes"]
    if route_id not in routes:
        raise KeyError(f"{route_id} not in {sorted(routes)}")
    start = [manifest["entry"]["module"], *manifest["entry"].get("imports", [])]
    chain = [route_id]
    while routes[chain[-1]].get("parentId"):
        chain.append(routes[chain[-1]]["parentId"])
    for rid in chain:
        start += [routes[rid]["module"], *routes[rid].get("imports", [])]
    files = sorted(_closure(assets, start))
    raw = sum((assets / f).stat().st_size for f in files)
    gz = sum(len(gzip.compress((assets / f).read_bytes(), 9)) for f in files)
    return gz, raw, files


def find_route(client_dir: Path, fragment: str) -> str:
    assets = client_dir / "assets"
    text = next(assets.glob("manifest-*.js")).read_text()
    manifest = json.loads(text[text.index("{") : text.rindex("}") + 1])
    matches = [rid for rid in manifest["routes"] if fragment in rid]
    if not matches:
        raise KeyError(f"no route like {fragment!r} in {sorted(manifest['routes'])}")
    return min(matches, key=len)


# --- processes -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            pids.append(int(entry))
    return pids


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine, all cores, from /proc/stat: whatever runs on it
    (our processes, PostgreSQL, Redis, the proxy, other users') counts as busy."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal (guest is inside user)
    return (total - idle) / TICK, total / TICK


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of the live processes in a process group."""
    total = 0
    for pid in group_pids(pgid):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def group_rss(pgid: int) -> int:
    total = 0
    for pid in group_pids(pgid):
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except OSError:
            continue
    return total


@dataclass
class Backend:
    """``reflex run --env prod --backend-only`` in its own process group."""

    name: str
    workdir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    started_in: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> float:
        import httpx

        log = open(self.workdir / f"{self.name}.log", "ab")  # noqa: SIM115 - owned by the process
        began = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "reflex", "run", "--env", "prod", "--backend-only", *self.flags()],
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while time.monotonic() < began + 180:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited:\n{(self.workdir / f'{self.name}.log').read_text()[-3000:]}"
                )
            try:
                if httpx.get(f"{self.url}/ping", timeout=1).status_code == 200:
                    self.started_in = time.monotonic() - began
                    return self.started_in
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start")

    def flags(self) -> list[str]:
        return ["--backend-port", str(self.port), "--loglevel", "warning"]

    @property
    def pgid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu(self) -> float:
        return group_cpu(self.pgid)

    def rss(self) -> int:
        return group_rss(self.pgid)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


# --- databases and accounts ----------------------------------------------------------------------


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """A throwaway, migrated PostgreSQL database (dropped afterwards)."""
    from sqlalchemy import create_engine, text

    from vocahire.infra.schema_status import upgrade_to_head

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
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


def use_database(database_url: str) -> None:
    """Point this process's settings (and so its engine) at ``database_url``, with the backends' secret."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["SESSION_SECRET"] = SESSION_SECRET
    os.environ.setdefault("ENVIRONMENT", "development")
    from vocahire.infra import database as db
    from vocahire.settings import get_settings

    get_settings.cache_clear()
    db.reset_engines()


def make_accounts(n: int, credits_cents: int = 300) -> list[tuple[int, str]]:
    """n built-in accounts (one bulk insert, no password hashing) and a session cookie each."""
    from sqlalchemy import insert

    from vocahire.infra.database import in_session
    from vocahire.models import User, utcnow
    from vocahire.models.account_security import AuthSession
    from vocahire.services.accounts.session_tokens import SESSION_COOKIE, issue_session_token
    from vocahire.settings import get_settings

    settings = get_settings()
    tag = uuid.uuid4().hex[:8]
    now = utcnow()
    rows = [
        {
            "email": f"bench-{tag}-{i}@example.com",
            "name": "Casey Candidate",
            "auth_provider": "builtin",
            "role": "candidate",
            "credits_cents": credits_cents,
            "email_verified_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n)
    ]

    def create(*, session: Any) -> list[int]:
        return [r[0] for r in session.execute(insert(User).values(rows).returning(User.id)).all()]

    ids = in_session(create)
    sids = [secrets.token_hex(16) for _ in ids]
    expires = now + timedelta(minutes=settings.session_ttl_minutes)

    def open_sessions(*, session: Any) -> None:  # what sessions.open_session writes, in one statement
        session.execute(
            insert(AuthSession).values(
                [
                    {"id": sid, "user_id": uid, "created_at": now, "expires_at": expires}
                    for uid, sid in zip(ids, sids, strict=True)
                ]
            )
        )

    in_session(open_sessions)
    return [
        (uid, f"{SESSION_COOKIE}={issue_session_token(uid, sid, settings, now=now)}")
        for uid, sid in zip(ids, sids, strict=True)
    ]


def seed_live_interviews(user_ids: list[int], lines_each: int) -> list[str]:
    """One active interview per user with ``lines_each`` lines already saved (ids ``seed_<n>``)."""
    from sqlalchemy import insert

    from vocahire.infra.database import in_session
    from vocahire.models import InterviewSession, TranscriptEntry, utcnow

    now = utcnow()
    ids = [uuid.uuid4().hex for _ in user_ids]
    sessions_rows = [
        {
            "id": iid,
            "user_id": uid,
            "job_title": "Site Reliability Engineer",
            "job_description": "",
            "resume_text": "",
            "interview_type": "mixed",
            "difficulty": "medium",
            "duration_minutes": 30,
            "pace": "patient",
            "status": "active",
            # No call id: a restarted backend's janitor re-attaches a sideband task to every active call,
            # which would poll these rows and dial OpenAI (the sideband's cost is not the ingest path's).
            "openai_call_id": None,
            "credits_charged_cents": 100,
            "started_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for iid, uid in zip(ids, user_ids, strict=True)
    ]

    def create(*, session: Any) -> None:
        session.execute(insert(InterviewSession).values(sessions_rows))
        for iid in ids:
            lines = [
                {
                    "session_id": iid,
                    "role": "interviewer" if n % 2 else "candidate",
                    "text": f"Seed line {n}: a realistic sentence of about twelve words said earlier on.",
                    "item_id": f"seed_{n}",
                    "previous_item_id": f"seed_{n - 1}" if n > 1 else None,
                    "position": float(n),
                    "source": "sideband",
                    "created_at": now,
                }
                for n in range(1, lines_each + 1)
            ]
            if lines:
                session.execute(insert(TranscriptEntry).values(lines))

    in_session(create)
    return ids


def count_rows(database_url: str, table: str, where: str = "", params: dict[str, Any] | None = None) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT count(*) FROM {table} {where}"), params or {}).scalar_one()
    engine.dispose()
    return int(n)


def state_names(workdir: Path, module: str, classes: dict[str, str]) -> dict[str, str]:
    """Reflex's full state names in the build at ``workdir`` (read in a child process: its own imports)."""
    code = (
        "import json, importlib\n"
        f"m = importlib.import_module({module!r})\n"
        "import reflex as rx\n"
        f"out = {{'root': rx.State.get_full_name()}}\n"
        f"for key, cls in {classes!r}.items():\n"
        "    out[key] = getattr(m, cls).get_full_name()\n"
        "print(json.dumps(out))\n"
    )
    env = reflex_env(workdir, {"ENVIRONMENT": "development"})
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=workdir, env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def port_open_pg() -> bool:
    return port_open(5432)
