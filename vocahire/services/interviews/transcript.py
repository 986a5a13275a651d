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

from sqlalchemy import Integer, String, bindparam, column, exists, false, func, text, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from vocahire.errors import NotAuthenticated, VocaHireError
from vocahire.models import InterviewSession, TranscriptEntry, User, UTCDateTime, utcnow
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
    """INSERT ... ON CONFLICT (interview, item id) DO NOTHING RETURNING the keys saved, built once."""
    table: Any = sa_inspect(TranscriptEntry).local_table
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=["session_id", "item_id"])
        .returning(table.c.session_id, table.c.item_id)  # rowcount isn't reliable for multi-row upserts
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
    rows = [_row(interview_id, line, position, source, now) for line, position in placed]
    stmt = _insert_statement(session.get_bind().dialect.name)
    return len(session.connection().execute(stmt, rows).all())


def _row(interview_id: str, line: FinalLine, position: float, source: str, now: datetime) -> dict[str, Any]:
    return {
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
    new = _insert_placed(session, interview_id, [c for c in changes if isinstance(c, FinalLine)], source)
    for change in changes:
        if isinstance(change, LineRevision):
            revise_line(
                session=session, interview_id=interview_id, revision=change, only_shorter=source != "sideband"
            )
    return new


@dataclass(frozen=True)
class BrowserBatch:
    """One tab's fallback batch of final lines (and shortened lines) for one interview."""

    user_id: int
    interview_id: str
    lines: Sequence[FinalLine]
    revisions: Sequence[LineRevision] = ()
    auth_session_id: str | None = None  # a built-in account's verified token: its session must be open


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

    ``save_browser_batches`` with one batch: raises its refusal.
    """
    batch = BrowserBatch(user_id, interview_id, lines, revisions, auth_session_id)
    (answer,) = save_browser_batches(session=session, batches=[batch], now=now)
    if isinstance(answer, VocaHireError):
        raise answer
    return answer


def save_browser_batches(
    *, session: Session, batches: Sequence[BrowserBatch], now: datetime | None = None
) -> list[int | VocaHireError]:
    """Several tabs' batches in one transaction; per batch, how many of its lines were new or why it was
    refused.

    A fixed number of statements whatever the number of batches, plus one read per interview: one takes
    every interview's turn (in interview id order, so two groups saving the same interviews can't each
    wait for the other) and in the same statement checks each batch's owner, that the account is active
    and (``auth_session_id``) that its session is still open, so the caller needs no account read of its
    own; one bounded read per interview places its lines; one insert saves every new line. A refusal (a
    signed-out tab, someone else's interview) is only its own batch's answer: its checks wrote nothing.
    A browser may only shorten a line, and its clock is trusted only near the interview's own times.
    """
    now = now or utcnow()
    answers: list[int | VocaHireError] = [0] * len(batches)
    rows = _lock_for_browsers(session, batches, now)
    accepted: list[tuple[int, list[FinalLine]]] = []
    for index, batch in enumerate(batches):
        row = rows.get(index)
        if row is None:
            try:
                _explain_refusal(session, batch.user_id, batch.interview_id, batch.auth_session_id, now)
            except VocaHireError as refusal:
                answers[index] = refusal
            continue
        status, ended_at, started_at, created_at = row
        if interviews.accepts_browser_lines_at(status, ended_at, now):
            accepted.append((index, _trusted_times(batch.lines, started_at or created_at, now)))
    new = _insert_browser_lines(session, batches, accepted, now)
    for index, _ in accepted:
        answers[index] = new.get(index, 0)
        for revision in batches[index].revisions:
            if revision.text:
                shorter = LineRevision(revision.item_id, text=revision.text)
                revise_line(session=session, interview_id=batches[index].interview_id, revision=shorter)
    return answers


def _trusted_times(lines: Sequence[FinalLine], start: datetime, now: datetime) -> list[FinalLine]:
    """The lines, without any time the browser's clock got implausibly wrong."""
    lower, upper = start - CLOCK_SKEW, now + CLOCK_SKEW

    def clamp(moment: datetime | None) -> datetime | None:
        return moment if moment is not None and lower <= moment <= upper else None

    return [
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


def _insert_browser_lines(
    session: Session,
    batches: Sequence[BrowserBatch],
    accepted: Sequence[tuple[int, list[FinalLine]]],
    now: datetime,
) -> dict[int, int]:
    """Place each interview's lines (two tabs of one interview in arrival order) and insert them all at once;
    per batch index, how many of its lines were new (a line two batches carry counts for the first)."""
    by_interview: dict[str, list[tuple[int, FinalLine]]] = {}
    for index, lines in accepted:
        by_interview.setdefault(batches[index].interview_id, []).extend((index, line) for line in lines)
    rows: list[dict[str, Any]] = []
    sender: dict[tuple[str, str], int] = {}
    for interview_id, tagged in by_interview.items():
        lines = [line for _, line in tagged]
        for index, line in tagged:
            sender.setdefault((interview_id, line.item_id[:128]), index)
        placed = place_lines(_neighbours(session, interview_id, lines), lines)
        rows.extend(_row(interview_id, line, position, "browser", now) for line, position in placed)
    new: dict[int, int] = {}
    if rows:
        stmt = _insert_statement(session.get_bind().dialect.name)
        for saved_interview, saved_item in session.connection().execute(stmt, rows):
            index = sender[(saved_interview, saved_item)]
            new[index] = new.get(index, 0) + 1
    return new


def _lock_for_browsers(session: Session, batches: Sequence[BrowserBatch], now: datetime) -> dict[int, Any]:
    """Take the batches' interviews' turns and read what they need; per batch index, its interview's row
    (status, ended, started, created) if every check passed."""
    valid = [i for i, batch in enumerate(batches) if interviews.valid_id(batch.interview_id)]
    if not valid:
        return {}
    if session.get_bind().dialect.name == "sqlite":
        # One writer at a time: the write lock is every interview's turn; then each batch's checks.
        _lock_interview(session, batches[valid[0]].interview_id)
        found: dict[int, Any] = {}
        for i in valid:
            batch = batches[i]
            params = {
                "interview": batch.interview_id,
                "user": batch.user_id,
                "auth_session": batch.auth_session_id,
                "now": now,
            }
            stmt = _browser_checks(batch.auth_session_id is not None)
            row = session.connection().execute(stmt, params).first()
            if row is not None:
                found[i] = row
        return found
    params = {
        "n": valid,
        "interviews": [batches[i].interview_id for i in valid],
        "users": [batches[i].user_id for i in valid],
        "auth_sessions": [batches[i].auth_session_id for i in valid],
        "now": now,
    }
    return {row[0]: row[1:] for row in session.connection().execute(_BROWSERS_LOCK, params)}


# PostgreSQL: every batch's checks and its interview's turn in one statement, whatever the number of
# batches (arrays, so the statement's text never changes and the driver prepares it once). FOR NO KEY
# UPDATE in a statement of its own: the lines read next get a fresh snapshot.
_BROWSERS_LOCK = (
    text(
        """
        SELECT r.n, i.status, i.ended_at, i.started_at, i.created_at
        FROM unnest(
            CAST(:n AS integer[]), CAST(:interviews AS varchar[]), CAST(:users AS integer[]),
            CAST(:auth_sessions AS varchar[])
        ) AS r(n, interview, owner, auth_session)
        JOIN interview_sessions AS i ON i.id = r.interview AND i.user_id = r.owner
        WHERE i.deleted_at IS NULL
          AND EXISTS (SELECT 1 FROM users AS u WHERE u.id = r.owner AND u.deleted_at IS NULL)
          AND (r.auth_session IS NULL OR EXISTS (
              SELECT 1 FROM auth_sessions AS a
              WHERE a.id = r.auth_session AND a.user_id = r.owner AND a.revoked_at IS NULL
                AND a.expires_at > :now
          ))
        ORDER BY i.id
        FOR NO KEY UPDATE OF i
        """
    )
    .bindparams(bindparam("now", type_=UTCDateTime()))
    .columns(
        column("n", Integer),
        column("status", String),
        column("ended_at", UTCDateTime()),
        column("started_at", UTCDateTime()),
        column("created_at", UTCDateTime()),
    )
)


@functools.cache
def _browser_checks(with_auth_session: bool) -> Any:
    """The interview's row if it is the user's, the account is active and (``auth_session``) that session is
    open: one batch's checks on SQLite (its write lock already held), and the saved lines' reader's."""
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
    return sa_select(
        col(InterviewSession.status),
        col(InterviewSession.ended_at),
        col(InterviewSession.started_at),
        col(InterviewSession.created_at),
    ).where(*checks)


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


def owned_line_views(
    *, session: Session, user_id: int, interview_id: Any, auth_session_id: str | None = None
) -> list[dict[str, Any]]:
    """``list_line_views`` for the interview's owner, checked as a browser batch is (raises its refusal)."""
    now = utcnow()
    params = {"interview": interview_id, "user": user_id, "auth_session": auth_session_id, "now": now}
    checks = _browser_checks(auth_session_id is not None)
    if not interviews.valid_id(interview_id) or session.connection().execute(checks, params).first() is None:
        _explain_refusal(session, user_id, interview_id, auth_session_id, now)
    return list_line_views(session=session, interview_id=interview_id)


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
