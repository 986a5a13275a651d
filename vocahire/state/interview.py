"""The interview set-up and live pages' states: thin, every handler re-checks who is asking.

The live page's events come from the WebRTC component as plain dicts; each is
validated with pydantic before use. The interview id a handler acts on is the
one ``load`` verified for the signed-in owner (a backend-only var), never one
from the event.
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import datetime
from typing import Any, Literal

import reflex as rx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from vocahire import routes
from vocahire.errors import InterviewInProgress, InvalidInput, NotFound
from vocahire.infra.database import run_db
from vocahire.limits import MAX_RESUME_BYTES, RESUME_READ_QUEUE_SECONDS, RESUME_READ_SECONDS
from vocahire.services.accounts.identity import Credential, verify_credential
from vocahire.services.interviews import browser_lines, transcript, voice_previews
from vocahire.services.interviews import calls as interview_calls
from vocahire.services.interviews import lifecycle as interviews
from vocahire.services.interviews.resume_reader import read_resume
from vocahire.services.interviews.transcript import BrowserBatch
from vocahire.settings import get_settings
from vocahire.state import interview_views
from vocahire.state.session import SessionState, current_caller, current_user, friendly_error
from vocahire.wording import RESUME_ONE_FILE, RESUME_TOO_BIG, RESUME_UPLOAD_STOPPED, RESUME_WRONG_TYPE

_ITEM_ID = r"^[A-Za-z0-9_\-.:]{1,128}$"
_PATH_ID = re.compile(r"^[0-9a-f]{32}$")
# Voice -> public path of its preview clip, for the voices that have one (found once, at start-up);
# the set-up page offers a sample of these (pages import no service).
VOICE_PREVIEWS: dict[str, str] = dict(voice_previews.PREVIEWS)


def interview_id_from_path(path: str) -> str:
    """``/interview/<id>`` -> ``<id>`` when it looks like an interview id, else ""."""
    parts = [p for p in (path or "").split("?")[0].split("/") if p]
    return parts[1] if len(parts) == 2 and parts[0] == "interview" and _PATH_ID.match(parts[1]) else ""


# --- what the browser may send --------------------------------------------------------------------


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore")
    session_id: str = Field(max_length=64)


class StatusEvent(_Event):
    state: Literal["idle", "connecting", "live", "reconnecting", "interrupted", "failed", "ended"]
    message: str = Field(default="", max_length=500)


class BrowserLine(BaseModel):
    """A final line as the browser saw it; where it goes in the conversation is decided on saving."""

    model_config = ConfigDict(extra="ignore")
    item_id: str = Field(pattern=_ITEM_ID)
    previous_item_id: str | None = Field(default=None, pattern=_ITEM_ID)
    role: Literal["interviewer", "candidate"]
    text: str = Field(min_length=1, max_length=8000)
    started_at: datetime | None = None
    ended_at: datetime | None = None

    def final_line(self) -> transcript.FinalLine:
        return transcript.FinalLine(
            self.item_id, self.role, self.text, self.previous_item_id, self.started_at, self.ended_at
        )

    @field_validator("started_at", "ended_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return value if value is None or value.tzinfo is not None else None


class BrowserRevision(BaseModel):
    model_config = ConfigDict(extra="ignore")
    item_id: str = Field(pattern=_ITEM_ID)
    text: str = Field(min_length=1, max_length=8000)

    def revision(self) -> transcript.LineRevision:
        return transcript.LineRevision(self.item_id, text=self.text)


class LinesEvent(_Event):
    seq: int = Field(ge=0, le=10**12)
    lines: list[BrowserLine] = Field(default_factory=list, max_length=50)
    revisions: list[BrowserRevision] = Field(default_factory=list, max_length=50)


class EndedEvent(_Event):
    reason: Literal["ended_by_candidate", "call_closed"]


class DropError(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: str = Field(default="", max_length=64)


class RejectedFile(BaseModel):
    """One file the dropzone refused (react-dropzone's ``FileRejection``; its ``file`` isn't needed)."""

    model_config = ConfigDict(extra="ignore")
    errors: list[DropError] = Field(default_factory=list, max_length=10)


class DropRejection(BaseModel):
    files: list[RejectedFile] = Field(max_length=50)


def rejection_message(rejections: Any) -> str:
    """Why the browser refused the chosen file(s), in the words the server would use."""
    try:
        files = DropRejection.model_validate({"files": rejections}).files
    except ValidationError:
        return RESUME_ONE_FILE
    codes = {error.code for file in files for error in file.errors}
    if len(files) > 1 or "too-many-files" in codes:
        return RESUME_ONE_FILE
    if "file-too-large" in codes:
        return RESUME_TOO_BIG
    if "file-invalid-type" in codes:
        return RESUME_WRONG_TYPE
    return RESUME_ONE_FILE


# --- set-up ---------------------------------------------------------------------------------------


# Longer than any reading takes (waiting for a slot, then reading): "Reading…" older than this was lost.
_LOST_READING_SECONDS = RESUME_READ_QUEUE_SECONDS + RESUME_READ_SECONDS + 60


async def _receive_one_file(first: rx.UploadChunk, chunks: rx.UploadChunkIterator) -> bytes:
    """The upload's one file, received no further than the size limit plus a byte (then refused)."""
    data = bytearray(first.data[: MAX_RESUME_BYTES + 1])
    async for chunk in chunks:
        if chunk.filename != first.filename or chunk.offset != len(data):
            raise InvalidInput(RESUME_ONE_FILE)
        data += chunk.data[: MAX_RESUME_BYTES + 1 - len(data)]
        if len(data) > MAX_RESUME_BYTES:
            break  # the rest is never read: the upload request ends there
    return bytes(data)


class InterviewSetupState(rx.State):
    """The set-up form: balance and cost, the résumé upload, the start button."""

    _resume_text: str = ""
    _resume_filename: str = ""
    _resume_upload_seq: int = 0  # the latest upload; an older one finishing late changes nothing
    _resume_busy_since: float = 0.0

    loading: bool = True
    balance: str = ""
    premium: bool = False
    can_start: bool = False
    cost_label: str = ""
    live_interview_id: str = ""
    resume_summary: str = ""
    resume_error: str = ""
    resume_busy: bool = False
    starting: bool = False
    error: str = ""
    # The interviewer's language, voice, style and cut-in ("on"/"off"): last choice, else the browser's.
    language: str = "en"
    voice: str = "alloy"
    style: str = "neutral"
    cut_in: str = "on"

    @rx.event
    def choose_language(self, value: str) -> None:
        if isinstance(value, str) and value in interview_views.LANGUAGE_LABELS:
            self.language = value

    @rx.event
    def choose_voice(self, value: str) -> None:
        if isinstance(value, str) and value in interview_views.VOICE_LABELS:
            self.voice = value

    @rx.event
    def choose_style(self, value: str) -> None:
        if isinstance(value, str) and value in interview_views.STYLE_LABELS:
            self.style = value

    @rx.event
    def choose_cut_in(self, value: str) -> None:
        if isinstance(value, str) and value in ("on", "off"):
            self.cut_in = value

    @rx.event
    async def load(self) -> None:
        self.loading = True
        self.error = ""
        self.starting = False
        if self.resume_busy and time.time() - self._resume_busy_since > _LOST_READING_SECONDS:
            self._resume_upload_seq += 1  # lost with its worker (a restart): the page must not wait on it
            self.resume_busy = False
        try:
            user = await current_user(self)
            data = await run_db(interview_views.setup_page_data, user_id=user.id, settings=get_settings())
            self.balance, self.premium, self.can_start = data["balance"], data["premium"], data["can_start"]
            self.cost_label, self.live_interview_id = data["cost_label"], data["live_interview_id"]
            choice = interview_views.initial_choice(
                data["choice"], self.router.headers.accept_language, get_settings()
            )
            self.language, self.voice = choice["language"], choice["voice"]
            self.style, self.cut_in = choice["style"], choice["cut_in"]
        except Exception as exc:
            self.can_start = False
            self.error = friendly_error(exc)
        finally:
            self.loading = False

    @rx.event(background=True)
    async def upload_resume(self, chunks: rx.UploadChunkIterator) -> None:
        """Read the résumé in a separate process, outside the state lock; a bad file leaves nothing behind.

        "Reading your résumé…" always ends, with the summary or a message. A file the browser refused
        (too big, wrong type) arrives as an upload without a file: ``resume_rejected`` says why.
        """
        if not isinstance(chunks, rx.UploadChunkIterator):
            return
        first = await anext(chunks, None)
        if first is None:
            return
        async with self:
            try:
                await current_user(self)
            except Exception as exc:
                self.resume_error = friendly_error(exc)
                return
            self._resume_upload_seq += 1
            upload_seq = self._resume_upload_seq
            self._resume_text, self._resume_filename, self.resume_summary = "", "", ""
            self.resume_error, self.resume_busy, self._resume_busy_since = "", True, time.time()
        text = filename = summary = error = ""
        try:
            data = await _receive_one_file(first, chunks)
            result = await read_resume(first.filename, data)
            text, filename, summary = result.text, result.filename, result.summary
        except asyncio.CancelledError:  # the browser went away mid-upload
            error = RESUME_UPLOAD_STOPPED
            raise
        except Exception as exc:
            error = friendly_error(exc)
        finally:
            async with self:
                if self._resume_upload_seq == upload_seq:  # not replaced by a newer upload or a Remove
                    self._resume_text, self._resume_filename, self.resume_summary = text, filename, summary
                    self.resume_error, self.resume_busy = error, False

    @rx.event
    def resume_rejected(self, rejections: list[dict[str, Any]]) -> None:
        """The browser refused the chosen file (too big, wrong type, several): say which."""
        self.resume_error = rejection_message(rejections)

    @rx.event
    def clear_resume(self) -> None:
        self._resume_upload_seq += 1  # a reading still under way is dropped
        self._resume_text, self._resume_filename, self.resume_summary, self.resume_error = "", "", "", ""
        self.resume_busy = False

    @rx.event
    async def start_interview(self, form_data: dict[str, Any]) -> Any:
        """Reserve the credit and create the interview, then open the live page (which connects)."""
        if self.starting:
            return
        self.error = ""
        self.starting = True
        yield
        try:
            user_id, auth_session_id = await current_caller(self)
            setup = interviews.parse_setup(form_data)
            started = await run_db(
                interviews.start_interview,
                settings=get_settings(),
                user_id=user_id,
                setup=setup,
                resume_text=self._resume_text,
                resume_filename=self._resume_filename or None,
                auth_session_id=auth_session_id,
            )
        except InterviewInProgress as exc:
            self.starting = False
            self.live_interview_id = exc.session_id
            self.error = exc.message
            return
        except Exception as exc:
            self.starting = False
            self.error = friendly_error(exc)
            return
        session_state = await self.get_state(SessionState)
        await session_state._refresh_user()
        self._resume_upload_seq += 1
        self._resume_text, self._resume_filename, self.resume_summary = "", "", ""
        self.resume_busy = False
        yield rx.redirect(routes.interview_live_url(started.id))


# --- live -----------------------------------------------------------------------------------------


class LiveInterviewState(rx.State):
    """The live page: the interview's status; while it is live the component shows the transcript itself.

    ``lines`` are the lines saved when the page loaded (the component's first render) and, once the
    interview is over, the saved transcript. Batches of final lines from the browser are saved and
    acknowledged by their sequence number (``ack_seq``) only: nothing is echoed back.
    """

    _interview_id: str = ""
    _owner_id: int = 0

    interview_id: str = ""
    loading: bool = True
    not_found: bool = False
    error: str = ""
    status: str = ""
    connection: str = "idle"
    job_title: str = ""
    details: str = ""
    limit_seconds: int = 0
    elapsed_seconds: float = 0.0
    error_message: str = ""
    end_reason: str = ""
    duration_label: str = ""
    charged: str = ""
    ack_seq: int = 0
    server_records: bool = False  # the last batch's lines were all saved already (by the sideband)
    lines: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    ending: bool = False

    def _show(self, data: dict[str, Any]) -> None:
        self.interview_id = data["id"]
        self.status, self.job_title, self.details = data["status"], data["job_title"], data["details"]
        self.limit_seconds, self.elapsed_seconds = data["limit_seconds"], data["elapsed_seconds"]
        self.error_message, self.end_reason = data["error_message"], data["end_reason"]
        self.duration_label, self.charged = data["duration_label"], data["charged"]
        if "lines" in data:
            self.lines = data["lines"]

    async def _owner(self) -> int:
        """The signed-in user, who must own the interview ``load`` verified.

        A tab whose state was lost with its Redis (it came back empty) gets a fresh state whose
        ``load`` hasn't run yet when the component's next event arrives: the interview is then the
        one in the page's address, if it is this user's, so no line, status or End is dropped.
        """
        user = await current_user(self)
        if not self._interview_id:
            await self._adopt_page_interview(user.id)
        if not self._interview_id or user.id != self._owner_id:
            raise NotFound("We couldn't find that interview.")
        return user.id

    async def _adopt_page_interview(self, user_id: int) -> None:
        interview_id = interview_id_from_path(self.router.url.path)
        if not interview_id:
            return
        data = await run_db(
            interview_views.live_page_data,
            settings=get_settings(),
            user_id=user_id,
            interview_id=interview_id,
        )  # NotFound unless it is the user's own
        self._interview_id, self._owner_id = data["id"], user_id
        self._show(data)
        self.loading, self.not_found = False, False

    async def _reload(self, *, with_lines: bool) -> None:
        user_id = await self._owner()
        self._show(
            await run_db(
                interview_views.live_page_data,
                settings=get_settings(),
                user_id=user_id,
                interview_id=self._interview_id,
                with_lines=with_lines,
            )
        )

    @rx.event
    async def load(self) -> None:
        self.loading, self.not_found, self.error, self.ending = True, False, "", False
        self.server_records = False
        self._interview_id, self._owner_id, self.interview_id, self.lines, self.ack_seq, self.connection = (
            "",
            0,
            "",
            [],
            0,
            "idle",
        )
        try:
            user = await current_user(self)
            interview_id = interview_id_from_path(self.router.url.path)
            data = await run_db(
                interview_views.live_page_data,
                settings=get_settings(),
                user_id=user.id,
                interview_id=interview_id,
            )
            self._interview_id, self._owner_id = data["id"], user.id
            self._show(data)
        except NotFound:
            self.not_found = True
        except Exception as exc:
            self.error = friendly_error(exc)
        finally:
            self.loading = False

    @rx.event
    async def on_status(self, event: dict[str, Any]) -> None:
        """Connection state changes from the component (a handful per interview)."""
        try:
            data = StatusEvent.model_validate(event)
            user_id = await self._owner()
        except (ValidationError, TypeError):
            return
        except Exception as exc:
            self.error = friendly_error(exc)
            return
        if data.session_id != self._interview_id:
            return
        self.connection = data.state
        try:
            if data.state == "live":
                # Through the database: the sideband task may run on another worker.
                await interview_calls.browser_connected(user_id=user_id, interview_id=self._interview_id)
            if data.state in ("live", "failed"):
                await self._reload(with_lines=False)
        except Exception as exc:
            self.error = friendly_error(exc)

    async def _batch_sender(self) -> tuple[int, str | None]:
        """Who sends a line batch, at the least cost: a built-in account's token verified in place (no I/O),
        its account and open session then checked by the save's own statement (the session id returned
        here); otherwise (Clerk, a tab whose state was rebuilt) the full check of ``_owner``."""
        settings = get_settings()
        if self._interview_id and settings.resolved_auth_provider == "builtin":
            credential = Credential.from_headers(self.router.headers.raw_headers)
            try:
                _, subject, auth_session_id = verify_credential(
                    credential.token(settings), settings, allow_fetch=False
                )
            except Exception:
                auth_session_id = None
            else:
                if auth_session_id and subject == str(self._owner_id):
                    return self._owner_id, auth_session_id
        return await self._owner(), None

    @rx.event
    async def on_lines(self, event: dict[str, Any]) -> None:
        """A batch of final lines the browser saw (the sideband saves them too; duplicates are ignored).

        The browser shows them already; the answer is only the batch's sequence number, and whether the
        server had every line already (``server_records``: the sideband is recording, so the component
        sends its copy less often). Saved with the other tabs' batches that arrive meanwhile: one
        worker-thread hop and one transaction for the group (``browser_lines``).
        """
        try:
            data = LinesEvent.model_validate(event)
            user_id, auth_session_id = await self._batch_sender()
        except (ValidationError, TypeError):
            return
        except Exception as exc:
            self.error = friendly_error(exc)
            return
        if data.session_id != self._interview_id:
            return
        try:
            new = await browser_lines.save(
                BrowserBatch(
                    user_id=user_id,
                    interview_id=self._interview_id,
                    lines=[line.final_line() for line in data.lines],
                    revisions=[revision.revision() for revision in data.revisions],
                    auth_session_id=auth_session_id,
                )
            )
        except Exception as exc:
            self.error = friendly_error(exc)
            return
        if data.seq > self.ack_seq:
            self.ack_seq = data.seq
        if data.lines:
            recorded = new == 0
            if recorded != self.server_records:
                self.server_records = recorded
        if self.error:
            self.error = ""

    @rx.event
    async def on_ended(self, event: dict[str, Any]) -> Any:
        """The candidate pressed End, or the call closed (the server's time limit, or a drop)."""
        try:
            data = EndedEvent.model_validate(event)
            user_id = await self._owner()
        except (ValidationError, TypeError):
            return
        except Exception as exc:
            self.error = friendly_error(exc)
            return
        if data.session_id != self._interview_id or self.ending:
            return
        self.ending = True
        yield
        try:
            if data.reason == "ended_by_candidate":
                await interview_calls.finish_interview(user_id=user_id, interview_id=self._interview_id)
            else:
                # The server may be ending it right now (time limit): give it a moment, then make sure.
                await asyncio.sleep(1.5)
                await interview_calls.finish_interview(
                    user_id=user_id, interview_id=self._interview_id, reason="disconnected"
                )
            await self._reload(with_lines=True)
        except Exception as exc:
            self.error = friendly_error(exc)
        finally:
            self.ending = False
        session_state = await self.get_state(SessionState)
        await session_state._refresh_user()

    @rx.event
    async def end_now(self) -> None:
        """End from the page (when the component isn't connected, e.g. after a failed reconnect)."""
        try:
            user_id = await self._owner()
            await interview_calls.finish_interview(user_id=user_id, interview_id=self._interview_id)
            await self._reload(with_lines=True)
        except Exception as exc:
            self.error = friendly_error(exc)

    @rx.var
    def feedback_href(self) -> str:
        return routes.feedback_url(self.interview_id) if self.interview_id else routes.HISTORY

    @rx.var
    def lines_url(self) -> str:
        """Where the call component reads the lines saved before the page opened."""
        return routes.interview_lines_url(self.interview_id) if self.interview_id else ""

    @rx.var
    def is_live(self) -> bool:
        return self.status in ("starting", "active")

    @rx.var
    def may_be_live(self) -> bool:
        """Whether the call component stays mounted: until the page knows the interview is over."""
        return not self.not_found and self.status not in ("completed", "failed")

    @rx.var
    def show_live_panel(self) -> bool:
        return self.is_live and not self.loading and not self.not_found

    @rx.var
    def has_lines(self) -> bool:
        return len(self.lines) > 0
