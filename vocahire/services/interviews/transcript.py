"""Transcript lines saved idempotently by realtime item id (sideband first, the browser as a fallback).

The event-to-line assembly lives in ``transcript_assembly`` (pure); this module
writes its output: ``INSERT ... ON CONFLICT DO NOTHING`` on (session, item id),
so the same line arriving from the sideband and the browser, or twice from a
replayed browser buffer, is stored once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from vocahire.models import TranscriptEntry, utcnow
from vocahire.services.interviews.transcript_assembly import (
    MAX_LINE_CHARS,
    FinalLine,
    LineRevision,
    TranscriptAssembler,
)

__all__ = [
    "FinalLine",
    "LineRevision",
    "TranscriptAssembler",
    "apply_changes",
    "list_lines",
    "revise_line",
    "save_browser_lines",
    "save_lines",
]


# --- persistence ----------------------------------------------------------------------------------


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def save_lines(
    *, session: Session, interview_id: str, lines: Sequence[FinalLine], source: str = "sideband"
) -> int:
    """Insert lines, ignoring any whose item id is already saved for this interview; returns how many were new."""
    if not lines:
        return 0
    rows = [
        {
            "session_id": interview_id,
            "role": line.role,
            "text": line.text[:MAX_LINE_CHARS],
            "item_id": line.item_id[:128],
            "previous_item_id": (line.previous_item_id or None) and line.previous_item_id[:128],
            "position": float(line.position),
            "source": source,
            "started_at": line.started_at,
            "ended_at": line.ended_at,
            "created_at": utcnow(),
        }
        for line in lines
    ]
    stmt = (
        _insert(session)(TranscriptEntry)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["session_id", "item_id"])
        .returning(TranscriptEntry.id)  # rowcount isn't reliable for multi-row upserts
    )
    return len(session.execute(stmt).all())


def save_browser_lines(*, session: Session, interview_id: str, lines: Sequence[FinalLine]) -> int:
    """The browser's fallback copy: place each missing line after its predecessor among the saved ones."""
    saved = session.execute(
        select(TranscriptEntry.item_id, TranscriptEntry.position)
        .where(TranscriptEntry.session_id == interview_id)
        .order_by(TranscriptEntry.position)  # type: ignore[arg-type]
    ).all()
    positions = {item_id: pos for item_id, pos in saved}
    ordered = [pos for _, pos in saved]
    placed: list[FinalLine] = []
    for line in lines:
        if line.item_id in positions:
            continue
        if not positions:
            position = line.position
        elif line.previous_item_id in positions:
            prev = positions[line.previous_item_id]
            later = [p for p in ordered if p > prev]
            position = (prev + min(later)) / 2 if later else prev + 1
        else:
            position = max(ordered) + 1
        positions[line.item_id] = position
        ordered = sorted([*ordered, position])
        placed.append(
            FinalLine(
                line.item_id,
                line.role,
                line.text,
                line.previous_item_id,
                position,
                line.started_at,
                line.ended_at,
            )
        )
    return save_lines(session=session, interview_id=interview_id, lines=placed, source="browser")


def revise_line(
    *, session: Session, interview_id: str, revision: LineRevision, only_shorter: bool = True
) -> bool:
    """Apply a revision. From the browser (``only_shorter``) a text may only get shorter; an end must follow the start."""
    entry = session.execute(
        select(TranscriptEntry).where(
            TranscriptEntry.session_id == interview_id, TranscriptEntry.item_id == revision.item_id
        )
    ).scalar_one_or_none()
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
    session.execute(update(TranscriptEntry).where(TranscriptEntry.id == entry.id).values(**values))  # type: ignore[arg-type]
    return True


def apply_changes(
    *,
    session: Session,
    interview_id: str,
    changes: Sequence[FinalLine | LineRevision],
    source: str = "sideband",
) -> int:
    """Save new lines and apply revisions in one transaction; returns how many lines were new."""
    new = save_lines(
        session=session,
        interview_id=interview_id,
        lines=[c for c in changes if isinstance(c, FinalLine)],
        source=source,
    )
    for change in changes:
        if isinstance(change, LineRevision):
            revise_line(
                session=session, interview_id=interview_id, revision=change, only_shorter=source != "sideband"
            )
    return new


def list_lines(*, session: Session, interview_id: str) -> list[TranscriptEntry]:
    return list(
        session.execute(
            select(TranscriptEntry)
            .where(TranscriptEntry.session_id == interview_id)
            .order_by(TranscriptEntry.position, TranscriptEntry.id)  # type: ignore[arg-type]
        ).scalars()
    )


def count_lines(*, session: Session, interview_id: str) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(TranscriptEntry)
            .where(TranscriptEntry.session_id == interview_id)
        ).scalar_one()
    )
