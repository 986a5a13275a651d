"""The interview's life on the server: set-up validation, start (one live per user, credits), connect, end.

Where the credit is taken: ``start_interview`` creates the session row and
reserves the credit in ONE transaction (the row's partial unique index allows
one live interview per user; the debit is a conditional update keyed by the
session id). The upstream call happens afterwards, when the browser posts its
WebRTC offer (``interview_calls.connect_call``): if OpenAI fails or times out
there, ``fail_start`` marks the session failed and refunds through the ledger.
A session that never connects is closed and refunded by ``close_stale_sessions``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any, Literal

from pydantic import BaseModel, ValidationError, field_validator
from sqlalchemy import bindparam, exists, func, select, true, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from vocahire.errors import (
    Conflict,
    InterviewInProgress,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    VocaHireError,
)
from vocahire.limits import MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS
from vocahire.models import InterviewSession, TranscriptEntry, User, new_id, utcnow
from vocahire.models.account_security import AuthSession
from vocahire.models.interview import (
    KIND_REDO,
    LIVE_STATUSES,
    STATUS_ACTIVE,
    STATUS_COMPLETED,
    STATUS_FAILED,
    STATUS_STARTING,
)
from vocahire.models.user import premium_active
from vocahire.services.accounts import credits
from vocahire.services.feedback import rubric
from vocahire.services.feedback.jobs import queue_feedback
from vocahire.services.interviews import sideband_lease, voices
from vocahire.services.interviews.prompt import (
    InterviewBrief,
    build_instructions,
    build_redo_instructions,
    build_resume_instructions,
)
from vocahire.settings import Settings

INTERVIEW_TYPES = rubric.INTERVIEW_TYPES  # one per feedback rubric, and "mixed"
DIFFICULTIES = ("easy", "medium", "hard")
LENGTHS = (10, 20, 30)
PACES = ("patient", "brisk")
MAX_RESUME_CHARS = 50_000
STARTING_GRACE = timedelta(minutes=3)  # a session must connect within this, or it is refunded
END_GRACE = timedelta(minutes=2)  # past its limit plus this, a live session is closed by the janitor
BROWSER_LINES_GRACE = timedelta(minutes=10)  # buffered lines replayed after the end are still accepted
_ID_RE = re.compile(r"^[0-9a-f]{32}$")

EndReason = Literal[
    "ended_by_candidate", "time_limit", "cost_limit", "disconnected", "abandoned", "cancelled"
]


class InterviewSetup(BaseModel):
    """The set-up form, validated at the door (any client can send anything)."""

    job_title: str
    job_description: str = ""
    interview_type: str = "mixed"
    difficulty: str = "medium"
    duration_minutes: int = 20
    pace: str = "patient"
    language: str = voices.DEFAULT_LANGUAGE
    voice: str = ""  # "": the server's REALTIME_VOICE
    style: str = voices.DEFAULT_STYLE
    cut_in: bool = True

    @field_validator(
        "job_title",
        "job_description",
        "interview_type",
        "difficulty",
        "pace",
        "language",
        "voice",
        "style",
        mode="before",
    )
    @classmethod
    def _text(cls, value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ValueError("must be text")
        return value.strip()

    @field_validator("duration_minutes", mode="before")
    @classmethod
    def _minutes(cls, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
            raise ValueError("must be a number of minutes")
        return int(str(value).strip())


def parse_setup(data: Any) -> InterviewSetup:
    """Validate the form; ``InvalidInput`` with one readable sentence on the first problem."""
    if not isinstance(data, dict):
        raise InvalidInput("Please fill in the interview set-up form.")
    try:
        setup = InterviewSetup.model_validate(
            {k: data.get(k) for k in InterviewSetup.model_fields if k in data}
        )
    except ValidationError:
        raise InvalidInput("Some of the set-up fields are not valid. Please check the form.") from None
    if not setup.job_title:
        raise InvalidInput("Enter the job title you are practising for.")
    if len(setup.job_title) > MAX_TITLE_CHARS:
        raise InvalidInput(f"The job title can be at most {MAX_TITLE_CHARS} characters.")
    if len(setup.job_description) > MAX_DESCRIPTION_CHARS:
        raise InvalidInput(
            f"The job description can be at most {MAX_DESCRIPTION_CHARS:,} characters; please shorten it."
        )
    if setup.interview_type not in INTERVIEW_TYPES:
        raise InvalidInput("Choose an interview type: behavioural, technical or mixed.")
    if setup.difficulty not in DIFFICULTIES:
        raise InvalidInput("Choose a difficulty: easy, medium or hard.")
    if setup.duration_minutes not in LENGTHS:
        raise InvalidInput("Choose a length of 10, 20 or 30 minutes.")
    if setup.pace not in PACES:
        raise InvalidInput("Choose the interviewer's pace: patient or brisk.")
    if setup.language not in voices.LANGUAGE_BY_CODE:
        raise InvalidInput("Choose one of the offered interview languages.")
    if setup.voice and setup.voice not in voices.VOICES:
        raise InvalidInput("Choose one of the offered interviewer voices.")
    if setup.style not in voices.STYLE_BY_CODE:
        raise InvalidInput("Choose the interviewer's style: friendly, neutral or challenging.")
    return setup


# --- time ------------------------------------------------------------------------------------------


def limit_seconds(settings: Settings, duration_minutes: int) -> int:
    """The interview's length: the form's choice, capped by settings (or the test/demo override)."""
    if settings.interview_limit_seconds:
        return settings.interview_limit_seconds
    return min(duration_minutes, settings.interview_max_minutes) * 60


def closing_lead_seconds(settings: Settings, limit: int) -> float:
    """How long before the limit the interviewer is asked to wrap up."""
    return min(float(settings.interview_closing_seconds), limit / 4)


def deadline_of(row: InterviewSession, settings: Settings) -> datetime | None:
    if row.started_at is None:
        return None
    return row.started_at + timedelta(seconds=limit_seconds(settings, row.duration_minutes))


def valid_id(interview_id: Any) -> bool:
    return isinstance(interview_id, str) and bool(_ID_RE.match(interview_id))


# --- start -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartedInterview:
    id: str
    charged: Decimal
    premium: bool


@dataclass(frozen=True)
class StaleClosure:
    id: str
    call_id: str | None
    status: str


def close_stale_sessions(
    *, session: Session, settings: Settings, user_id: int | None = None, now: datetime | None = None
) -> list[StaleClosure]:
    """Close live sessions that can no longer be live: never connected (refunded) or past their limit."""
    return _close_stale(session, settings, user_id, now or utcnow())[0]


def _close_stale(
    session: Session, settings: Settings, user_id: int | None, now: datetime
) -> tuple[list[StaleClosure], bool]:
    """``close_stale_sessions``, and whether any live session it saw is left open."""
    query = select(InterviewSession).where(col(InterviewSession.status).in_(LIVE_STATUSES))
    if user_id is not None:
        query = query.where(col(InterviewSession.user_id) == user_id)
    closed: list[StaleClosure] = []
    seen = 0
    for row in session.execute(query).scalars().all():
        seen += 1
        if row.status == STATUS_STARTING and row.created_at < now - STARTING_GRACE:
            if fail_start(
                session=session,
                interview_id=row.id,
                message="The interview never connected, so your credit was refunded.",
                now=now,
            ):
                closed.append(StaleClosure(row.id, row.openai_call_id, STATUS_FAILED))
        elif row.status == STATUS_ACTIVE:
            deadline = deadline_of(row, settings) or row.created_at
            if deadline + END_GRACE < now:
                result = end_interview(
                    session=session, interview_id=row.id, reason="abandoned", settings=settings, now=now
                )
                if result.changed:
                    closed.append(StaleClosure(row.id, row.openai_call_id, result.status))
    return closed, seen > len(closed)


def live_interview_id(*, session: Session, user_id: int) -> str | None:
    query = select(col(InterviewSession.id)).where(
        col(InterviewSession.user_id) == user_id, col(InterviewSession.status).in_(LIVE_STATUSES)
    )
    return session.execute(query).scalars().first()


def start_interview(
    *,
    session: Session,
    settings: Settings,
    user_id: int,
    setup: InterviewSetup,
    resume_text: str = "",
    resume_filename: str | None = None,
    now: datetime | None = None,
    auth_session_id: str | None = None,
) -> StartedInterview:
    """Create the session and reserve its credit atomically; refuses a second live interview.

    ``auth_session_id``: the caller's built-in session (``identity.require_caller``), checked by the
    statement that reads the account, so the caller needs no account read of its own.
    """
    now = now or utcnow()
    connection = session.connection()
    params = {"user_id": user_id, "live": list(LIVE_STATUSES), "auth_session_id": auth_session_id, "now": now}
    statement = _START_READ if auth_session_id is None else _START_READ_SIGNED_IN
    account = connection.execute(statement, params).first()
    if account is None or account.deleted_at is not None:
        raise NotAuthenticated("Your account is no longer active. Please sign in again.")
    if not account.session_open:
        raise NotAuthenticated("You were signed out. Please sign in again.")
    if account.has_live:  # rare: a session left live (stale ones are closed and refunded first)
        _, left_open = _close_stale(session, settings, user_id, now)
        existing = live_interview_id(session=session, user_id=user_id) if left_open else None
        if existing:
            raise InterviewInProgress(existing)
    premium = premium_active(account.is_premium, account.premium_until, now)
    # The charge is known before the row exists (the balance was read with the account): the row carries
    # it from the start, and the debit below either takes exactly that or refuses the whole start.
    charged = 0 if premium else credits.interview_charge_cents(account.credits_cents)
    values: dict[str, Any] = {
        "id": new_id(),
        "user_id": user_id,
        "job_title": setup.job_title,
        "job_description": setup.job_description,
        "resume_text": (resume_text or "")[:MAX_RESUME_CHARS],
        "resume_filename": (resume_filename or None) and resume_filename[:255],
        "interview_type": setup.interview_type,
        "difficulty": setup.difficulty,
        "duration_minutes": setup.duration_minutes,
        "pace": setup.pace,
        "language": setup.language,
        "voice": setup.voice or None,
        "style": setup.style,
        "cut_in_enabled": setup.cut_in,
        "status": STATUS_STARTING,
        "credits_charged_cents": charged,
        "created_at": now,
        "updated_at": now,
    }
    # ON CONFLICT DO NOTHING: a concurrent start that won the one-live-interview index makes this insert
    # nothing (no exception, so the transaction stays usable on every database).
    if connection.execute(_insert_interview(connection.dialect.name), values).first() is None:
        raise InterviewInProgress(live_interview_id(session=session, user_id=user_id) or "")
    interview_id = values["id"]
    if not premium:
        credits.debit_interview(
            session=session,
            user_id=user_id,
            interview_id=interview_id,
            cost_cents=charged,
            balance_read=account.credits_cents,
        )
    return StartedInterview(interview_id, credits.from_cents(charged), premium)


# A start's statements, built once and run on the session's connection (Core: no ORM statement processing,
# compiled once per process). The first reads the account, whether any session of it is live and (signed in
# with a built-in account) whether the caller's session is still open.
_INTERVIEWS: Any = sa_inspect(InterviewSession).local_table
_USERS: Any = sa_inspect(User).local_table
_AUTH_SESSIONS: Any = sa_inspect(AuthSession).local_table


def _session_open(owner: Any, signed_in: bool) -> Any:
    """SQL: the built-in session ``:auth_session_id`` of ``owner`` is open at ``:now`` (true without one)."""
    if not signed_in:
        return true()
    auth = _AUTH_SESSIONS
    return exists().where(
        auth.c.id == bindparam("auth_session_id"),
        auth.c.user_id == owner,
        auth.c.revoked_at.is_(None),
        auth.c.expires_at > bindparam("now", type_=auth.c.expires_at.type),
    )


def _start_read(signed_in: bool) -> Any:
    return select(
        _USERS.c.credits_cents,
        _USERS.c.is_premium,
        _USERS.c.premium_until,
        _USERS.c.deleted_at,
        exists()
        .where(
            _INTERVIEWS.c.user_id == _USERS.c.id, _INTERVIEWS.c.status.in_(bindparam("live", expanding=True))
        )
        .label("has_live"),
        _session_open(_USERS.c.id, signed_in).label("session_open"),
    ).where(_USERS.c.id == bindparam("user_id"))


_START_READ = _start_read(signed_in=False)
_START_READ_SIGNED_IN = _start_read(signed_in=True)


@functools.cache
def _insert_interview(dialect: str) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING the id (nothing when the one-live index refuses it)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(_INTERVIEWS).on_conflict_do_nothing().returning(_INTERVIEWS.c.id)


def owned_interview(*, session: Session, user_id: int, interview_id: Any) -> InterviewSession:
    """The user's own interview, or ``NotFound`` (someone else's id looks exactly like a missing one)."""
    row = session.get(InterviewSession, interview_id) if valid_id(interview_id) else None
    if row is None or row.user_id != user_id or row.deleted_at is not None:
        raise NotFound("We couldn't find that interview.")
    return row


# --- connect ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallPlan:
    interview_id: str
    instructions: str
    pace: str
    reconnect: bool
    previous_call_id: str | None
    limit_seconds: int
    language: str = voices.DEFAULT_LANGUAGE
    voice: str | None = None
    style: str = voices.DEFAULT_STYLE
    cut_in_enabled: bool = True


def prepare_call(
    *,
    session: Session,
    settings: Settings,
    user_id: int,
    interview_id: Any,
    now: datetime | None = None,
    auth_session_id: str | None = None,
) -> CallPlan:
    """Check the interview may (re)connect now and build the interviewer's instructions.

    One statement reads the interview and its owner's account and, with ``auth_session_id`` (a built-in
    account's verified token), whether that session is still open: the caller needs no account read.
    """
    now = now or utcnow()
    found: Any = None
    if valid_id(interview_id):
        params = {"interview_id": interview_id, "auth_session_id": auth_session_id, "now": now}
        statement = _CALL_READ if auth_session_id is None else _CALL_READ_SIGNED_IN
        found = session.connection().execute(statement, params).first()
    if found is not None and found.user_id == user_id and not found.session_open:
        raise NotAuthenticated("You were signed out. Please sign in again.")
    if found is None or found.user_id != user_id or found.deleted_at is not None:
        raise NotFound("We couldn't find that interview.")
    row, name, user_deleted_at = found, found.user_name, found.user_deleted_at
    if row.status == STATUS_FAILED:
        raise Conflict("This interview could not be started. Please start a new one.")
    if row.status == STATUS_COMPLETED:
        raise Conflict("This interview has already ended.")
    deadline = deadline_of(row, settings)
    if row.status == STATUS_STARTING and row.created_at < now - STARTING_GRACE:
        raise Conflict(
            "This interview waited too long to connect. Please start a new one; your credit will be refunded."
        )
    if deadline is not None and deadline <= now:
        raise Conflict("This interview's time is up.")
    if user_deleted_at is not None:
        raise NotAuthenticated("Your account is no longer active. Please sign in again.")
    limit = limit_seconds(settings, row.duration_minutes)
    brief = InterviewBrief(
        job_title=row.job_title,
        job_description=row.job_description,
        resume_text=row.resume_text,
        interview_type=row.interview_type,
        difficulty=row.difficulty,
        duration_minutes=limit / 60,
        pace=row.pace,
        candidate_name=(name or "").split(" ")[0][:40],
        language=row.language,
        style=row.style,
    )
    chosen = (row.language, row.voice, row.style, row.cut_in_enabled)
    # A redo of one answer (services/interviews/redo.py): the question again, in its conversation's context.
    base = (
        build_redo_instructions(brief, row.redo_question or "", row.redo_context or "")
        if row.kind == KIND_REDO
        else None
    )
    if row.status == STATUS_ACTIVE:
        lines = [(e.role, e.text) for e in _lines(session, row.id)]
        return CallPlan(
            row.id,
            build_resume_instructions(brief, lines, base),
            row.pace,
            True,
            row.openai_call_id,
            limit,
            *chosen,
        )
    return CallPlan(row.id, base or build_instructions(brief), row.pace, False, None, limit, *chosen)


@dataclass(frozen=True)
class CallRequest:
    """A browser asking to (re)connect an interview's call: what ``prepare_call`` is given."""

    settings: Settings
    user_id: int
    interview_id: Any
    auth_session_id: str | None = None


def prepare_calls(*, session: Session, items: Sequence[CallRequest]) -> list[CallPlan | VocaHireError]:
    """``prepare_call`` for requests that arrived together, in one transaction (``infra.group_commit``);
    a request's refusal is its own answer."""
    now = utcnow()
    answers: list[CallPlan | VocaHireError] = []
    for request in items:
        try:
            answers.append(
                prepare_call(
                    session=session,
                    settings=request.settings,
                    user_id=request.user_id,
                    interview_id=request.interview_id,
                    now=now,
                    auth_session_id=request.auth_session_id,
                )
            )
        except VocaHireError as refusal:
            answers.append(refusal)
    return answers


def _call_read(signed_in: bool) -> Any:
    """The interview, its owner's name and deletion, and (``signed_in``) whether the caller's built-in session
    is still open; built once per variant."""
    session_open = _session_open(_INTERVIEWS.c.user_id, signed_in)
    return (
        select(
            *_INTERVIEWS.c,
            _USERS.c.name.label("user_name"),
            _USERS.c.deleted_at.label("user_deleted_at"),
            session_open.label("session_open"),
        )
        .join(_USERS, _USERS.c.id == _INTERVIEWS.c.user_id)
        .where(_INTERVIEWS.c.id == bindparam("interview_id"))
    )


_CALL_READ = _call_read(signed_in=False)
_CALL_READ_SIGNED_IN = _call_read(signed_in=True)


@dataclass(frozen=True)
class InterviewerChoice:
    """The candidate's last choice of language, voice, style and cut-in (what set-up offers next time)."""

    language: str | None
    voice: str
    style: str
    cut_in: bool


def last_interviewer_choice(*, session: Session, user_id: int) -> InterviewerChoice | None:
    """Read from the candidate's latest interview (None before their first): nothing to keep in sync."""
    row = session.execute(
        select(
            col(InterviewSession.language),
            col(InterviewSession.voice),
            col(InterviewSession.style),
            col(InterviewSession.cut_in_enabled),
        )
        .where(col(InterviewSession.user_id) == user_id, col(InterviewSession.kind) != KIND_REDO)
        .order_by(col(InterviewSession.created_at).desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return InterviewerChoice(row[0], row[1] or "", row[2], bool(row[3]))


def mark_connected(
    *, session: Session, interview_id: str, call_id: str, now: datetime | None = None
) -> datetime | None:
    """The call exists: the interview is live (its clock starts on the first connection only).

    Returns when the interview started, or None if it ended meanwhile.
    """
    now = now or utcnow()
    params = {"interview_id": interview_id, "live": list(LIVE_STATUSES), "call_id": call_id, "now": now}
    params.update(sideband_lease.lease_values(now))  # this process watches the call it connected
    started = session.connection().execute(_MARK_CONNECTED, params).first()
    return None if started is None else started[0]


@dataclass(frozen=True)
class ConnectedCall:
    """OpenAI answered an interview's call: ``mark_connected``'s input."""

    interview_id: str
    call_id: str


def mark_calls_connected(*, session: Session, items: Sequence[ConnectedCall]) -> list[datetime | None]:
    """``mark_connected`` for calls answered together, in one transaction (``infra.group_commit``); rows
    are updated in interview id order, so two groups never wait on each other."""
    now = utcnow()
    started: list[datetime | None] = [None] * len(items)
    for index in sorted(range(len(items)), key=lambda index: items[index].interview_id):
        call = items[index]
        started[index] = mark_connected(
            session=session, interview_id=call.interview_id, call_id=call.call_id, now=now
        )
    return started


_MARK_CONNECTED = (
    update(_INTERVIEWS)
    .where(
        _INTERVIEWS.c.id == bindparam("interview_id"),
        _INTERVIEWS.c.status.in_(bindparam("live", expanding=True)),
    )
    .values(
        status=STATUS_ACTIVE,
        openai_call_id=bindparam("call_id"),
        started_at=func.coalesce(
            _INTERVIEWS.c.started_at, bindparam("now", type_=_INTERVIEWS.c.started_at.type)
        ),
        updated_at=bindparam("now", type_=_INTERVIEWS.c.updated_at.type),
        # The lease's columns, as ``sideband_lease.lease_values`` names them (bound per call).
        **{name: bindparam(name) for name in sideband_lease.lease_values(utcnow())},
    )
    .returning(_INTERVIEWS.c.started_at)
)


def fail_start(*, session: Session, interview_id: str, message: str, now: datetime | None = None) -> bool:
    """The interview could not start: mark it failed with a readable reason and refund its credit (once)."""
    now = now or utcnow()
    row = session.get(InterviewSession, interview_id)
    if row is None:
        return False
    result = session.exec(
        update(InterviewSession)
        .where(col(InterviewSession.id) == interview_id, col(InterviewSession.status) == STATUS_STARTING)
        .values(
            status=STATUS_FAILED,
            error_message=message[:500],
            ended_at=now,
            end_reason="start_failed",
            updated_at=now,
        )
    )
    if result.rowcount != 1:
        return False
    credits.refund_interview_credit(
        session=session,
        user_id=row.user_id,
        interview_id=interview_id,
        reason="Refund: the interview could not be started",
    )
    return True


# --- end -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EndResult:
    status: str
    changed: bool
    call_id: str | None


def _lines(session: Session, interview_id: str) -> list[TranscriptEntry]:
    return list(
        session.execute(
            select(TranscriptEntry)
            .where(col(TranscriptEntry.session_id) == interview_id)
            .order_by(col(TranscriptEntry.position), col(TranscriptEntry.id))
        ).scalars()
    )


def average_response_seconds(lines: list[TranscriptEntry]) -> float | None:
    """Mean time from the end of an interviewer line to the start of the candidate's answer to it."""
    gaps: list[float] = []
    for previous, line in pairwise(lines):
        if (
            previous.role == "interviewer"
            and line.role == "candidate"
            and previous.ended_at
            and line.started_at
        ):
            gaps.append(max(0.0, (line.started_at - previous.ended_at).total_seconds()))
    return round(sum(gaps) / len(gaps), 1) if gaps else None


def end_interview(
    *,
    session: Session,
    interview_id: str,
    reason: EndReason,
    settings: Settings,
    now: datetime | None = None,
    call_id: str | None = None,
) -> EndResult:
    """Complete a live interview (duration, average response time, feedback queued); idempotent.

    With ``call_id`` (the sideband of that call), nothing happens once a reconnection replaced the call.
    """
    now = now or utcnow()
    row = session.get(InterviewSession, interview_id)
    if row is None:
        raise NotFound("We couldn't find that interview.")
    if call_id is not None and row.openai_call_id != call_id:
        return EndResult(row.status, False, row.openai_call_id)
    if row.status == STATUS_STARTING:
        # Ended before it ever connected: nothing happened, so nothing is charged.
        changed = fail_start(
            session=session,
            interview_id=interview_id,
            message="The interview was ended before it connected; your credit was refunded.",
            now=now,
        )
        return EndResult(STATUS_FAILED, changed, row.openai_call_id)
    if row.status != STATUS_ACTIVE:
        return EndResult(row.status, False, row.openai_call_id)
    started = row.started_at or row.created_at
    limit = limit_seconds(settings, row.duration_minutes)
    duration = int(max(0, min((now - started).total_seconds(), limit + END_GRACE.total_seconds())))
    same_call = [col(InterviewSession.openai_call_id) == call_id] if call_id is not None else []
    result = session.exec(
        update(InterviewSession)
        .where(
            col(InterviewSession.id) == interview_id,
            col(InterviewSession.status) == STATUS_ACTIVE,
            *same_call,
        )
        .values(
            status=STATUS_COMPLETED,
            ended_at=now,
            end_reason=reason,
            duration_seconds=duration,
            avg_response_seconds=average_response_seconds(_lines(session, interview_id)),
            updated_at=now,
        )
    )
    if result.rowcount != 1:
        session.refresh(row)
        return EndResult(row.status, False, row.openai_call_id)
    queue_feedback(session=session, interview_id=interview_id, now=now)
    return EndResult(STATUS_COMPLETED, True, row.openai_call_id)


def end_for_owner(
    *,
    session: Session,
    settings: Settings,
    user_id: int,
    interview_id: Any,
    reason: EndReason = "ended_by_candidate",
) -> EndResult:
    owned_interview(session=session, user_id=user_id, interview_id=interview_id)
    return end_interview(session=session, interview_id=interview_id, reason=reason, settings=settings)


def accepts_browser_lines(row: InterviewSession, now: datetime | None = None) -> bool:
    """Live interviews, and ones ended a little while ago (a buffer replayed after a reconnect)."""
    return accepts_browser_lines_at(row.status, row.ended_at, now or utcnow())


def accepts_browser_lines_at(status: str, ended_at: datetime | None, now: datetime) -> bool:
    """``accepts_browser_lines`` from the two columns it reads."""
    if status in LIVE_STATUSES:
        return True
    return status == STATUS_COMPLETED and ended_at is not None and ended_at > now - BROWSER_LINES_GRACE


@dataclass(frozen=True)
class OrphanedCall:
    """A live call nobody watches (its lease lapsed), with what its sideband needs to carry on."""

    interview_id: str
    call_id: str
    deadline: datetime
    pace: str
    language: str
    cut_in_seconds: float | None


def orphaned_live_sessions(
    *, session: Session, settings: Settings, now: datetime | None = None
) -> list[OrphanedCall]:
    """Active calls still within their time whose sideband lease has lapsed (their process stopped or
    crashed), to take over; ``sideband_lease.claim`` decides which process does."""
    now = now or utcnow()
    query = select(InterviewSession).where(
        col(InterviewSession.status) == STATUS_ACTIVE,
        col(InterviewSession.openai_call_id).is_not(None),
        sideband_lease.lapsed(now),
    )
    out = []
    for row in session.execute(query).scalars().all():
        deadline = deadline_of(row, settings)
        if deadline is not None and deadline > now and row.openai_call_id:
            style = voices.style_of(row.style)
            out.append(
                OrphanedCall(
                    interview_id=row.id,
                    call_id=row.openai_call_id,
                    deadline=deadline,
                    pace=row.pace,
                    language=row.language,
                    cut_in_seconds=float(style.cut_in_seconds) if row.cut_in_enabled else None,
                )
            )
    return out
