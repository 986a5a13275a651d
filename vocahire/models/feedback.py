"""Generated feedback for one interview session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, text
from sqlmodel import Field, SQLModel

from vocahire.models._base import UTCDateTime, utcnow

# Format 1 (before rubrics): five fixed categories out of 100, plain-text strengths, improvements and
# per-question notes. Format 2: the interview type's rubric (categories out of 10), every point with
# its transcript citations, a "fix this first" item and a note with a score per answer.
FORMAT_PLAIN = 1
FORMAT_ANCHORED = 2
# Format 3: a graded redo of one answer (issue 16): ``answers`` holds that attempt, ``metrics`` its figures.
FORMAT_ATTEMPT = 3


class Feedback(SQLModel, table=True):
    """The AI part (scores, strengths, per-answer notes, their citations) and the measured speech figures."""

    __tablename__ = "feedback"

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="interview_sessions.id", unique=True, max_length=32)
    overall_score: int | None = Field(default=None)
    categories: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Format 1: strings; format 2: {"text", "citations": [{"line": transcript row id, "quote"}]}.
    strengths: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    improvements: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    questions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    format_version: int = Field(default=FORMAT_PLAIN, sa_column_kwargs={"server_default": "1"})
    rubric: str = Field(default="", max_length=32, sa_column_kwargs={"server_default": ""})
    headline: str = Field(default="", max_length=1000, sa_column_kwargs={"server_default": ""})
    fix_first: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    answers: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default=text("'[]'"))
    )
    # Citations the AI gave that named no line, quoted words not in it, or the wrong speaker.
    dropped_citations: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    repaired_citations: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    model: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    viewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # first shown to its candidate
