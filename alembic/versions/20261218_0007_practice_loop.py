"""The practice loop (issue 16): interview_sessions gets a kind ("interview" or "redo") and, for a redo, the
interview and answer it practises again with the question and the conversation's summary the interviewer
is given; practice_items holds each candidate's queue of answers to practise, with its spaced schedule.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-18 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "practice_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("interview_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("answer_number", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("first_score", sa.Integer(), nullable=False),
        sa.Column("last_score", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("high_streak", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["interview_id"], ["interview_sessions.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("interview_id", "answer_number", name="uq_practice_items_answer"),
    )
    with op.batch_alter_table("practice_items", schema=None) as batch_op:
        batch_op.create_index("ix_practice_items_user_due", ["user_id", "status", "due_at"], unique=False)

    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                server_default="interview",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("redo_of", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("redo_answer", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("redo_question", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("redo_context", sa.Text(), nullable=True))
        batch_op.create_index("ix_interview_sessions_redo_of", ["redo_of", "redo_answer"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_interview_sessions_redo_of")
        batch_op.drop_column("redo_context")
        batch_op.drop_column("redo_question")
        batch_op.drop_column("redo_answer")
        batch_op.drop_column("redo_of")
        batch_op.drop_column("kind")
    with op.batch_alter_table("practice_items", schema=None) as batch_op:
        batch_op.drop_index("ix_practice_items_user_due")
    op.drop_table("practice_items")
