"""Feedback anchored in the transcript (issue 15): feedback.format_version, rubric, headline,
fix_first, answers (a scored note per answer), dropped_citations / repaired_citations.

Rows written before keep format_version 1 (plain-text points, no citations) and still render.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-16 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("format_version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column(
                "rubric", sqlmodel.sql.sqltypes.AutoString(length=32), server_default="", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "headline", sqlmodel.sql.sqltypes.AutoString(length=1000), server_default="", nullable=False
            )
        )
        batch_op.add_column(sa.Column("fix_first", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("answers", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column("dropped_citations", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("repaired_citations", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_column("repaired_citations")
        batch_op.drop_column("dropped_citations")
        batch_op.drop_column("answers")
        batch_op.drop_column("fix_first")
        batch_op.drop_column("headline")
        batch_op.drop_column("rubric")
        batch_op.drop_column("format_version")
