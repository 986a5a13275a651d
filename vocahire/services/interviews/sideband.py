"""The server's own connection to each live call (OpenAI's sideband websocket): record, greet, keep time.

One ``SidebandCall`` task per live interview runs in the event loop of the backend
process that created the call (``registry`` holds this process's own tasks, and
only the call set-up and the janitor of that process touch it). It opens
``{OPENAI_BASE_URL as ws}/realtime?call_id=...`` with the standard key, saves every
final transcript line as it happens (``transcript.apply_changes``), asks for a
polite closing shortly before the limit and hangs the call up at the limit, so a
tampered browser cannot talk past it. It also records the model usage each
``response.done`` and transcription reports (``usage.record_usage``, once per
response or item) and closes the call the same polite way when its cost reaches
``INTERVIEW_MAX_MODEL_COST_USD``.

Everything another worker may do reaches the task through the interview row,
which it polls (``call_progress``): the browser saying its call is up (recorded
by whichever worker serves the page's event) lets the interviewer speak first;
an end, or a reconnection that replaced the call, stops the task without ending
or charging anything. If the call drops and no reconnection replaces it within a
grace period, the interview is ended, but only while the row still names this
call.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlmodel import Session, col, select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from vocahire.infra import openai_realtime as realtime
from vocahire.infra.database import DatabaseUnavailable, run_db
from vocahire.models import InterviewSession, utcnow
from vocahire.models.interview import STATUS_ACTIVE
from vocahire.services.interviews import lifecycle as interviews
from vocahire.services.interviews import sideband_lease, transcript, voices
from vocahire.services.interviews import usage as model_usage
from vocahire.services.interviews.cut_in import CutInClock, record_cut_in
from vocahire.services.interviews.prompt import CLOSING_INSTRUCTIONS
from vocahire.services.interviews.transcript import FinalLine, LineRevision
from vocahire.services.interviews.transcript_assembly import TranscriptAssembler
from vocahire.services.interviews.usage import UsageReport
from vocahire.settings import Settings, get_settings

log = logging.getLogger(__name__)

GREETING_FALLBACK_SECONDS = 8.0  # greet even if the browser's word never arrives (its app connection is down)
GREETING_POLL_SECONDS = 0.25  # how often the row is read while waiting for the browser's word
ROW_POLL_SECONDS = 2.0  # then: how soon an end or a reconnection on another worker is noticed
CONNECT_ATTEMPTS = 3
DROP_GRACE_SECONDS = 20.0  # a dropped call may be replaced by a reconnection within this
CLOSING_OVERRUN_SECONDS = 15.0  # the goodbye may run this far past the limit, no further
CUT_IN_TICK_SECONDS = 1.0  # how often a long answer is checked for a polite cut-in
MAX_EVENT_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class CallProgress:
    """What the interview row says about a call, whoever wrote it."""

    status: str
    call_id: str | None
    browser_connected: bool


def call_progress(*, session: Session, interview_id: str) -> CallProgress | None:
    row = session.exec(
        select(
            InterviewSession.status, InterviewSession.openai_call_id, InterviewSession.browser_connected_at
        ).where(col(InterviewSession.id) == interview_id)
    ).first()
    return None if row is None else CallProgress(row[0], row[1], row[2] is not None)


class SidebandCall:
    """Watches and controls one call; ``run`` is the task's body."""

    def __init__(
        self,
        registry: SidebandRegistry,
        interview_id: str,
        call_id: str,
        deadline: datetime,
        settings: Settings,
        *,
        greet: bool = True,
        speed: float = 1.0,
        closing_lead: float = 20.0,
        language: str = voices.DEFAULT_LANGUAGE,
        cut_in_seconds: float | None = None,
    ) -> None:
        self.registry = registry
        self.interview_id = interview_id
        self.call_id = call_id
        self.deadline = deadline
        self.settings = settings
        self.greet = greet
        self.closing_lead = closing_lead
        self.assembler = TranscriptAssembler(speed=speed)
        self.browser_live = asyncio.Event()
        self.connected = asyncio.Event()
        self.ws: ClientConnection | None = None
        self.task: asyncio.Task[None] | None = None
        self.responded = False
        self.active_response: str | None = None
        self.closing_requested = False
        self.closing_response: str | None = None
        self.closing_audio_started: float | None = None
        self.closing_finish_at: float | None = None
        self.ended_reason: str | None = None
        self.saved_lines = 0
        self.events_seen = 0
        self._pending: list[FinalLine | LineRevision] = []
        # Model usage: what the call has cost so far (this interview's earlier calls included).
        self.model = settings.realtime_model
        self.transcription_model = settings.realtime_transcription_model
        self.cost_nanousd = 0
        self.cost_cap_nanousd = model_usage.from_usd(settings.interview_max_model_cost_usd)
        self.cost_reached = asyncio.Event()
        self._usage: list[UsageReport] = []
        # The polite cut-in on a long answer (None: switched off); its request and response.
        self.language = language
        self.cut_in = CutInClock(cut_in_seconds)
        self.cut_in_asked = False
        self.cut_in_response: str | None = None

    # --- lifecycle --------------------------------------------------------------------------------

    async def run(self) -> None:
        watch = asyncio.create_task(self._watch(), name=f"sideband-watch:{self.interview_id}")
        timer = asyncio.create_task(self._timer(), name=f"sideband-timer:{self.interview_id}")
        row = asyncio.create_task(self._follow_row(), name=f"sideband-row:{self.interview_id}")
        greeter = (
            asyncio.create_task(self._greet(), name=f"sideband-greet:{self.interview_id}")
            if self.greet
            else None
        )
        cut_in = (
            asyncio.create_task(self._cut_in_watch(), name=f"sideband-cut-in:{self.interview_id}")
            if self.cut_in.threshold_seconds is not None
            else None
        )
        try:
            await asyncio.wait({watch, timer, row}, return_when=asyncio.FIRST_COMPLETED)
            if watch.done() and not (timer.done() or row.done()):
                if watch.result() == "never":
                    # No sideband: the call may still be going; the limit is still enforced over HTTP.
                    await asyncio.wait({timer, row}, return_when=asyncio.FIRST_COMPLETED)
                else:
                    # The call dropped: a reconnection (on any worker) replaces it within the grace,
                    # or the interview ends.
                    await asyncio.wait(
                        {timer, row}, timeout=DROP_GRACE_SECONDS, return_when=asyncio.FIRST_COMPLETED
                    )
                    if not (timer.done() or row.done()):
                        await self._end("disconnected")
            if row.done() and not row.cancelled():
                self.ended_reason = self.ended_reason or row.result()
                log.info("sideband %s: %s elsewhere; stopped watching", self.interview_id, row.result())
        finally:
            for task in (watch, timer, row, greeter, cut_in):
                if task is not None and not task.done():
                    task.cancel()
            await self._close_ws()
            await self._flush()
            await self._flush_usage()
            self.registry._discard(self)

    async def _end(self, reason: interviews.EndReason) -> None:
        self.ended_reason = reason
        await self._flush()
        try:
            await run_db(
                interviews.end_interview,
                interview_id=self.interview_id,
                reason=reason,
                settings=self.settings,
                call_id=self.call_id,  # a no-op if a reconnection replaced this call meanwhile
            )
        except Exception as exc:
            log.warning(
                "sideband %s: could not end the interview (%s)", self.interview_id, type(exc).__name__
            )

    async def _follow_row(self) -> Literal["ended", "replaced", "taken over"]:
        """Read the interview row until it says the interview ended or another call replaced this one,
        renewing this process's lease on the call (``sideband_lease``) as it goes; "taken over" once
        another process owns the call (this one's renewals lapsed, e.g. the database was away)."""
        renewed = time.monotonic()
        while True:
            try:
                if time.monotonic() - renewed >= sideband_lease.RENEW_EVERY_SECONDS:
                    held = await run_db(
                        sideband_lease.renew, interview_id=self.interview_id, call_id=self.call_id
                    )
                    renewed = time.monotonic()
                else:
                    held = True
                progress = await run_db(call_progress, interview_id=self.interview_id)
            except Exception as exc:  # a database hiccup must not stop the recording
                log.warning("sideband %s: reading the row failed (%s)", self.interview_id, type(exc).__name__)
            else:
                if progress is None or progress.status != STATUS_ACTIVE:
                    return "ended"
                if progress.call_id != self.call_id:
                    return "replaced"
                if not held:
                    return "taken over"
                if progress.browser_connected:
                    self.browser_live.set()
            waiting = self.greet and not self.browser_live.is_set()
            await asyncio.sleep(GREETING_POLL_SECONDS if waiting else ROW_POLL_SECONDS)

    async def _close_ws(self) -> None:
        ws, self.ws = self.ws, None
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), timeout=2)

    # --- the websocket ----------------------------------------------------------------------------

    async def _connect(self) -> ClientConnection | None:
        url = realtime.sideband_url(self.settings, self.call_id)
        headers = {"Authorization": f"Bearer {self.settings.openai_api_key or ''}"}
        for attempt in range(CONNECT_ATTEMPTS):
            try:
                return await connect(
                    url,
                    additional_headers=headers,
                    open_timeout=self.settings.openai_timeout_seconds,
                    max_size=MAX_EVENT_BYTES,
                    ping_interval=20,
                )
            except (OSError, TimeoutError, WebSocketException) as exc:
                log.info(
                    "sideband %s: connect attempt %d failed (%s)",
                    self.interview_id,
                    attempt + 1,
                    type(exc).__name__,
                )
                await asyncio.sleep(0.5 * 2**attempt)
        return None

    async def _watch(self) -> str:
        """Receive events until the call is over; "never" if the sideband could not be opened at all."""
        ever = False
        while True:
            ws = await self._connect()
            if ws is None:
                return "ended" if ever else "never"
            ever = True
            self.ws = ws
            self.connected.set()
            try:
                async for message in ws:
                    await self._on_message(message)
            except WebSocketException:
                pass
            finally:
                self.connected.clear()
                self.ws = None
            log.info("sideband %s: websocket closed (%s)", self.interview_id, ws.close_code)
            if ws.close_code == 1000 or self.ended_reason:
                return "ended"

    async def send(self, event: dict[str, Any]) -> bool:
        ws = self.ws
        if ws is None:
            return False
        try:
            await ws.send(json.dumps(event))
            return True
        except WebSocketException:
            return False

    async def _on_message(self, message: str | bytes) -> None:
        try:
            event = json.loads(message)
        except (ValueError, TypeError):
            return
        if not isinstance(event, dict):
            return
        self.events_seen += 1
        kind = event.get("type")
        response = _object(event.get("response"))
        if kind in ("session.created", "session.updated"):
            self._note_models(_object(event.get("session")))
        report = model_usage.from_realtime_event(
            event, model=self.model, transcription_model=self.transcription_model
        )
        if report is not None:
            self._usage.append(report)
            await self._flush_usage()
        self.cut_in.feed(event, time.monotonic())
        if kind == "response.created" and self.cut_in_asked and self.cut_in_response is None:
            self.cut_in_response = response.get("id")
        if kind == "response.created":
            self.responded = True
            self.active_response = response.get("id")
            if self.closing_requested and self.closing_response is None:
                self.closing_response = response.get("id")
        elif kind == "response.done":
            if self.active_response == response.get("id"):
                self.active_response = None
            if response.get("id") and response.get("id") == self.closing_response:
                spoken = sum(len(t) for t in _transcripts(response))
                start = self.closing_audio_started or time.monotonic()
                self.closing_finish_at = start + spoken / 15.0 + 0.5
        elif kind == "output_audio_buffer.started" and event.get("response_id") == self.closing_response:
            self.closing_audio_started = time.monotonic()
        elif (
            kind == "output_audio_buffer.stopped"
            and self.closing_response
            and event.get("response_id") == self.closing_response
        ):
            self.closing_finish_at = time.monotonic()
        elif kind == "error":
            err = _object(event.get("error"))
            log.warning(
                "sideband %s: realtime error %s", self.interview_id, err.get("code") or err.get("type")
            )
        changes = self.assembler.feed(event, utcnow())
        if changes:
            self._pending += changes
            await self._flush()
        if kind == "response.done" and response.get("id") and response.get("id") == self.cut_in_response:
            await self._record_cut_in(response)

    async def _flush(self) -> None:
        """Save what became final; kept for the next try if the database is briefly away."""
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        try:
            self.saved_lines += await run_db(
                transcript.apply_changes, interview_id=self.interview_id, changes=batch, source="sideband"
            )
        except (DatabaseUnavailable, OSError) as exc:
            log.warning(
                "sideband %s: saving lines failed (%s); will retry", self.interview_id, type(exc).__name__
            )
            self._pending = batch + self._pending

    def _note_models(self, session: dict[str, Any]) -> None:
        """The models the call really uses, when the session says so (else the configured ones)."""
        if isinstance(session.get("model"), str) and session["model"]:
            self.model = session["model"]
        transcription = _object(_object(_object(session.get("audio")).get("input")).get("transcription"))
        if isinstance(transcription.get("model"), str) and transcription["model"]:
            self.transcription_model = transcription["model"]

    async def _flush_usage(self) -> None:
        """Record the usage reported so far (kept for the next try if the database is briefly away); at the
        cost cap, the timer closes the call."""
        if not self._usage:
            return
        batch, self._usage = self._usage, []
        try:
            self.cost_nanousd = await run_db(
                model_usage.record_usage,
                interview_id=self.interview_id,
                reports=batch,
                settings=self.settings,
            )
        except (DatabaseUnavailable, OSError) as exc:
            log.warning(
                "sideband %s: recording usage failed (%s); will retry", self.interview_id, type(exc).__name__
            )
            self._usage = batch + self._usage
            return
        if self.cost_nanousd >= self.cost_cap_nanousd and not self.cost_reached.is_set():
            log.warning(
                "sideband %s: model cost %.4f USD reached the cap of %s USD; closing the call",
                self.interview_id,
                model_usage.to_usd(self.cost_nanousd),
                self.settings.interview_max_model_cost_usd,
            )
            self.cost_reached.set()

    # --- greeting and time ------------------------------------------------------------------------

    async def _greet(self) -> None:
        """The interviewer speaks first, once the browser's call is up (or after a fallback delay)."""
        try:
            await asyncio.wait_for(self.browser_live.wait(), timeout=GREETING_FALLBACK_SECONDS)
            log.info("sideband %s: the browser's call is up; the interviewer speaks first", self.interview_id)
        except TimeoutError:
            log.warning(
                "sideband %s: no word from the browser after %.0f s; the interviewer speaks first anyway",
                self.interview_id,
                GREETING_FALLBACK_SECONDS,
            )
        await self.connected.wait()
        if not self.responded:
            await self.send({"type": "response.create"})

    async def _timer(self) -> None:
        """Shortly before the limit ask for a goodbye; at the limit (or once it is said) hang up. When the
        model cost reaches its cap, the same at once: a goodbye, then the hang-up."""
        reason = await self._closing_time()
        if self.ws is not None and (self.closing_lead > 0 or reason == "cost_limit"):
            await self._request_closing()
            left = max(0.0, self.deadline.timestamp() - time.time()) if reason == "time_limit" else 0.0
            hard_stop = time.monotonic() + left + CLOSING_OVERRUN_SECONDS
            while time.monotonic() < hard_stop:
                if self.closing_finish_at is not None and time.monotonic() >= self.closing_finish_at:
                    break
                await asyncio.sleep(0.1)
        elif reason == "time_limit":
            await _sleep_until(self.deadline.timestamp())
        self.ended_reason = reason
        await realtime.hangup_call(self.settings, self.call_id)
        await self._end(reason)

    async def _closing_time(self) -> Literal["time_limit", "cost_limit"]:
        """Wait until the goodbye is due: shortly before the limit, or as soon as the cost reaches its cap."""
        delay = self.deadline.timestamp() - self.closing_lead - time.time()
        if not self.cost_reached.is_set() and delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.cost_reached.wait(), timeout=delay)
        return "cost_limit" if self.cost_reached.is_set() else "time_limit"

    async def _request_closing(self) -> None:
        waited = 0.0
        while self.active_response is not None and waited < 8.0:
            await asyncio.sleep(0.1)
            waited += 0.1
        if self.active_response is not None:
            await self.send({"type": "response.cancel"})
        self.closing_requested = True
        closing = CLOSING_INSTRUCTIONS
        if self.language != voices.DEFAULT_LANGUAGE:
            closing += f" Speak {voices.language_of(self.language).name}."
        await self.send({"type": "response.create", "response": {"instructions": closing}})

    # --- the polite cut-in -----------------------------------------------------------------------

    async def _cut_in_watch(self) -> None:
        """Ask the interviewer to cut in once an answer runs past the style's limit (see ``CutInClock``)."""
        while True:
            await asyncio.sleep(CUT_IN_TICK_SECONDS)
            if self.closing_requested or self.ws is None or not self.cut_in.due(time.monotonic()):
                continue
            self.cut_in.mark_requested()
            self.cut_in_asked, self.cut_in_response = True, None
            log.info("sideband %s: a long answer; the interviewer cuts in", self.interview_id)
            # Commit what the candidate has said so far: it becomes a line the interviewer hears and the
            # transcript keeps, before the interviewer's interjection.
            await self.send({"type": "input_audio_buffer.commit"})
            await self.send(
                {
                    "type": "response.create",
                    "response": {"instructions": voices.cut_in_instructions(self.language)},
                }
            )

    async def _record_cut_in(self, response: dict[str, Any]) -> None:
        self.cut_in_asked, self.cut_in_response = False, None
        item_ids = [
            str(item["id"])
            for item in response.get("output") or []
            if isinstance(item, dict) and item.get("id")
        ]
        try:
            await run_db(record_cut_in, interview_id=self.interview_id, item_ids=item_ids)
        except Exception as exc:  # the count is a figure for feedback; the call goes on
            log.warning("sideband %s: recording a cut-in failed (%s)", self.interview_id, type(exc).__name__)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _transcripts(response: dict[str, Any]) -> list[str]:
    out = []
    for item in response.get("output") or []:
        for part in (item or {}).get("content") or [] if isinstance(item, dict) else []:
            if isinstance(part, dict) and isinstance(part.get("transcript"), str):
                out.append(part["transcript"])
    return out


async def _sleep_until(epoch_seconds: float) -> None:
    delay = epoch_seconds - time.time()
    if delay > 0:
        await asyncio.sleep(delay)


class SidebandRegistry:
    """This process's own sideband tasks by interview id (a reconnection here replaces the previous task).

    Only this process's call set-up and janitor use it: no state event depends on it, since another
    worker may serve that event.
    """

    def __init__(self) -> None:
        self.calls: dict[str, SidebandCall] = {}
        self.enabled = True

    def start(
        self,
        interview_id: str,
        call_id: str,
        deadline: datetime,
        *,
        settings: Settings | None = None,
        greet: bool = True,
        speed: float = 1.0,
        language: str = voices.DEFAULT_LANGUAGE,
        cut_in_seconds: float | None = None,
    ) -> SidebandCall | None:
        if not self.enabled:
            return None
        settings = settings or get_settings()
        old = self.calls.pop(interview_id, None)
        if old is not None and old.task is not None:
            old.task.cancel()
        limit = max(1.0, (deadline - utcnow()).total_seconds())
        call = SidebandCall(
            self,
            interview_id,
            call_id,
            deadline,
            settings,
            greet=greet,
            speed=speed,
            closing_lead=min(float(settings.interview_closing_seconds), limit / 4),
            language=language,
            cut_in_seconds=cut_in_seconds,
        )
        call.task = asyncio.get_running_loop().create_task(call.run(), name=f"sideband:{interview_id}")
        self.calls[interview_id] = call
        return call

    def get(self, interview_id: str) -> SidebandCall | None:
        return self.calls.get(interview_id)

    def stop(self, interview_id: str) -> str | None:
        """Stop watching (the interview was ended elsewhere); returns the call id to hang up."""
        call = self.calls.pop(interview_id, None)
        if call is None:
            return None
        call.ended_reason = call.ended_reason or "stopped"
        if call.task is not None:
            call.task.cancel()
        return call.call_id

    def _discard(self, call: SidebandCall) -> None:
        if self.calls.get(call.interview_id) is call:
            del self.calls[call.interview_id]

    async def shutdown(self) -> None:
        """Process exit: stop watching and give the calls' leases back, so another process's janitor
        takes them over at its next sweep (the interviews stay live)."""
        tasks = [c.task for c in self.calls.values() if c.task is not None]
        watched = list(self.calls)
        self.calls.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            await asyncio.wait_for(run_db(sideband_lease.release, interview_ids=watched), timeout=5)
        except Exception as exc:  # the leases then run out by themselves
            log.warning("sideband: giving the calls back failed (%s)", type(exc).__name__)


registry = SidebandRegistry()
