"""A candidate's practice queue: answers scoring below 7 enter it, each attempt reschedules its answer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from vocahire.errors import InvalidInput, NotFound
from vocahire.models import InterviewSession, PracticeItem, utcnow
from vocahire.models.practice import PRACTICE_ACTIVE, PRACTICE_MASTERED, PRACTICE_REMOVED
from vocahire.services.practice import schedule

SNOOZE_DAYS = (1, 3, 7)


@dataclass(frozen=True)
class QueueEntry:
    """One answer due for practice, as the dashboard shows it."""

    item_id: int
    interview_id: str
    answer_number: int
    question: str
    last_score: int
    attempts: int
    asked_at: datetime  # when the interview it comes from took place
    due_at: datetime


@dataclass(frozen=True)
class QueueSummary:
    due: int
    top: QueueEntry | None


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def enter_low_scoring(
    *,
    session: Session,
    user_id: int,
    interview_id: str,
    answers: Iterable[dict[str, Any]],
    now: datetime | None = None,
) -> int:
    """Every answer note scoring below 7 joins the queue, due now (once: a second call adds nothing)."""
    now = now or utcnow()
    added = 0
    for answer in answers:
        score, number = answer.get("score"), answer.get("number")
        if not isinstance(score, int) or not isinstance(number, int) or not schedule.enters_queue(score):
            continue
        first = schedule.first_schedule(now)
        inserted = session.exec(
            _insert(session)(PracticeItem)
            .values(
                user_id=user_id,
                interview_id=interview_id,
                answer_number=number,
                question=str(answer.get("question") or "")[:2000],
                first_score=score,
                last_score=score,
                attempts=0,
                step=first.step,
                high_streak=first.high_streak,
                status=PRACTICE_ACTIVE,
                due_at=first.due_at,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing()
        )
        added += max(0, inserted.rowcount or 0)
    return added


def record_attempt(
    *,
    session: Session,
    user_id: int,
    interview_id: str,
    answer_number: int,
    question: str,
    first_score: int | None,
    score: int,
    at: datetime | None = None,
) -> PracticeItem | None:
    """A graded redo of one answer: its queue item moves on by the schedule (a low-scoring answer that
    wasn't queued joins it). Returns the item, or None when the answer isn't (and needn't be) queued."""
    at = at or utcnow()
    item = session.exec(
        select(PracticeItem).where(
            col(PracticeItem.interview_id) == interview_id, col(PracticeItem.answer_number) == answer_number
        )
    ).first()
    if item is None:
        if score >= schedule.ENTERS_BELOW:
            return None
        enter_low_scoring(
            session=session,
            user_id=user_id,
            interview_id=interview_id,
            answers=[
                {
                    "number": answer_number,
                    "score": first_score if first_score is not None else score,
                    "question": question,
                }
            ],
            now=at,
        )
        item = session.exec(
            select(PracticeItem).where(
                col(PracticeItem.interview_id) == interview_id,
                col(PracticeItem.answer_number) == answer_number,
            )
        ).one()
    item.attempts += 1
    item.last_score = score
    item.last_attempt_at = at
    item.updated_at = at
    if item.status == PRACTICE_ACTIVE:
        current = schedule.Schedule(due_at=item.due_at, step=item.step, high_streak=item.high_streak)
        after = schedule.after_attempt(current, score, at)
        item.due_at, item.step, item.high_streak = after.due_at, after.step, after.high_streak
        item.snoozed_until = None
        if after.mastered:
            item.status = PRACTICE_MASTERED
    session.add(item)
    session.flush()
    return item


def _due(now: datetime) -> list[Any]:
    return [
        col(PracticeItem.status) == PRACTICE_ACTIVE,
        col(PracticeItem.due_at) <= now,
        or_(col(PracticeItem.snoozed_until).is_(None), col(PracticeItem.snoozed_until) <= now),
        col(InterviewSession.deleted_at).is_(None),
    ]


def due_entries(
    *, session: Session, user_id: int, now: datetime | None = None, limit: int = 20
) -> list[QueueEntry]:
    """Answers due now, weakest first (then the longest waiting)."""
    now = now or utcnow()
    rows = session.exec(
        select(PracticeItem, col(InterviewSession.created_at))
        .join(InterviewSession, col(InterviewSession.id) == col(PracticeItem.interview_id))
        .where(col(PracticeItem.user_id) == user_id, *_due(now))
        .order_by(col(PracticeItem.last_score), col(PracticeItem.due_at), col(PracticeItem.id))
        .limit(limit)
    ).all()
    return [
        QueueEntry(
            item_id=item.id or 0,
            interview_id=item.interview_id,
            answer_number=item.answer_number,
            question=item.question,
            last_score=item.last_score,
            attempts=item.attempts,
            asked_at=asked_at,
            due_at=item.due_at,
        )
        for item, asked_at in rows
    ]


def queue_summary(*, session: Session, user_id: int, now: datetime | None = None) -> QueueSummary:
    """How many answers are due, and the one to practise first."""
    entries = due_entries(session=session, user_id=user_id, now=now, limit=200)
    return QueueSummary(due=len(entries), top=entries[0] if entries else None)


def _owned_item(session: Session, user_id: int, item_id: Any) -> PracticeItem:
    item = session.get(PracticeItem, item_id) if isinstance(item_id, int) and item_id > 0 else None
    if item is None or item.user_id != user_id or item.status != PRACTICE_ACTIVE:
        raise NotFound("That answer is no longer in your practice queue.")
    return item


def remove_item(*, session: Session, user_id: int, item_id: Any, now: datetime | None = None) -> None:
    """The candidate takes an answer out of the queue."""
    item = _owned_item(session, user_id, item_id)
    item.status, item.updated_at = PRACTICE_REMOVED, now or utcnow()
    session.add(item)


def snooze_item(
    *, session: Session, user_id: int, item_id: Any, days: Any, now: datetime | None = None
) -> datetime:
    """Hide an answer from the due list for a few days (its schedule itself doesn't move)."""
    if days not in SNOOZE_DAYS:
        raise InvalidInput("Choose to snooze for 1, 3 or 7 days.")
    now = now or utcnow()
    item = _owned_item(session, user_id, item_id)
    item.snoozed_until, item.updated_at = now + timedelta(days=days), now
    session.add(item)
    return item.snoozed_until


def remove_for_interview(*, session: Session, interview_id: str) -> int:
    """A deleted interview's answers leave the queue."""
    result = session.exec(delete(PracticeItem).where(col(PracticeItem.interview_id) == interview_id))
    return int(result.rowcount or 0)


def remove_for_user(*, session: Session, user_id: int) -> int:
    result = session.exec(delete(PracticeItem).where(col(PracticeItem.user_id) == user_id))
    return int(result.rowcount or 0)


def export_items(*, session: Session, user_id: int) -> list[dict[str, Any]]:
    """The queue as the candidate's data export lists it."""
    items = session.exec(
        select(PracticeItem).where(col(PracticeItem.user_id) == user_id).order_by(col(PracticeItem.id))
    ).all()

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return [
        {
            "interview_id": i.interview_id,
            "answer_number": i.answer_number,
            "question": i.question,
            "first_score": i.first_score,
            "last_score": i.last_score,
            "attempts": i.attempts,
            "status": i.status,
            "due_at": iso(i.due_at),
            "snoozed_until": iso(i.snoozed_until),
            "last_attempt_at": iso(i.last_attempt_at),
        }
        for i in items
    ]
