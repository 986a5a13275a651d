"""When a practised answer is next due: a small spaced schedule, plain Python with no database.

An answer scoring below 7 is due now. Each attempt scoring 7 or more pushes it 1, 3, 7, then 14 days
after that attempt (14 days from then on); an attempt below 7 makes it due again at once. Two
consecutive attempts scoring 8 or more and it leaves the queue (mastered).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

ENTERS_BELOW = 7  # an answer scoring less than this enters the queue
GOOD_SCORE = 7  # an attempt at least this good spaces the next one out
MASTERED_SCORE = 8  # two attempts in a row at least this good: the answer leaves the queue
MASTERED_STREAK = 2
INTERVAL_DAYS = (1, 3, 7, 14)


@dataclass(frozen=True)
class Schedule:
    """An answer's place in the schedule."""

    due_at: datetime
    step: int = 0  # attempts in a row scoring GOOD_SCORE or more
    high_streak: int = 0  # attempts in a row scoring MASTERED_SCORE or more
    mastered: bool = False


def enters_queue(score: int) -> bool:
    return score < ENTERS_BELOW


def first_schedule(now: datetime) -> Schedule:
    """A low-scoring answer enters the queue due now."""
    return Schedule(due_at=now)


def interval_after(step: int) -> timedelta:
    """The wait after the ``step``-th good attempt in a row (1-based)."""
    return timedelta(days=INTERVAL_DAYS[min(max(step, 1), len(INTERVAL_DAYS)) - 1])


def after_attempt(schedule: Schedule, score: int, at: datetime) -> Schedule:
    """The schedule after an attempt scoring ``score`` (0-10) at ``at``."""
    if schedule.mastered:
        return schedule
    high_streak = schedule.high_streak + 1 if score >= MASTERED_SCORE else 0
    if score < GOOD_SCORE:
        return replace(schedule, due_at=at, step=0, high_streak=0)
    step = schedule.step + 1
    return Schedule(
        due_at=at + interval_after(step),
        step=step,
        high_streak=high_streak,
        mastered=high_streak >= MASTERED_STREAK,
    )
