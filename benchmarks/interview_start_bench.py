"""Server-side cost of starting an interview, against a zero-latency fake OpenAI in its own process.

One start = what the server does between the candidate pressing Start and the browser getting
OpenAI's answer, minus the browser's own WebRTC work, as the app does it:
1. identity: as the set-up state does (``identity.require_caller``): a built-in account's token verified
   in place, its session checked by the start's own statement (code from before that, and a redo: the
   account through the user cache, ``require_user``; each account was seen once before, as the set-up
   page a candidate starts from loaded it);
2. the set-up state's start: ``interviews.start_interview`` in a worker thread (what
   ``InterviewSetupState.start_interview`` calls): stale sessions, one-live check, the session row
   and the credit;
3. ``POST /api/webrtc-exchange`` through the real Starlette app (ASGI, in this process): identity,
   ownership and state check, the instructions, the multipart call to the fake's
   ``/v1/realtime/calls`` (another process: it never competes for this interpreter), the session
   marked live. The sideband task is not started (it runs after the answer).

A redo of one answer (issue 16) is measured the same way in the same run: step 2 is then
``redo.start_redo`` (the original interview, its feedback's answer note, the transcript up to the
question summarised, the session row and the redo's price), and the exchange sends the redo's
instructions. Its accounts each own a completed interview whose feedback scored the answer.

Each start is by a different user (one live interview per user). Warm-up starts are run first,
reported and excluded. CPU per start is this process's CPU time (the app's work plus the in-process
HTTP client's) over the starts; "beyond the upstream" subtracts what the same multipart request to
the fake costs this process on its own (measured in the same run, same connection pool).

The floor (issue 19: "the framework's own per-event cost, measured on a bare app in the same run"): a bare
Starlette app written here does the least any start can do on this stack, through the same in-process
client: one HTTP request whose JSON it parses, one transaction inserting a row (SQLAlchemy Core,
psycopg, a worker thread, as the app's database work runs), the same multipart request to the same fake
on a pooled connection, one transaction updating the row, a JSON answer. No identity, no credit, no
instructions. Measured one at a time and 100 at once, like the app's starts.

With ``--before-ref`` the same script first runs against that commit's code (a ``git archive`` of it,
this script copied in), then against the working tree: before and after in one run.

    .venv/bin/python benchmarks/interview_start_bench.py [--serial 60] [--burst 100] [--bursts 3]
        [--before-ref 9d45ecd]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.util
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
for _key in [k for k in os.environ if k.startswith(("DATABASE_URL", "OPENAI_", "REDIS_URL", "INTERVIEW_"))]:
    del os.environ[_key]
os.environ["ENVIRONMENT"] = "test"
os.environ["LOG_LEVEL"] = "WARNING"
logging.disable(logging.WARNING)

import benchlib as bl  # noqa: E402
import httpx  # noqa: E402

from tests.utils.live import FORM, OFFER_SDP  # noqa: E402


def fake_process() -> tuple[subprocess.Popen[str], str, str]:
    """The fake OpenAI in a process of its own; returns it, its base URL and its key."""
    code = (
        "import sys, time, json\n"
        f"sys.path.insert(0, {str(bl.ROOT)!r})\n"
        "from tests.fakes.openai_realtime import FakeRealtime\n"
        "with FakeRealtime(webrtc=False) as fake:\n"
        "    print(json.dumps({'url': fake.base_url, 'key': fake.api_key}), flush=True)\n"
        "    sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    info = json.loads(proc.stdout.readline())
    return proc, info["url"], info["key"]


def seed_redoable(user_ids: list[int]) -> dict[int, str]:
    """A completed interview per user whose anchored feedback scored answer 2 (what a redo needs)."""
    from sqlmodel import col, select

    from tests.utils.interviews import make_interview
    from vocahire.infra.database import in_session
    from vocahire.models import Feedback, TranscriptEntry
    from vocahire.models.feedback import FORMAT_ANCHORED

    out: dict[int, str] = {}
    for user_id in user_ids:
        interview_id = make_interview(user_id, queue=False)

        def grade(*, session: Any, interview_id: str = interview_id) -> None:
            entries = session.exec(
                select(TranscriptEntry)
                .where(col(TranscriptEntry.session_id) == interview_id)
                .order_by(col(TranscriptEntry.position))
            ).all()
            note = {"number": 2, "question": entries[2].text, "question_line": entries[2].id, "score": 6}
            session.add(
                Feedback(
                    session_id=interview_id, format_version=FORMAT_ANCHORED, overall_score=60, answers=[note]
                )
            )

        in_session(grade)
        out[user_id] = interview_id
    return out


async def one_start(
    client: httpx.AsyncClient,
    cookie: str,
    parts: dict[str, list[float]],
    redo_of: dict[int, str] | None = None,
) -> float:
    """One start; with ``redo_of`` (user id -> graded interview) a redo of that interview's answer 2."""
    from vocahire.infra.database import run_db
    from vocahire.services.accounts import identity
    from vocahire.services.interviews import lifecycle as interviews
    from vocahire.settings import get_settings

    settings = get_settings()
    t0 = time.perf_counter()
    credential = identity.Credential(cookie_header=cookie)
    signed_in: dict[str, Any] = {}
    if redo_of is None and hasattr(identity, "require_caller"):
        # As the set-up state does: the token verified in place, the session checked by the start itself.
        user_id, signed_in["auth_session_id"] = await identity.require_caller(credential)
    else:  # a redo, or code from before require_caller: the account through the user cache
        user_id = (await identity.require_user(credential)).id
    t1 = time.perf_counter()
    if redo_of is None:
        interview = await run_db(
            interviews.start_interview,
            settings=settings,
            user_id=user_id,
            setup=interviews.parse_setup(FORM),
            **signed_in,
        )
    else:
        from vocahire.services.interviews import redo

        interview = await run_db(
            redo.start_redo,
            settings=settings,
            user_id=user_id,
            interview_id=redo_of[user_id],
            answer_number=2,
        )
    t2 = time.perf_counter()
    response = await client.post(
        "/api/webrtc-exchange",
        json={"session_id": interview.id, "sdp": OFFER_SDP},
        headers={"cookie": cookie},
    )
    t3 = time.perf_counter()
    if response.status_code != 200:
        raise RuntimeError(f"exchange failed: {response.status_code} {response.text[:200]}")
    parts["identity"].append(t1 - t0)
    parts["start"].append(t2 - t1)
    parts["exchange"].append(t3 - t2)
    return t3 - t0


async def warm_identities(cookies: list[str]) -> None:
    """Each account is seen once before its start, as a candidate is: the set-up page they start from
    loaded their account (and put it in the user cache)."""
    from vocahire.services.accounts.identity import Credential, require_user

    for cookie in cookies:
        await require_user(Credential(cookie_header=cookie))


async def upstream_alone(n: int, concurrency: int) -> tuple[list[float], float]:
    """The same multipart request straight to the fake: its latency and this process's CPU per call."""
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

        await asyncio.gather(*(one() for _ in range(min(n, concurrency))))  # warm the pool
        times.clear()
        cpu0 = time.process_time()
        for _ in range(max(1, n // concurrency)):
            await asyncio.gather(*(one() for _ in range(concurrency)))
        cpu = time.process_time() - cpu0
    return times, cpu / len(times)


BARE_TABLE = "bench_bare_starts"


def bare_start_app(
    database_url: str, upstream_url: str, key: str, http: httpx.AsyncClient
) -> tuple[Any, Any]:
    """The least a start can do on this stack (see the module's docstring): the app and its engine."""
    import anyio
    from sqlalchemy import create_engine, text
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    engine = create_engine(database_url, pool_size=20, max_overflow=20)
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {BARE_TABLE} (id text PRIMARY KEY, user_id int NOT NULL,"
                " status text NOT NULL, call_id text, created_at timestamptz NOT NULL DEFAULT now())"
            )
        )
    insert = text(f"INSERT INTO {BARE_TABLE} (id, user_id, status) VALUES (:id, :user_id, 'starting')")
    update = text(f"UPDATE {BARE_TABLE} SET status = 'active', call_id = :call_id WHERE id = :id")
    session = json.dumps({"type": "realtime", "model": "gpt-realtime-mini", "instructions": "x" * 3000})
    form = httpx.Request("POST", "http://x", files={"sdp": (None, OFFER_SDP), "session": (None, session)})
    body, content_type = form.read(), form.headers["content-type"]

    def write(statement: Any, **params: Any) -> None:
        with engine.begin() as conn:
            conn.execute(statement, params)

    async def start(request: Request) -> JSONResponse:
        data = await request.json()
        row_id = uuid.uuid4().hex
        await anyio.to_thread.run_sync(lambda: write(insert, id=row_id, user_id=int(data["user_id"])))
        answer = await http.post(
            f"{upstream_url}/realtime/calls",
            content=body,
            headers={"Authorization": f"Bearer {key}", "Content-Type": content_type},
        )
        call_id = answer.headers["location"].rsplit("/", 1)[-1]
        await anyio.to_thread.run_sync(lambda: write(update, id=row_id, call_id=call_id))
        return JSONResponse({"sdp": answer.text})

    return Starlette(routes=[Route("/start", start, methods=["POST"])]), engine


async def run_bare(
    args: argparse.Namespace, database_url: str, upstream_url: str, key: str
) -> dict[str, Any]:
    """The bare start, one at a time then in bursts, as the app's starts are measured."""
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=30) as http:
        app, engine = bare_start_app(database_url, upstream_url, key, http)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000") as client:

            async def one(i: int) -> float:
                t = time.perf_counter()
                response = await client.post("/start", json={"user_id": i, "sdp": OFFER_SDP})
                if response.status_code != 200:
                    raise RuntimeError(f"bare start failed: {response.status_code}")
                return time.perf_counter() - t

            for i in range(args.warmup):
                await one(i)
            cpu0 = time.process_time()
            out["bare_serial"] = [await one(i) for i in range(args.serial)]
            out["bare_serial_cpu"] = (time.process_time() - cpu0) / args.serial
            cpu0, busy, times = time.process_time(), 0.0, []
            for _ in range(args.bursts):
                t0 = time.perf_counter()
                times += await asyncio.gather(*(one(i) for i in range(args.burst)))
                busy += time.perf_counter() - t0
            out["bare_burst"] = times
            out["bare_burst_cpu"] = (time.process_time() - cpu0) / len(times)
            out["bare_burst_rate"] = len(times) / busy
    engine.dispose()
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from vocahire.api import make_api
    from vocahire.services.interviews.sideband import registry

    registry.enabled = False  # the sideband starts after the answer; not part of a start
    if importlib.util.find_spec("vocahire.infra.collector") is not None:  # not in older code
        # As every backend process does when it loads rxconfig.py (GC_THRESHOLDS).
        from vocahire.infra.collector import tune_collector
        from vocahire.settings import get_settings

        tune_collector(get_settings())
    print(f"  garbage collector thresholds {gc.get_threshold()} (the floor below runs with the same)")
    total = args.warmup + args.serial + args.burst * args.bursts
    accounts = await asyncio.to_thread(bl.make_accounts, total)
    cookies = [cookie for _, cookie in accounts]
    await warm_identities(cookies)
    transport = httpx.ASGITransport(app=make_api())
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000", timeout=60) as client:
        warm: dict[str, list[float]] = {"identity": [], "start": [], "exchange": []}
        out["warmup"] = [await one_start(client, cookies.pop(), warm) for _ in range(args.warmup)]
        parts: dict[str, list[float]] = {"identity": [], "start": [], "exchange": []}
        cpu0, t0 = time.process_time(), time.perf_counter()
        out["serial"] = [await one_start(client, cookies.pop(), parts) for _ in range(args.serial)]
        out["serial_cpu"] = (time.process_time() - cpu0) / args.serial
        out["serial_wall"] = time.perf_counter() - t0
        out["parts"] = parts
        burst_times: list[float] = []
        failures = 0
        cpu0, busy = time.process_time(), 0.0
        for _ in range(args.bursts):
            batch = [cookies.pop() for _ in range(args.burst)]
            scratch: dict[str, list[float]] = {"identity": [], "start": [], "exchange": []}
            t0 = time.perf_counter()
            results = await asyncio.gather(
                *(one_start(client, c, scratch) for c in batch), return_exceptions=True
            )
            busy += time.perf_counter() - t0
            for res in results:
                if isinstance(res, BaseException):
                    failures += 1
                    out.setdefault("failure", repr(res)[:300])
                else:
                    burst_times.append(res)
        out["burst"] = burst_times
        out["burst_cpu"] = (time.process_time() - cpu0) / max(1, len(burst_times))
        out["burst_rate"] = len(burst_times) / busy if busy else 0.0
        out["burst_failures"] = failures
    if importlib.util.find_spec("vocahire.services.interviews.redo") is not None:  # not in older code
        out.update(await run_redos(args))
    out["upstream_serial"], out["upstream_serial_cpu"] = await upstream_alone(args.serial, 1)
    out["upstream_burst"], out["upstream_burst_cpu"] = await upstream_alone(
        args.burst * args.bursts, args.burst
    )
    return out


async def run_redos(args: argparse.Namespace) -> dict[str, Any]:
    """Redo starts (issue 16), one at a time then one burst, by accounts of their own."""
    from vocahire.api import make_api

    total = args.warmup + args.serial + args.burst
    accounts = await asyncio.to_thread(bl.make_accounts, total)
    redo_of = await asyncio.to_thread(seed_redoable, [user_id for user_id, _ in accounts])
    cookies = [cookie for _, cookie in accounts]
    await warm_identities(cookies)
    transport = httpx.ASGITransport(app=make_api())
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000", timeout=60) as client:
        warm: dict[str, list[float]] = {"identity": [], "start": [], "exchange": []}
        for _ in range(args.warmup):
            await one_start(client, cookies.pop(), warm, redo_of)
        parts: dict[str, list[float]] = {"identity": [], "start": [], "exchange": []}
        cpu0 = time.process_time()
        out["redo_serial"] = [
            await one_start(client, cookies.pop(), parts, redo_of) for _ in range(args.serial)
        ]
        out["redo_serial_cpu"] = (time.process_time() - cpu0) / args.serial
        out["redo_parts"] = parts
        scratch: dict[str, list[float]] = {"identity": [], "start": [], "exchange": []}
        batch = [cookies.pop() for _ in range(args.burst)]
        cpu0, t0 = time.process_time(), time.perf_counter()
        results = await asyncio.gather(
            *(one_start(client, c, scratch, redo_of) for c in batch), return_exceptions=True
        )
        busy = time.perf_counter() - t0
        out["redo_burst"] = [r for r in results if not isinstance(r, BaseException)]
        out["redo_burst_failures"] = len(results) - len(out["redo_burst"])
        out["redo_burst_cpu"] = (time.process_time() - cpu0) / max(1, len(out["redo_burst"]))
        out["redo_burst_rate"] = len(out["redo_burst"]) / busy if busy else 0.0
    return out


def report(res: dict[str, Any], args: argparse.Namespace) -> None:
    ms = 1000.0
    med = bl.median
    print(f"  warm-up (excluded): {len(res['warmup'])} starts, median {med(res['warmup']) * ms:.1f} ms")
    parts = res["parts"]
    serial = med(res["serial"]) * ms
    print(
        f"  one at a time ({args.serial} starts): median {serial:.1f} ms (goal <= 8 ms: {serial / 8:.2f}x)"
        f" = identity {med(parts['identity']) * ms:.1f} + start {med(parts['start']) * ms:.1f}"
        f" + exchange {med(parts['exchange']) * ms:.1f} ms; p99 {bl.pct(res['serial'], 99) * ms:.1f} ms"
    )
    up = med(res["upstream_serial"]) * ms
    beyond_serial = (res["serial_cpu"] - res["upstream_serial_cpu"]) * ms
    print(
        f"    CPU per start {res['serial_cpu'] * ms:.1f} ms; the upstream call alone: median {up:.1f} ms,"
        f" {res['upstream_serial_cpu'] * ms:.1f} ms CPU; beyond it {beyond_serial:.1f} ms CPU"
    )
    beyond = (res["burst_cpu"] - res["upstream_burst_cpu"]) * ms
    print(
        f"  {args.burst} fired at once x {args.bursts}: p50 {med(res['burst']) * ms:.0f} ms,"
        f" p99 {bl.pct(res['burst'], 99) * ms:.0f} ms, {res['burst_rate']:.0f} starts/s on one process,"
        f" {res['burst_failures']} failed"
    )
    print(
        f"    CPU per start {res['burst_cpu'] * ms:.1f} ms; the upstream call alone "
        f"{res['upstream_burst_cpu'] * ms:.1f} ms CPU; beyond it {beyond:.1f} ms"
        f" (goal <= 4 ms: {beyond / 4:.2f}x);"
        f" => about {2 / (res['burst_cpu'] or 1):.0f} starts/s on 2 cores (goal >= 400)"
    )
    if "failure" in res:
        print(f"    first failure: {res['failure']}")
    if "bare_serial" in res:
        bare = med(res["bare_serial"]) * ms
        bare_cpu, burst_cpu = res["bare_serial_cpu"] * ms, res["bare_burst_cpu"] * ms
        bare_beyond = (res["bare_burst_cpu"] - res["upstream_burst_cpu"]) * ms
        print(
            "  the floor, a bare Starlette start (one request, two transactions, the same upstream call):"
            f" one at a time median {bare:.1f} ms, CPU {bare_cpu:.1f} ms (the app's: {serial / bare:.2f}x"
            f" the time, {res['serial_cpu'] * ms / bare_cpu:.2f}x the CPU); {args.burst} at once:"
            f" {res['bare_burst_rate']:.0f} starts/s, CPU {burst_cpu:.1f} ms, {bare_beyond:.1f} ms beyond"
            f" the upstream (the app's: {beyond / bare_beyond:.2f}x)"
        )
    if "redo_serial" in res:  # issue 16: a redo's start beside an interview's, same run
        rp = res["redo_parts"]
        redo_serial = med(res["redo_serial"]) * ms
        print(
            f"  redo of one answer, one at a time ({args.serial}): median {redo_serial:.1f} ms"
            f" ({redo_serial - serial:+.1f} ms vs an interview's)"
            f" = identity {med(rp['identity']) * ms:.1f} + start {med(rp['start']) * ms:.1f}"
            f" + exchange {med(rp['exchange']) * ms:.1f} ms;"
            f" p99 {bl.pct(res['redo_serial'], 99) * ms:.1f} ms;"
            f" CPU per start {res['redo_serial_cpu'] * ms:.1f} ms"
            f" ({(res['redo_serial_cpu'] - res['serial_cpu']) * ms:+.1f} ms)"
        )
        print(
            f"  redo, {args.burst} fired at once x 1: p50 {med(res['redo_burst']) * ms:.0f} ms,"
            f" p99 {bl.pct(res['redo_burst'], 99) * ms:.0f} ms, {res['redo_burst_rate']:.0f} starts/s,"
            f" CPU per start {res['redo_burst_cpu'] * ms:.1f} ms"
            f" ({(res['redo_burst_cpu'] - res['burst_cpu']) * ms:+.1f} ms vs an interview's),"
            f" {res['redo_burst_failures']} failed"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--serial", type=int, default=60)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--before-ref", default="", help="also measure this commit's code first")
    parser.add_argument("--skip-floor", action="store_true", help="skip the bare Starlette start")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/14",
        help="the user cache's Redis ('' for none; flushed)",
    )
    args = parser.parse_args()
    if args.before_ref:
        with tempfile.TemporaryDirectory(prefix="vocahire-start-") as tmp:
            label = bl.archive(args.before_ref, Path(tmp), [*bl.APP_ITEMS, "tests"])
            (Path(tmp) / "benchmarks").mkdir(exist_ok=True)
            for name in ("benchlib.py", "interview_start_bench.py"):
                shutil.copy2(Path(__file__).resolve().parent / name, Path(tmp) / "benchmarks" / name)
            print(f"== before: {label} ==", flush=True)
            argv = [
                f"--{k.replace('_', '-')}={v}"
                for k, v in vars(args).items()
                if k not in ("before_ref", "skip_floor")
            ]
            argv.append("--skip-floor")  # the floor is measured once, beside the code after
            subprocess.run(
                [sys.executable, str(Path(tmp) / "benchmarks" / Path(__file__).name), *argv], check=True
            )
        print("== after: the working tree ==", flush=True)
    if not bl.port_open_pg():
        print("needs PostgreSQL on 127.0.0.1:5432", file=sys.stderr)
        return 2
    proc, url, key = fake_process()
    redis = args.redis_url if args.redis_url and bl.port_open(6379) else ""
    if redis:
        import redis as redis_py

        redis_py.Redis.from_url(redis).flushdb()
        os.environ["REDIS_URL"] = redis  # the user/credits cache, as in production
    try:
        with bl.postgres_database("vocahire_start") as database_url:
            os.environ["OPENAI_API_KEY"] = key
            os.environ["OPENAI_BASE_URL"] = url
            bl.use_database(database_url)
            cache = f"user cache in Redis ({redis})" if redis else "no Redis (identity reads the database)"
            print(f"PostgreSQL, {cache}; the fake OpenAI answers at once, from its own process")
            res = asyncio.run(run(args))
            if not args.skip_floor:
                res.update(asyncio.run(run_bare(args, database_url, url, key)))
            report(res, args)
            from vocahire.infra import database as db

            db.reset_engines()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
