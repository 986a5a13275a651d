"""A transcript's final lines: their conversation order, decided here once, and their idempotent store.

Both copies of a line are placed the same way: the server's own record (the
sideband, ``apply_changes``) and the browser's fallback batch
(``save_browser_batch``). Each new line is placed by ``place_line`` among the
lines already saved (savers of one interview take turns): right after the
line it follows (``previous_item_id``), else right before a saved line that
follows it, else at the end. The candidate's transcription completes after the
interviewer's next line was saved, so arrival order is not conversation order.
Inserts are ``ON CONFLICT DO NOTHING`` on (interview, item id): the same line
from the sideband and the browser, or replayed from the browser's buffer, is
stored once.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import String, bindparam, exists, false, func, text, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from vocahire.errors import NotAuthenticated, VocaHireError
from vocahire.models import InterviewSession, TranscriptEntry, User, utcnow
from vocahire.models.account_security import AuthSession
from vocahire.services.accounts import sessions
from vocahire.services.accounts.users import load_active_user
from vocahire.services.interviews import lifecycle as interviews

Role = Literal["interviewer", "candidate"]
MAX_LINE_CHARS = 8_000
CLOCK_SKEW = timedelta(minutes=2)  # how far a browser's clock may be off before its times are dropped


@dataclass(frozen=True)
class FinalLine:
    """A line that became final, as the sideband or the browser saw it (no position: that is decided here)."""

    item_id: str
    role: Role
    text: str
    previous_item_id: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True)
class LineRevision:
    """A change to a line already saved: a shorter text (an interruption) and/or a later end."""

    item_id: str
    text: str | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True)
class PlacedLine:
    """What ordering needs to know of a saved line."""

    item_id: str
    previous_item_id: str | None
    position: float


# --- conversation order ---------------------------------------------------------------------------


def place_line(saved: Sequence[PlacedLine], line: FinalLine) -> float:
    """The position for ``line`` among ``saved`` (sorted by position), by the conversation's links."""
    after = next((i for i, p in enumerate(saved) if p.item_id == line.previous_item_id), None)
    if after is None:
        follower = next((i for i, p in enumerate(saved) if p.previous_item_id == line.item_id), None)
        after = follower - 1 if follower is not None else len(saved) - 1
    low = saved[after].position if after >= 0 else None
    high = saved[after + 1].position if after + 1 < len(saved) else None
    if low is None:
        return 1.0 if high is None else high - 1.0
    return low + 1.0 if high is None else (low + high) / 2


def place_lines(saved: Sequence[PlacedLine], lines: Iterable[FinalLine]) -> list[tuple[FinalLine, float]]:
    """Place new lines one after another (each among the saved and the ones placed before it)."""
    order = sorted(saved, key=_by_position)
    known = {p.item_id for p in order}
    placed: list[tuple[FinalLine, float]] = []
    for line in lines:
        if line.item_id in known:
            continue
        position = place_line(order, line)
        bisect.insort(order, PlacedLine(line.item_id, line.previous_item_id, position), key=_by_position)
        known.add(line.item_id)
        placed.append((line, position))
    return placed


def _by_position(line: PlacedLine) -> float:
    return line.position


# --- the store ------------------------------------------------------------------------------------


def _lock_interview(session: Session, interview_id: str) -> None:
    """Savers of one interview's lines take turns, so each places its lines among all saved before it."""
    if session.get_bind().dialect.name == "sqlite":
        # Any write, even of no row, takes SQLite's one write lock until the commit.
        session.exec(update(InterviewSession).where(false()).values(status=col(InterviewSession.status)))
    else:
        # FOR NO KEY UPDATE in a statement of its own: the lines read next get a fresh snapshot.
        session.get(InterviewSession, interview_id, with_for_update={"key_share": True})


TAIL_LINES = 64  # the end of the transcript, where nearly every new line goes


# One bounded read (it doesn't grow with the transcript): the last TAIL_LINES, the lines named (each new line
# and its predecessor), and the line saved right after each named predecessor. Written once, bound per call.
_NEIGHBOURS = text(
    """
    SELECT item_id, previous_item_id, position, id FROM (
        SELECT item_id, previous_item_id, position, id FROM transcript_entries
        WHERE session_id = :interview ORDER BY position DESC, id DESC LIMIT :tail
    ) AS tail
    UNION
    SELECT item_id, previous_item_id, position, id FROM transcript_entries
    WHERE session_id = :interview AND item_id IN :named
    UNION
    SELECT item_id, previous_item_id, position, id FROM transcript_entries
    WHERE session_id = :interview AND position IN (
        SELECT (
            SELECT min(n.position) FROM transcript_entries AS n
            WHERE n.session_id = :interview AND n.position > p.position
        )
        FROM transcript_entries AS p WHERE p.session_id = :interview AND p.item_id IN :previous
    )
    """
).bindparams(
    bindparam("named", expanding=True, type_=String), bindparam("previous", expanding=True, type_=String)
)


def _neighbours(session: Session, interview_id: str, lines: Sequence[FinalLine]) -> list[PlacedLine]:
    """The saved lines ``place_lines`` needs for ``lines`` (``_NEIGHBOURS``), sorted by position."""
    previous = sorted({line.previous_item_id for line in lines if line.previous_item_id})
    named = sorted({line.item_id for line in lines} | set(previous))
    params = {"interview": interview_id, "tail": TAIL_LINES, "named": named, "previous": previous}
    rows = sorted(session.connection().execute(_NEIGHBOURS, params).all(), key=lambda r: (r[2], r[3]))
    return [PlacedLine(item_id, previous, position) for item_id, previous, position, _id in rows]


@functools.cache
def _insert_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (interview, item id) DO NOTHING RETURNING id, built and compiled once."""
    table: Any = sa_inspect(TranscriptEntry).local_table
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=["session_id", "item_id"])
        .returning(table.c.id)  # rowcount isn't reliable for multi-row upserts
    )


def save_lines(
    *, session: Session, interview_id: str, lines: Sequence[FinalLine], source: str = "sideband"
) -> int:
    """Place and insert lines, ignoring any whose item id is already saved; returns how many were new."""
    if not lines:
        return 0
    _lock_interview(session, interview_id)
    return _insert_placed(session, interview_id, lines, source)


def _insert_placed(session: Session, interview_id: str, lines: Sequence[FinalLine], source: str) -> int:
    if not lines:
        return 0
    placed = place_lines(_neighbours(session, interview_id, lines), lines)
    if not placed:
        return 0
    now = utcnow()
    rows = [
        {
            "session_id": interview_id,
            "role": line.role,
            "text": line.text[:MAX_LINE_CHARS],
            "item_id": line.item_id[:128],
            "previous_item_id": (line.previous_item_id or None) and line.previous_item_id[:128],
            "position": position,
            "source": source,
            "started_at": line.started_at,
            "ended_at": line.ended_at,
            "created_at": now,
        }
        for line, position in placed
    ]
    stmt = _insert_statement(session.get_bind().dialect.name)
    return len(session.connection().execute(stmt, rows).all())


def revise_line(
    *, session: Session, interview_id: str, revision: LineRevision, only_shorter: bool = True
) -> bool:
    """Apply a revision; from the browser (``only_shorter``) a text may only get shorter.

    An end is kept only if it follows the line's start.
    """
    entry = session.exec(
        select(TranscriptEntry).where(
            col(TranscriptEntry.session_id) == interview_id, col(TranscriptEntry.item_id) == revision.item_id
        )
    ).one_or_none()
    if entry is None:
        return False
    values: dict[str, Any] = {}
    if (
        revision.text
        and revision.text != entry.text
        and (not only_shorter or len(revision.text) <= len(entry.text))
    ):
        values["text"] = revision.text[:MAX_LINE_CHARS]
    if revision.ended_at is not None and (entry.started_at is None or revision.ended_at >= entry.started_at):
        values["ended_at"] = revision.ended_at
    if not values:
        return False
    session.exec(update(TranscriptEntry).where(col(TranscriptEntry.id) == entry.id).values(**values))
    return True


def apply_changes(
    *,
    session: Session,
    interview_id: str,
    changes: Sequence[FinalLine | LineRevision],
    source: str = "sideband",
) -> int:
    """Save new lines and apply revisions in one transaction; returns how many lines were new."""
    _lock_interview(session, interview_id)
    return _apply_locked(session, interview_id, changes, source)


def _apply_locked(
    session: Session, interview_id: str, changes: Sequence[FinalLine | LineRevision], source: str
) -> int:
    new = _insert_placed(session, interview_id, [c for c in changes if isinstance(c, FinalLine)], source)
    for change in changes:
        if isinstance(change, LineRevision):
            revise_line(
                session=session, interview_id=interview_id, revision=change, only_shorter=source != "sideband"
            )
    return new


def save_browser_batch(
    *,
    session: Session,
    user_id: int,
    interview_id: Any,
    lines: Sequence[FinalLine],
    revisions: Sequence[LineRevision],
    now: datetime | None = None,
    auth_session_id: str | None = None,
) -> int:
    """The browser's fallback copy of final lines (owner only, live or just ended); returns how many were new.

    One transaction: the statement that takes the interview's turn also checks the owner, that the account
    is active and (``auth_session_id``, a built-in account's verified token) that its session is still open,
    so the caller needs no account read of its own; then one bounded read places the lines and one insert
    saves the new ones. A browser may only shorten a line, and its clock is trusted only near the
    interview's own times.
    """
    now = now or utcnow()
    row = _lock_for_browser(session, user_id, interview_id, auth_session_id, now)
    if row is None:
        _explain_refusal(session, user_id, interview_id, auth_session_id, now)
        return 0
    status, ended_at, started_at, created_at = row
    if not interviews.accepts_browser_lines_at(status, ended_at, now):
        return 0
    lower = (started_at or created_at) - CLOCK_SKEW
    upper = now + CLOCK_SKEW

    def clamp(moment: datetime | None) -> datetime | None:
        return moment if moment is not None and lower <= moment <= upper else None

    cleaned = [
        FinalLine(
            line.item_id,
            line.role,
            line.text[:MAX_LINE_CHARS],
            line.previous_item_id,
            clamp(line.started_at),
            clamp(line.ended_at),
        )
        for line in lines
    ]
    shorter = [LineRevision(r.item_id, text=r.text) for r in revisions if r.text]
    return _apply_locked(session, interview_id, [*cleaned, *shorter], "browser")


@dataclass(frozen=True)
class BrowserBatch:
    """One tab's fallback batch, as ``save_browser_batch`` takes it (to save several in one transaction)."""

    user_id: int
    interview_id: str
    lines: Sequence[FinalLine]
    revisions: Sequence[LineRevision] = ()
    auth_session_id: str | None = None


def save_browser_batches(
    *, session: Session, batches: Sequence[BrowserBatch], now: datetime | None = None
) -> list[int | VocaHireError]:
    """Several tabs' batches in one transaction, each by ``save_browser_batch``'s rules; per batch, how many
    lines were new or why it was refused.

    A refusal (a signed-out tab, someone else's interview) is that batch's answer and the others still
    save: its checks wrote nothing. Batches take their interviews' turns in interview id order, so two
    groups saving the same interviews at once can't each wait for the other. Any other error aborts the
    whole transaction (the caller then saves each batch on its own).
    """
    now = now or utcnow()
    answers: dict[int, int | VocaHireError] = {}
    for index in sorted(range(len(batches)), key=lambda i: str(batches[i].interview_id)):
        batch = batches[index]
        try:
            answers[index] = save_browser_batch(
                session=session,
                user_id=batch.user_id,
                interview_id=batch.interview_id,
                lines=batch.lines,
                revisions=batch.revisions,
                now=now,
                auth_session_id=batch.auth_session_id,
            )
        except VocaHireError as refusal:
            answers[index] = refusal
    return [answers[i] for i in range(len(batches))]


def _lock_for_browser(
    session: Session, user_id: int, interview_id: Any, auth_session_id: str | None, now: datetime
) -> Any:
    """Take the interview's turn and read what the batch needs, only if every check passes (else None)."""
    if not interviews.valid_id(interview_id):
        return None
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        _lock_interview(session, interview_id)
    params = {"interview": interview_id, "user": user_id, "auth_session": auth_session_id, "now": now}
    stmt = _browser_lock_statement(dialect, auth_session_id is not None)
    return session.connection().execute(stmt, params).first()


@functools.cache
def _browser_lock_statement(dialect: str, with_auth_session: bool) -> Any:
    user: Any = bindparam("user")
    checks = [
        col(InterviewSession.id) == bindparam("interview"),
        col(InterviewSession.user_id) == user,
        col(InterviewSession.deleted_at).is_(None),
        exists().where(col(User.id) == user, col(User.deleted_at).is_(None)),
    ]
    if with_auth_session:
        checks.append(
            exists().where(
                col(AuthSession.id) == bindparam("auth_session"),
                col(AuthSession.user_id) == user,
                col(AuthSession.revoked_at).is_(None),
                col(AuthSession.expires_at) > bindparam("now"),
            )
        )
    query = sa_select(
        col(InterviewSession.status),
        col(InterviewSession.ended_at),
        col(InterviewSession.started_at),
        col(InterviewSession.created_at),
    ).where(*checks)
    if dialect != "sqlite":
        query = query.with_for_update(key_share=True, of=InterviewSession)  # FOR NO KEY UPDATE OF
    return query


def _explain_refusal(
    session: Session, user_id: int, interview_id: Any, auth_session_id: str | None, now: datetime
) -> None:
    """Why a batch was refused, as the same errors the slower checks raise (rare: a signed-out tab...)."""
    load_active_user(session=session, user_id=user_id)  # NotAuthenticated
    if auth_session_id is not None and auth_session_id not in sessions.open_session_ids(
        session=session, user_id=user_id
    ):
        raise NotAuthenticated("You were signed out. Please sign in again.")
    interviews.owned_interview(session=session, user_id=user_id, interview_id=interview_id)  # NotFound


def list_lines(*, session: Session, interview_id: str) -> list[TranscriptEntry]:
    """The saved lines in conversation order."""
    return list(
        session.exec(
            select(TranscriptEntry)
            .where(col(TranscriptEntry.session_id) == interview_id)
            .order_by(col(TranscriptEntry.position), col(TranscriptEntry.id))
        ).all()
    )


def list_line_views(*, session: Session, interview_id: str) -> list[dict[str, Any]]:
    """The saved lines in conversation order, as the live page and its component show them: four plain
    columns, no ORM objects (a page that opens on a long transcript builds only what it sends)."""
    rows = session.execute(
        sa_select(
            col(TranscriptEntry.item_id),
            col(TranscriptEntry.previous_item_id),
            col(TranscriptEntry.role),
            col(TranscriptEntry.text),
        )
        .where(col(TranscriptEntry.session_id) == interview_id)
        .order_by(col(TranscriptEntry.position), col(TranscriptEntry.id))
    )
    return [
        {"item_id": item_id, "previous_item_id": previous, "role": role, "text": text}
        for item_id, previous, role, text in rows
    ]


def count_lines(*, session: Session, interview_id: str) -> int:
    return session.exec(
        select(func.count())
        .select_from(TranscriptEntry)
        .where(col(TranscriptEntry.session_id) == interview_id)
    ).one()
