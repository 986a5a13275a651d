"""Generated feedback for one interview session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from vocahire.models._base import UTCDateTime, utcnow


class Feedback(SQLModel, table=True):
    """The AI part (scores, strengths, per-question notes) and the measured speech figures."""

    __tablename__ = "feedback"

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="interview_sessions.id", unique=True, max_length=32)
    overall_score: int | None = Field(default=None)
    categories: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    strengths: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    improvements: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    questions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    model: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    viewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # first shown to its candidate
