"""Interview sessions and their transcript lines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from vocahire.models._base import UTCDateTime, new_id, utcnow

STATUS_STARTING = "starting"
STATUS_ACTIVE = "active"
STATUS_COMPLETED = "completed"
STATUS_FAILED = "failed"
LIVE_STATUSES = (STATUS_STARTING, STATUS_ACTIVE)

# What a session is: a whole mock interview, or a redo of one of its answers ("Practise this answer again").
KIND_INTERVIEW = "interview"
KIND_REDO = "redo"

FEEDBACK_NONE = "none"
FEEDBACK_PENDING = "pending"
FEEDBACK_GENERATING = "generating"
FEEDBACK_COMPLETED = "completed"
FEEDBACK_FAILED = "failed"

_LIVE_SQL = "status IN ('starting', 'active')"


class InterviewSession(SQLModel, table=True):
    """One mock interview, from set-up to feedback."""

    __tablename__ = "interview_sessions"
    __table_args__ = (
        Index("ix_interview_sessions_user_created", "user_id", "created_at"),
        Index("ix_interview_sessions_status", "status"),
        Index("ix_interview_sessions_feedback_queue", "feedback_status", "feedback_next_attempt_at"),
        Index("ix_interview_sessions_redo_of", "redo_of", "redo_answer"),
        # At most one live interview per user, enforced by the database itself.
        Index(
            "uq_interview_sessions_one_live_per_user",
            "user_id",
            unique=True,
            sqlite_where=text(_LIVE_SQL),
            postgresql_where=text(_LIVE_SQL),
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="users.id")
    job_title: str = Field(max_length=200)
    job_description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    resume_text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    resume_filename: str | None = Field(default=None, max_length=255)
    interview_type: str = Field(default="mixed", max_length=32)
    difficulty: str = Field(default="medium", max_length=32)
    duration_minutes: int = Field(default=20)
    pace: str = Field(default="patient", max_length=16)
    kind: str = Field(
        default=KIND_INTERVIEW, max_length=16, sa_column_kwargs={"server_default": KIND_INTERVIEW}
    )
    # A redo: the interview whose answer is practised again, that answer's number, its question and a
    # summary of the conversation up to it (what the interviewer is told).
    redo_of: str | None = Field(default=None, max_length=32)
    redo_answer: int | None = Field(default=None)
    redo_question: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    redo_context: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The interviewer chosen at set-up (issue 17): language (ISO-639-1), GA Realtime voice (None: the
    # server's REALTIME_VOICE), style (friendly/neutral/challenging), whether it may cut in on a long
    # answer, and how many times it did.
    language: str = Field(default="en", max_length=8, sa_column_kwargs={"server_default": "en"})
    voice: str | None = Field(default=None, max_length=32)
    style: str = Field(default="neutral", max_length=16, sa_column_kwargs={"server_default": "neutral"})
    cut_in_enabled: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})
    cut_ins: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    status: str = Field(default=STATUS_STARTING, max_length=16)
    credits_charged_cents: int = Field(default=0)
    openai_call_id: str | None = Field(default=None, max_length=255)
    # When the candidate's browser last said its call is up: the sideband, on whichever worker, greets then.
    browser_connected_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Which backend process watches the call over the sideband, and until when (renewed while it does):
    # one watcher per call across workers; an expired lease is taken over (services/.../sideband_lease.py).
    sideband_owner: str | None = Field(default=None, max_length=32)
    sideband_lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    error_message: str | None = Field(default=None, max_length=500)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_reason: str | None = Field(default=None, max_length=32)
    duration_seconds: int | None = Field(default=None)
    avg_response_seconds: float | None = Field(default=None)
    feedback_status: str = Field(default=FEEDBACK_NONE, max_length=16)
    feedback_attempts: int = Field(default=0)
    feedback_next_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    feedback_claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    feedback_completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    feedback_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TranscriptEntry(SQLModel, table=True):
    """A final line of the conversation; the realtime item id makes saving it idempotent."""

    __tablename__ = "transcript_entries"
    __table_args__ = (
        UniqueConstraint("session_id", "item_id", name="uq_transcript_entries_session_item"),
        Index("ix_transcript_entries_session_position", "session_id", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="interview_sessions.id", max_length=32)
    role: str = Field(max_length=16)  # "interviewer" | "candidate"
    text: str = Field(sa_column=Column(Text, nullable=False))
    item_id: str = Field(max_length=128)
    previous_item_id: str | None = Field(default=None, max_length=128)
    # Conversation order (derived from previous_item_id), not arrival order.
    position: float = Field(default=0)
    source: str = Field(default="sideband", max_length=16)  # "sideband" | "browser"
    # The interviewer's polite cut-in on a long answer (issue 17), as the sideband asked for it.
    cut_in: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
