"""End-to-end harness: the app built in production mode in a temp copy, driven by Debian's Chromium.

Fixtures for e2e tests (mark them ``@pytest.mark.e2e``):

- ``e2e_app``: the app with every fake upstream from ``tests/e2e/upstreams.py``
  configured (started once per session). ``e2e_app.url`` is its origin
  (``http://localhost:<port>``), ``e2e_app.upstreams[name]`` a fake's handle,
  ``e2e_app.env`` the environment it runs with.
- ``e2e_app_factory(**env)``: another build with extra/overridden settings
  (``STRIPE_SECRET_KEY=None`` removes one); cached per distinct environment.
- ``scale_out_env``: the settings for a build served by two backend workers that
  keep Reflex's state in a throwaway Redis database (skipped without Redis), as
  in production: ``e2e_app_factory(**scale_out_env, ...)``.
- ``app_db``: points this test process's settings at ``e2e_app``'s database so
  services (``in_session``) read and write what the app sees.
- ``page``: a fresh Playwright page (new context, microphone granted) on ``e2e_app``;
  ``browser``: the session's Chromium (launched with fake media devices).
- ``csp_watch``: every context ``browser`` opens reports Content-Security-Policy violations to it, and
  every e2e test fails when one was seen (a test that provokes one on purpose clears the list).
- ``shot(page, name)``: saves ``test-output/<name>.png`` (look at them).
- ``sign_up(page, email, password)`` / ``sign_in(...)``: helpers through the real forms.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import REDIS_HOST, ROOT, migrate, redis_available, refresh_settings
from tests.e2e.upstreams import STARTERS
from tests.utils.voice_clip import write_voice_clip

CHROMIUM = "/usr/bin/chromium"
OUTPUT = ROOT / "test-output"
BUILD_TIMEOUT = 420
COPY_ITEMS = [
    "rxconfig.py",
    "vocahire",
    "assets",
    "alembic",
    "alembic.ini",
    "reflex.lock",
    "requirements.txt",
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AppServer:
    url: str
    env: dict[str, str]
    database_url: str
    workdir: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    upstreams: dict[str, Any] = field(default_factory=dict)

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)


def _slot_dir() -> tuple[Path, Any]:
    """A reusable build directory (keeps .web/node_modules warm) locked for this run."""
    base = Path(tempfile.gettempdir()) / "vocahire-e2e"
    base.mkdir(exist_ok=True)
    for slot in range(16):
        d = base / f"slot{slot}"
        d.mkdir(exist_ok=True)
        lock = open(d / ".lock", "w")  # noqa: SIM115 - held for the session
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        return d, lock
    raise RuntimeError("no free e2e build slot")


def _sync_sources(dest: Path) -> None:
    for item in COPY_ITEMS:
        src = ROOT / item
        target = dest / item
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        if src.is_dir():
            shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "external"))
        elif src.exists():
            shutil.copy2(src, target)


PREVIEW_VOICE = "coral"


def _node_path() -> str:
    tools = ROOT / ".tools" / "node" / "node_modules" / ".bin"
    return f"{tools}:{os.environ.get('PATH', '')}" if tools.exists() else os.environ.get("PATH", "")


def start_app(extra_env: dict[str, str | None], upstreams: dict[str, Any], stack: ExitStack) -> AppServer:
    workdir, lock = _slot_dir()
    stack.callback(lock.close)
    _sync_sources(workdir)
    # One voice has a preview clip in every e2e build, so set-up's "Play a sample" is there to drive and
    # scan (the real clips are recorded from OpenAI, which tests can't reach; none are committed).
    write_voice_clip(workdir / "assets" / "voices" / f"{PREVIEW_VOICE}.mp3")
    port = free_port()
    db_path = workdir / f"e2e-{port}.db"
    database_url = f"sqlite:///{db_path}"
    migrate(database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DATABASE_URL"))}
    env.update(
        {
            "PATH": _node_path(),
            "REFLEX_USE_NPM": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "PYTHONUNBUFFERED": "1",
            "ENVIRONMENT": "test",
            "APP_URL": f"http://localhost:{port}",
            "DATABASE_URL": database_url,
            "SESSION_SECRET": "e2e-session-secret-0123456789abcdef0123456789",
            "FEEDBACK_WORKER_ENABLED": "true",
            "GRANIAN_WORKERS": "1",
            "PYTHONPATH": str(workdir),
        }
    )
    for key, value in extra_env.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    log_path = workdir / f"app-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115
    stack.callback(log.close)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reflex",
            "run",
            "--env",
            "prod",
            "--frontend-port",
            str(port),
            "--loglevel",
            "info",
        ],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = AppServer(f"http://localhost:{port}", env, database_url, workdir, process, log_path, upstreams)
    stack.callback(server.stop)
    deadline = time.monotonic() + BUILD_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited while starting:\n{server.log_tail()}")
        try:
            if (
                httpx.get(f"{server.url}/api/health", timeout=2).status_code == 200
                and httpx.get(server.url, timeout=5).status_code == 200
            ):
                return server
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the app did not start within {BUILD_TIMEOUT} s:\n{server.log_tail()}")


@pytest.fixture(scope="session")
def _e2e_stack() -> Iterator[ExitStack]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's Chromium is missing: the test command installs it (apt-get install -y chromium)"
        )
    with ExitStack() as stack:
        yield stack


@pytest.fixture(scope="session")
def e2e_upstreams(_e2e_stack: ExitStack) -> tuple[dict[str, Any], dict[str, str]]:
    handles: dict[str, Any] = {}
    env: dict[str, str] = {}
    for starter in STARTERS:
        name, handle, extra = starter(_e2e_stack)
        handles[name] = handle
        env.update(extra)
    return handles, env


@pytest.fixture(scope="session")
def e2e_app_factory(
    _e2e_stack: ExitStack, e2e_upstreams: tuple[dict[str, Any], dict[str, str]]
) -> Callable[..., AppServer]:
    handles, upstream_env = e2e_upstreams
    cache: dict[frozenset[tuple[str, str | None]], AppServer] = {}

    def factory(**overrides: str | None) -> AppServer:
        merged: dict[str, str | None] = {**upstream_env, **overrides}
        key = frozenset(merged.items())
        if key not in cache:
            cache[key] = start_app(merged, handles, _e2e_stack)
        return cache[key]

    return factory


REDIS_CLAIM_KEY = "vocahire-e2e-claim"
REDIS_DBS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 15)  # 13 and 14 belong to other tests and benches


def _claim_redis_db(stack: ExitStack) -> str:
    """A Redis database number no other run is using, emptied now and when the session ends."""
    import redis

    for number in REDIS_DBS:
        url = f"redis://{REDIS_HOST[0]}:{REDIS_HOST[1]}/{number}"
        client = redis.Redis.from_url(url)
        if client.set(REDIS_CLAIM_KEY, str(os.getpid()), nx=True, ex=4 * 3600):
            client.flushdb()
            client.set(REDIS_CLAIM_KEY, str(os.getpid()), ex=4 * 3600)
            stack.callback(client.close)
            stack.callback(client.flushdb)
            return url
        client.close()
    raise RuntimeError("no free Redis database for the e2e run")


@pytest.fixture(scope="session")
def scale_out_env(_e2e_stack: ExitStack) -> dict[str, str]:
    """Two backend workers, Reflex's state in a throwaway Redis database (README: processes, workers)."""
    if not redis_available():
        pytest.skip("Redis is not answering on 127.0.0.1:6379 (the one-worker build covers the rest)")
    url = _claim_redis_db(_e2e_stack)
    return {
        "GRANIAN_WORKERS": "2",
        "REDIS_URL": url,
        "REFLEX_REDIS_URL": url,
        "REFLEX_BACKEND_START_METHOD": "spawn",
    }


@pytest.fixture(scope="session")
def e2e_app(e2e_app_factory: Callable[..., AppServer]) -> AppServer:
    return e2e_app_factory()


@pytest.fixture
def app_db(e2e_app: AppServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppServer]:
    monkeypatch.setenv("DATABASE_URL", e2e_app.database_url)
    for key in ("SESSION_SECRET", "ADMIN_EMAILS", "APP_URL"):
        if key in e2e_app.env:
            monkeypatch.setenv(key, e2e_app.env[key])
    refresh_settings()
    yield e2e_app
    monkeypatch.undo()
    refresh_settings()


# Registered in every page before its own scripts, so violations during the first parse count too.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => window.__reportCspViolation({
  directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber,
  sample: e.sample, page: document.location.href,
}));
"""


@dataclass
class CspWatch:
    """Content-Security-Policy violations seen in any page of any context the session's Chromium opened."""

    violations: list[dict[str, Any]] = field(default_factory=list)

    def attach(self, context: Any) -> None:
        context.expose_binding("__reportCspViolation", lambda _source, found: self.violations.append(found))
        context.add_init_script(CSP_LISTENER)
        context.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.violations.append({"console": message.text, "page": message.location.get("url", "")})


class WatchedBrowser:
    """The session's Chromium: each context it opens (tests open their own too) reports to ``CspWatch``."""

    def __init__(self, browser: Any, watch: CspWatch) -> None:
        self._browser = browser
        self._watch = watch

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        self._watch.attach(context)
        return context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def csp_watch() -> CspWatch:
    return CspWatch()


@pytest.fixture(autouse=True)
def _no_csp_violations(csp_watch: CspWatch) -> Iterator[None]:
    """Every e2e test fails on a Content-Security-Policy violation in any of its pages."""
    csp_watch.violations.clear()
    yield
    found = list(csp_watch.violations)
    csp_watch.violations.clear()
    assert not found, "Content-Security-Policy violations:\n" + "\n".join(map(str, found))


@pytest.fixture(scope="package")
def browser(_e2e_stack: ExitStack, csp_watch: CspWatch) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield WatchedBrowser(b, csp_watch)
        b.close()


@pytest.fixture
def page(browser: Any, e2e_app: AppServer) -> Iterator[Any]:
    context = browser.new_context(base_url=e2e_app.url, viewport={"width": 1280, "height": 900})
    context.grant_permissions(["microphone"], origin=e2e_app.url)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def shot(page: Any, name: str) -> Path:
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def wait_hydrated(page: Any) -> None:
    """Reflex pages are interactive once the websocket delivered the first state."""
    page.wait_for_load_state("networkidle")


def sign_up(page: Any, email: str, password: str = "correct-horse-42", name: str = "Ada Lovelace") -> None:
    page.goto("/sign-up")
    wait_hydrated(page)
    page.fill("#field-name", name)
    page.fill("#field-email", email)
    page.fill("#field-password", password)
    page.click("#sign-up-submit")
    page.wait_for_url("**/dashboard**")


def sign_in(
    page: Any, email: str, password: str = "correct-horse-42", next_url: str = "**/dashboard**"
) -> None:
    page.goto("/sign-in")
    wait_hydrated(page)
    page.fill("#field-email", email)
    page.fill("#field-password", password)
    page.click("#sign-in-submit")
    page.wait_for_url(next_url)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The accessibility scans' summary (``tests/utils/axe.py``), when any ran."""
    from tests.utils import axe

    line = axe.summary()
    if line:
        terminalreporter.write_sep("-", "accessibility")
        terminalreporter.write_line(line)


@dataclass
class LiveApp:
    """A build whose OpenAI is the local Realtime fake (``tests/fakes/openai_realtime.py``)."""

    app: AppServer
    realtime: Any


@pytest.fixture(scope="session")
def live_app(_e2e_stack: ExitStack, e2e_app_factory: Callable[..., AppServer]) -> LiveApp:
    """Shared by the accessibility, keyboard and polish tests: live interviews answer, feedback is
    written by the tests themselves (the worker is off)."""
    from tests.fakes.openai_realtime import FakeRealtime

    fake = _e2e_stack.enter_context(FakeRealtime(api_key="sk-test-e2e-a11y-0123456789abcdef"))
    fake.chars_per_second = 60.0
    app = e2e_app_factory(
        OPENAI_API_KEY=fake.api_key,
        OPENAI_BASE_URL=fake.base_url,
        FEEDBACK_WORKER_ENABLED="false",
        ADMIN_EMAILS="a11y-admin@example.com",
    )
    return LiveApp(app, fake)


@pytest.fixture(scope="module")
def live_app_db(live_app: LiveApp) -> Iterator[LiveApp]:
    """This test process's services read and write ``live_app``'s database (for a whole module)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATABASE_URL", live_app.app.database_url)
        for key in ("SESSION_SECRET", "ADMIN_EMAILS", "APP_URL"):
            if key in live_app.app.env:
                mp.setenv(key, live_app.app.env[key])
        refresh_settings()
        yield live_app
    refresh_settings()


def signed_in_context(browser: Any, app: AppServer, user_id: int | None, **options: Any) -> Any:
    """A context on ``app`` carrying ``user_id``'s session cookie (or none), microphone granted."""
    from tests.utils.users import session_cookie_for

    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(base_url=app.url, **options)
    context.grant_permissions(["microphone"], origin=app.url)
    if user_id is not None:
        context.add_cookies(
            [{"name": k, "value": v, "url": app.url} for k, v in session_cookie_for(user_id).items()]
        )
    return context
