"""One sideband watcher per live call across processes: the lease on the interview row.

The process that connects a call holds it; another process takes a call over only once that lease has
lapsed (its process stopped or crashed), one winner even when several sweep at once; the watcher that
lost it stops; a clean shutdown gives the leases back. A call taken over keeps its language and cut-in.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.utils.live import connect_without_upstream, get, start
from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.models import InterviewSession, utcnow
from vocahire.services.interviews import calls as interview_calls
from vocahire.services.interviews import lifecycle as interviews
from vocahire.services.interviews import sideband as realtime_sideband
from vocahire.services.interviews import sideband_lease
from vocahire.services.interviews.sideband import SidebandCall, registry
from vocahire.settings import get_settings

LAPSED = timedelta(seconds=sideband_lease.LEASE_SECONDS + 1)


def live_call(email: str = "ada@example.com", **form):
    user = make_user(email)
    started = start(user.id, **form)
    connect_without_upstream(started.id, call_id="rtc_lease")
    return started.id


def as_process(monkeypatch, process_id: str) -> None:
    monkeypatch.setattr(sideband_lease, "PROCESS_ID", process_id)


def test_the_process_that_connects_a_call_holds_it_until_its_lease_lapses(db, monkeypatch):
    mine = sideband_lease.PROCESS_ID
    interview_id = live_call()
    row = get(interview_id)
    assert row.sideband_owner == mine and row.sideband_lease_until > utcnow()

    as_process(monkeypatch, "other-process")
    claim = {"interview_id": interview_id, "call_id": "rtc_lease"}
    assert in_session(sideband_lease.claim, **claim) is False  # held: not taken
    assert in_session(sideband_lease.claim, **claim, now=utcnow() + LAPSED) is True
    assert get(interview_id).sideband_owner == "other-process"

    as_process(monkeypatch, mine)  # the first process's next renewal finds it taken
    assert in_session(sideband_lease.renew, **claim) is False
    as_process(monkeypatch, "other-process")
    assert in_session(sideband_lease.renew, **claim) is True
    assert in_session(sideband_lease.claim, interview_id=interview_id, call_id="rtc_old") is False  # replaced


def test_only_calls_whose_lease_lapsed_are_orphaned_and_they_keep_language_and_cut_in(db):
    interview_id = live_call(language="es", style="challenging", cut_in="on", pace="brisk")
    quiet = live_call("grace@example.com", language="de", style="friendly", cut_in="off")
    settings = get_settings()
    assert in_session(interviews.orphaned_live_sessions, settings=settings) == []
    later = utcnow() + LAPSED
    found = {
        c.interview_id: c for c in in_session(interviews.orphaned_live_sessions, settings=settings, now=later)
    }
    assert set(found) == {interview_id, quiet}
    assert (found[interview_id].language, found[interview_id].cut_in_seconds, found[interview_id].pace) == (
        "es",
        90.0,
        "brisk",
    )
    assert (found[quiet].language, found[quiet].cut_in_seconds) == ("de", None)


async def test_of_two_processes_sweeping_at_once_only_one_takes_a_lapsed_call_over(db, monkeypatch):
    interview_id = live_call(language="es", style="challenging")
    started: list[tuple] = []

    def record_start(interview_id, call_id, deadline, **options):
        started.append((sideband_lease.PROCESS_ID, interview_id, call_id, options))

    monkeypatch.setattr(registry, "start", record_start)
    monkeypatch.setattr(registry, "get", lambda interview_id: None)
    # A healthy watcher holds it: nobody takes it over.
    assert await interview_calls.reattach_orphans() == 0
    # Its process died: the lease lapses; two processes sweep at the same moment.
    expired = utcnow() - timedelta(seconds=1)
    in_session(
        lambda *, session: session.execute(
            update(InterviewSession)
            .where(InterviewSession.id == interview_id)
            .values(sideband_lease_until=expired)
        )
    )
    as_process(monkeypatch, "process-a")
    found_by_b = await asyncio.to_thread(
        in_session, interviews.orphaned_live_sessions, settings=get_settings()
    )  # B has read the same list before A claims
    assert await interview_calls.reattach_orphans() == 1
    as_process(monkeypatch, "process-b")
    claimed_by_b = [
        c
        for c in found_by_b
        if in_session(sideband_lease.claim, interview_id=c.interview_id, call_id=c.call_id)
    ]
    assert claimed_by_b == []
    assert len(started) == 1
    process, started_id, call_id, options = started[0]
    assert (process, started_id, call_id) == ("process-a", interview_id, "rtc_lease")
    assert options["greet"] is False and options["language"] == "es" and options["cut_in_seconds"] == 90.0
    assert get(interview_id).sideband_owner == "process-a"


async def test_a_watcher_whose_call_was_taken_over_stops(db, monkeypatch):
    monkeypatch.setattr(sideband_lease, "RENEW_EVERY_SECONDS", 0.0)
    monkeypatch.setattr(realtime_sideband, "ROW_POLL_SECONDS", 0.02)
    interview_id = live_call()
    call = SidebandCall(registry, interview_id, "rtc_lease", utcnow() + timedelta(minutes=5), get_settings())
    follow = asyncio.create_task(call._follow_row())
    await asyncio.sleep(0.2)
    assert not follow.done()  # it holds and renews the lease
    as_process(monkeypatch, "other-process")
    assert in_session(
        sideband_lease.claim, interview_id=interview_id, call_id="rtc_lease", now=utcnow() + LAPSED
    )
    as_process(monkeypatch, get(interview_id).sideband_owner + "-not")  # the first watcher's process
    assert await asyncio.wait_for(follow, 2) == "taken over"


async def test_a_clean_shutdown_gives_the_leases_back(db, monkeypatch):
    interview_id = live_call()

    class Watching:
        task = None

    monkeypatch.setitem(registry.calls, interview_id, Watching())
    await registry.shutdown()
    row = get(interview_id)
    assert row.sideband_lease_until is None
    # So another process's next sweep takes it over at once.
    as_process(monkeypatch, "next-process")
    assert in_session(sideband_lease.claim, interview_id=interview_id, call_id="rtc_lease") is True


@pytest.fixture(autouse=True)
def _empty_registry():
    yield
    registry.calls.clear()
