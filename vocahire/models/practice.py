"""The practice queue: answers a candidate should answer again, and when each is due."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from vocahire.models._base import UTCDateTime, utcnow

PRACTICE_ACTIVE = "active"
PRACTICE_REMOVED = "removed"  # the candidate took it out
PRACTICE_MASTERED = "mastered"  # two consecutive attempts scored 8 or more


class PracticeItem(SQLModel, table=True):
    """One answer of one interview in its candidate's practice queue, with its spaced schedule."""

    __tablename__ = "practice_items"
    __table_args__ = (
        UniqueConstraint("interview_id", "answer_number", name="uq_practice_items_answer"),
        Index("ix_practice_items_user_due", "user_id", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id")
    interview_id: str = Field(foreign_key="interview_sessions.id", max_length=32)
    answer_number: int
    question: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    first_score: int
    last_score: int
    attempts: int = Field(default=0)
    step: int = Field(default=0)  # attempts in a row scoring 7+: picks the next interval
    high_streak: int = Field(default=0)  # attempts in a row scoring 8+
    status: str = Field(default=PRACTICE_ACTIVE, max_length=16)
    due_at: datetime = Field(sa_type=UTCDateTime)
    snoozed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
