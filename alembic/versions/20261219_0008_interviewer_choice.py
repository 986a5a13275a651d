"""The interviewer chosen at set-up (issue 17): interview_sessions gets the interview's language (ISO-639-1),
the GA Realtime voice (null: the server's REALTIME_VOICE), the style (friendly/neutral/challenging), whether
the interviewer may cut in on a long answer, and how many times it did; transcript_entries marks the
interviewer's lines that were such a cut-in.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-19 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "language", sqlmodel.sql.sqltypes.AutoString(length=8), server_default="en", nullable=False
            )
        )
        batch_op.add_column(sa.Column("voice", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(
            sa.Column(
                "style", sqlmodel.sql.sqltypes.AutoString(length=16), server_default="neutral", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("cut_in_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False)
        )
        batch_op.add_column(sa.Column("cut_ins", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("transcript_entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cut_in", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("transcript_entries", schema=None) as batch_op:
        batch_op.drop_column("cut_in")
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.drop_column("cut_ins")
        batch_op.drop_column("cut_in_enabled")
        batch_op.drop_column("style")
        batch_op.drop_column("voice")
        batch_op.drop_column("language")
