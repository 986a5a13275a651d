"""Database helpers shared by the webhook effects: locked upserts and finding the user behind Stripe ids."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col

from vocahire.models import User

M = TypeVar("M", bound=SQLModel)


def locked_row(session: Session, model: type[M], column: str, value: str, defaults: dict[str, Any]) -> M:
    """The row with ``column == value``, created if missing, locked for the transaction (``FOR UPDATE``).

    Concurrent deliveries touching the same payment or subscription queue up on the lock
    instead of both reading the old state.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(model).values({column: value, **defaults}).on_conflict_do_nothing(index_elements=[column])
    )
    stmt = (
        select(model)
        .where(getattr(model, column) == value)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(stmt).scalar_one()


def user_exists(session: Session, user_id: int) -> bool:
    return session.execute(select(col(User.id)).where(col(User.id) == user_id)).first() is not None


def user_from_metadata(session: Session, metadata: dict[str, str], *extra_ids: str | None) -> int | None:
    """The ``user_id`` we put in metadata / ``client_reference_id`` at checkout, when it names a real user."""
    for raw in (*extra_ids, metadata.get("user_id")):
        if raw and raw.isdigit() and len(raw) < 19 and user_exists(session, int(raw)):
            return int(raw)
    return None


def user_for_customer(session: Session, customer_id: str | None) -> int | None:
    if not customer_id:
        return None
    return session.execute(
        select(col(User.id)).where(col(User.stripe_customer_id) == customer_id)
    ).scalar_one_or_none()
