"""Model usage per interview (issue 18): model_usage_events (each upstream usage report once, by its
response / item / attempt key) and interview_model_usage (an interview's running totals per source and
model: token counts by kind, audio milliseconds, cost in nano-USD) and interview_costs (each interview's
total with its user and start, what the admin economics read); interview_sessions gets an index on
created_at (the economics queries pick a range's interviews by it).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-17 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = (
    "text_input",
    "cached_text_input",
    "audio_input",
    "cached_audio_input",
    "image_input",
    "cached_image_input",
    "text_output",
    "audio_output",
    "audio_ms",
    "cost_nanousd",
)


def _counts() -> list[sa.Column]:
    return [sa.Column(name, sa.BigInteger(), nullable=False) for name in COUNTS]


def upgrade() -> None:
    op.create_table(
        "interview_model_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        *_counts(),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["interview_sessions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "source", "model", name="uq_interview_model_usage"),
    )
    with op.batch_alter_table("interview_model_usage", schema=None) as batch_op:
        batch_op.create_index(
            "ix_interview_model_usage_started",
            ["started_at", "source", "model", "cost_nanousd"],
            unique=False,
        )
    op.create_table(
        "model_usage_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("event_key", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        *_counts(),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["interview_sessions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "source", "event_key", name="uq_model_usage_events_key"),
    )

    op.create_table(
        "interview_costs",
        sa.Column("session_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cost_nanousd", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["interview_sessions.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("session_id"),
    )
    with op.batch_alter_table("interview_costs", schema=None) as batch_op:
        batch_op.create_index("ix_interview_costs_started", ["started_at", "cost_nanousd"], unique=False)
        batch_op.create_index("ix_interview_costs_user", ["user_id", "started_at"], unique=False)
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_interview_sessions_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_interview_sessions_created")
    with op.batch_alter_table("interview_costs", schema=None) as batch_op:
        batch_op.drop_index("ix_interview_costs_user")
        batch_op.drop_index("ix_interview_costs_started")
    op.drop_table("interview_costs")
    op.drop_table("model_usage_events")
    with op.batch_alter_table("interview_model_usage", schema=None) as batch_op:
        batch_op.drop_index("ix_interview_model_usage_started")
    op.drop_table("interview_model_usage")
