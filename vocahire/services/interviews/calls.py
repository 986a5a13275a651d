"""Connecting and ending an interview's call: the async steps around the database ones in ``interviews``.

What a page's event does here (the browser's call is up, End) goes through the database only:
the event may be served by another worker than the one whose sideband task watches the call.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

import httpx
from anyio.lowlevel import RunVar
from sqlalchemy import update
from sqlmodel import Session, col

from vocahire.errors import Conflict, UpstreamError, VocaHireError
from vocahire.infra import openai_realtime as realtime
from vocahire.infra.database import run_db
from vocahire.infra.group_commit import GroupCommit
from vocahire.models import InterviewSession, utcnow
from vocahire.models.interview import STATUS_ACTIVE
from vocahire.services.interviews import lifecycle as interviews
from vocahire.services.interviews import sideband_lease, voices
from vocahire.services.interviews.sideband import registry
from vocahire.settings import Settings, get_settings

log = logging.getLogger(__name__)

MAX_OFFER_BYTES = 64 * 1024
UPSTREAM_CONNECTIONS = 100

# A start's two transactions around the upstream call, shared by the starts that arrive together
# (``infra.group_commit``): at 100 starts at once, one hop and one commit for many instead of one each.
_PREPARE: GroupCommit[interviews.CallRequest, interviews.CallPlan] = GroupCommit(
    "call preparations", interviews.prepare_calls
)
_CONNECTED: GroupCommit[interviews.ConnectedCall, datetime | None] = GroupCommit(
    "connected calls", interviews.mark_calls_connected
)

_upstream_var: RunVar[httpx.AsyncClient] = RunVar("vocahire_openai_client")


def upstream_client(settings: Settings) -> httpx.AsyncClient:
    """This event loop's pooled client for OpenAI's REST calls: a start reuses a warm TLS connection instead
    of opening its own (each request still carries its own timeout)."""
    try:
        return _upstream_var.get()
    except LookupError:
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.openai_timeout_seconds),
            limits=httpx.Limits(max_connections=UPSTREAM_CONNECTIONS, max_keepalive_connections=20),
        )
        _upstream_var.set(client)
        return client


def check_offer(sdp: object) -> str:
    """A WebRTC offer of sane size and shape (it is forwarded upstream verbatim)."""
    from vocahire.errors import InvalidInput

    if not isinstance(sdp, str) or not sdp.startswith("v=0") or "m=audio" not in sdp:
        raise InvalidInput("That is not a WebRTC audio offer.")
    if len(sdp.encode()) > MAX_OFFER_BYTES:
        raise InvalidInput("That WebRTC offer is too large.")
    return sdp


async def connect_call(
    *,
    user_id: int,
    interview_id: object,
    offer_sdp: str,
    settings: Settings | None = None,
    client: httpx.AsyncClient | None = None,
    auth_session_id: str | None = None,
) -> str:
    """Exchange the browser's offer for OpenAI's answer; on a failed first start the credit is refunded.

    ``auth_session_id``: the caller's built-in session, checked by the same statement that reads the
    interview (so the caller's identity costs no account read of its own)."""
    settings = settings or get_settings()
    client = client or upstream_client(settings)
    plan = await _PREPARE.run(interviews.CallRequest(settings, user_id, interview_id, auth_session_id))
    session = realtime.session_config(
        settings, instructions=plan.instructions, pace=plan.pace, voice=plan.voice, language=plan.language
    )
    try:
        answer = await realtime.create_call(settings, offer_sdp=offer_sdp, session=session, client=client)
    except BaseException as exc:
        message = (
            exc.message
            if isinstance(exc, VocaHireError)
            else "We couldn't start the AI interviewer. Please try again."
        )
        if not plan.reconnect:
            # Shielded: the refund must happen even if the browser gave up on the request meanwhile.
            await asyncio.shield(
                run_db(interviews.fail_start, interview_id=plan.interview_id, message=message)
            )
        if isinstance(exc, VocaHireError) or not isinstance(exc, Exception):
            raise
        log.exception("unexpected failure creating a realtime call")
        raise UpstreamError(message) from None
    started_at = await _CONNECTED.run(interviews.ConnectedCall(plan.interview_id, answer.call_id))
    if started_at is None:
        await realtime.hangup_call(settings, answer.call_id, client=client)
        raise Conflict("This interview has already ended.")
    if plan.reconnect and plan.previous_call_id and plan.previous_call_id != answer.call_id:
        asyncio.get_running_loop().create_task(
            realtime.hangup_call(settings, plan.previous_call_id, client=client)
        )
    deadline = started_at + timedelta(seconds=plan.limit_seconds)
    if deadline > utcnow():
        registry.start(
            plan.interview_id,
            answer.call_id,
            deadline,
            settings=settings,
            greet=not plan.reconnect,
            speed=realtime.PACE_SPEED.get(plan.pace, 1.0),
            language=plan.language,
            cut_in_seconds=voices.style_of(plan.style).cut_in_seconds if plan.cut_in_enabled else None,
        )
    return answer.sdp


def record_browser_connected(
    *, session: Session, user_id: int, interview_id: Any, now: datetime | None = None
) -> bool:
    """The owner's browser says its call is up; the sideband task, wherever it runs, reads it from the row."""
    row = interviews.owned_interview(session=session, user_id=user_id, interview_id=interview_id)
    result = session.exec(
        update(InterviewSession)
        .where(col(InterviewSession.id) == row.id, col(InterviewSession.status) == STATUS_ACTIVE)
        .values(browser_connected_at=now or utcnow())
    )
    return result.rowcount == 1


async def browser_connected(*, user_id: int, interview_id: Any) -> bool:
    """Record that the browser's call is up (the interviewer may speak first); False if it isn't live."""
    return await run_db(record_browser_connected, user_id=user_id, interview_id=interview_id)


async def finish_interview(
    *,
    user_id: int,
    interview_id: object,
    reason: interviews.EndReason = "ended_by_candidate",
    settings: Settings | None = None,
) -> interviews.EndResult:
    """End the user's interview now: complete it and hang the call up (its sideband task sees both)."""
    settings = settings or get_settings()
    result = await run_db(
        interviews.end_for_owner, settings=settings, user_id=user_id, interview_id=interview_id, reason=reason
    )
    if result.call_id and result.changed:
        await realtime.hangup_call(settings, result.call_id, client=upstream_client(settings))
    return result


async def close_stale(settings: Settings | None = None) -> int:
    """The janitor's sweep: close interviews that can no longer be live, hang up what is left of them."""
    settings = settings or get_settings()
    closed = await run_db(interviews.close_stale_sessions, settings=settings)
    for item in closed:
        registry.stop(item.id)
        if item.call_id:
            await realtime.hangup_call(settings, item.call_id)
    return len(closed)


async def reattach_orphans(settings: Settings | None = None) -> int:
    """Take over the live calls nobody watches any more (their process stopped or crashed): each is
    claimed by one conditional UPDATE, so of several processes sweeping at once only one watches it;
    it carries on in the interview's language and cut-in rule, without a second greeting."""
    settings = settings or get_settings()
    found = await run_db(interviews.orphaned_live_sessions, settings=settings)
    taken = 0
    for call in found:
        if registry.get(call.interview_id) is not None:
            continue
        if not await run_db(sideband_lease.claim, interview_id=call.interview_id, call_id=call.call_id):
            continue  # another process took it first
        registry.start(
            call.interview_id,
            call.call_id,
            call.deadline,
            settings=settings,
            greet=False,
            speed=realtime.PACE_SPEED.get(call.pace, 1.0),
            language=call.language,
            cut_in_seconds=call.cut_in_seconds,
        )
        taken += 1
    if taken:
        log.info("interview janitor: took over %d live call(s) nobody was watching", taken)
    return taken


async def run_interview_janitor(interval_seconds: float = 30.0) -> None:
    """Reflex lifespan task: every sweep, take over orphaned calls (see ``reattach_orphans``) and close
    stale interviews; on shutdown, stop watching and give the calls' leases back."""
    try:
        while True:
            try:
                await reattach_orphans()
            except Exception as exc:
                log.warning("interview janitor: taking over calls failed (%s)", type(exc).__name__)
            try:
                await close_stale()
            except Exception as exc:
                log.warning("interview janitor: sweep failed (%s)", type(exc).__name__)
            await asyncio.sleep(interval_seconds)
    finally:
        await registry.shutdown()
