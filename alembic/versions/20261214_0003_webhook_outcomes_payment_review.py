"""processed_webhook_events.outcome/reason (signed events refused as malformed are remembered);
stripe_payments.review_reason (money that matched no offer waits for an admin)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-14 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_webhook_events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "outcome",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                server_default="applied",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    with op.batch_alter_table("stripe_payments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_reason", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("stripe_payments", schema=None) as batch_op:
        batch_op.drop_column("review_reason")
    with op.batch_alter_table("processed_webhook_events", schema=None) as batch_op:
        batch_op.drop_column("reason")
        batch_op.drop_column("outcome")
