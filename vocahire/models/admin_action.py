"""The audit trail of what administrators did: who, what, to whom, with which details, when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from vocahire.models._base import UTCDateTime, utcnow

ACTION_ADJUST_CREDITS = "adjust_credits"
ACTION_GRANT_PREMIUM = "grant_premium"
ACTION_REVOKE_PREMIUM = "revoke_premium"
ACTION_SOFT_DELETE = "soft_delete_user"
ACTION_RESTORE = "restore_user"
ADMIN_ACTIONS = (
    ACTION_ADJUST_CREDITS,
    ACTION_GRANT_PREMIUM,
    ACTION_REVOKE_PREMIUM,
    ACTION_SOFT_DELETE,
    ACTION_RESTORE,
)


class AdminAction(SQLModel, table=True):
    """One change an administrator made; append-only, written in the same transaction as the change."""

    __tablename__ = "admin_actions"
    __table_args__ = (
        Index("ix_admin_actions_target_created", "target_user_id", "created_at"),
        Index("ix_admin_actions_admin_created", "admin_user_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    admin_user_id: int = Field(foreign_key="users.id")
    action: str = Field(max_length=32)
    target_user_id: int | None = Field(default=None, foreign_key="users.id")
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
