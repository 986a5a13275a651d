"""Model usage per interview: each upstream report once, and the interview's running totals per model.

Counts are tokens by kind (the uncached part of each input kind, cached input apart, output) and
milliseconds of audio for models billed by duration. Cost is in nano-USD (1e-9 USD), priced with the
price table in force when the usage was recorded. ``interview_costs`` keeps each interview's total with
its candidate and start, for the admin economics queries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from vocahire.models._base import UTCDateTime, utcnow
from vocahire.models.interview import InterviewSession

SOURCE_REALTIME = "realtime"  # the interviewer's responses (response.done)
SOURCE_TRANSCRIPTION = "transcription"  # the candidate's speech transcribed during the call
SOURCE_FEEDBACK = "feedback"  # the written feedback call
USAGE_SOURCES = (SOURCE_REALTIME, SOURCE_TRANSCRIPTION, SOURCE_FEEDBACK)

# The counted kinds: a column on both tables, a price kind in settings (audio_ms -> "audio_minute").
TOKEN_KINDS = (
    "text_input",
    "cached_text_input",
    "audio_input",
    "cached_audio_input",
    "image_input",
    "cached_image_input",
    "text_output",
    "audio_output",
)


def _count() -> int:
    return Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))


class ModelUsageEvent(SQLModel, table=True):
    """One usage report (a ``response.done``, a transcription, a feedback call), kept once by its key."""

    __tablename__ = "model_usage_events"
    __table_args__ = (
        UniqueConstraint("session_id", "source", "event_key", name="uq_model_usage_events_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="interview_sessions.id", max_length=32)
    source: str = Field(max_length=16)
    # The response id, the transcribed item (and content index), or the feedback attempt.
    event_key: str = Field(max_length=160)
    model: str = Field(max_length=64)
    text_input: int = _count()
    cached_text_input: int = _count()
    audio_input: int = _count()
    cached_audio_input: int = _count()
    image_input: int = _count()
    cached_image_input: int = _count()
    text_output: int = _count()
    audio_output: int = _count()
    audio_ms: int = _count()
    cost_nanousd: int = _count()
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InterviewModelUsage(SQLModel, table=True):
    """One interview's usage of one model for one purpose, summed as reports arrive."""

    __tablename__ = "interview_model_usage"
    __table_args__ = (
        UniqueConstraint("session_id", "source", "model", name="uq_interview_model_usage"),
        # A range's usage per purpose and model without touching the interviews (covers the cost too).
        Index("ix_interview_model_usage_started", "started_at", "source", "model", "cost_nanousd"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="interview_sessions.id", max_length=32)
    source: str = Field(max_length=16)
    model: str = Field(max_length=64)
    # The interview's created_at (the day it counts on), copied so range queries need no join.
    started_at: datetime = Field(sa_type=UTCDateTime)
    events: int = Field(default=0)
    text_input: int = _count()
    cached_text_input: int = _count()
    audio_input: int = _count()
    cached_audio_input: int = _count()
    image_input: int = _count()
    cached_image_input: int = _count()
    text_output: int = _count()
    audio_output: int = _count()
    audio_ms: int = _count()
    cost_nanousd: int = _count()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InterviewCost(SQLModel, table=True):
    """One interview's model cost so far, all sources and models together, with who and when: the row the
    economics queries read per interview (kept with the totals, in the same transaction)."""

    __tablename__ = "interview_costs"
    __table_args__ = (
        Index("ix_interview_costs_started", "started_at", "cost_nanousd"),
        Index("ix_interview_costs_user", "user_id", "started_at"),
    )

    session_id: str = Field(primary_key=True, foreign_key="interview_sessions.id", max_length=32)
    user_id: int = Field(foreign_key="users.id")
    # The interview's created_at: the day it counts on, like everywhere on the admin page.
    started_at: datetime = Field(sa_type=UTCDateTime)
    cost_nanousd: int = _count()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# The economics queries pick the interviews started in a range, then join their usage: by start time.
# (Declared here with the usage tables it serves; it belongs to interview_sessions, migration 0006.)
Index("ix_interview_sessions_created", InterviewSession.__table__.c.created_at)  # type: ignore[attr-defined]
