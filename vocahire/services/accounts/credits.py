"""Credit balances and the ledger: every change is a ledger row and an atomic, conditional update."""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, func

from vocahire.errors import InsufficientCredits, InvalidInput, NotFound
from vocahire.infra import cache
from vocahire.models import CreditLedgerEntry, User, utcnow
from vocahire.models.ledger import KIND_GRANT, KIND_INTERVIEW_DEBIT, KIND_REFUND, LEDGER_KINDS

SIGNUP_GRANT = Decimal("3.00")
INTERVIEW_COST = Decimal("1.00")
MINIMUM_TO_START = Decimal("0.50")


def to_cents(amount: Decimal) -> int:
    """Exact Decimal -> integer hundredths (rejects floats so rounding never sneaks in)."""
    if not isinstance(amount, Decimal):
        raise TypeError("credit amounts must be Decimal")
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def interview_cost_cents(balance_cents: int) -> int:
    """1.00, or the whole balance when it is between 0.50 and 1.00; never more than the balance."""
    return min(to_cents(INTERVIEW_COST), balance_cents)


def get_balance(*, session: Session, user_id: int) -> Decimal:
    cents = session.execute(
        select(col(User.credits_cents)).where(col(User.id) == user_id)
    ).scalar_one_or_none()
    if cents is None:
        raise NotFound("User not found.")
    return from_cents(cents)


def ledger_sum(*, session: Session, user_id: int) -> Decimal:
    """The sum of a user's ledger rows (the balance must always equal it)."""
    total = session.execute(
        select(func.coalesce(func.sum(CreditLedgerEntry.amount_cents), 0)).where(
            col(CreditLedgerEntry.user_id) == user_id
        )
    ).scalar_one()
    return from_cents(int(total))


def apply_credit_change(
    *,
    session: Session,
    user_id: int,
    amount_cents: int,
    kind: str,
    reason: str,
    idempotency_key: str,
    actor_user_id: int | None = None,
    clamp_at_zero: bool = False,
    balance_read: int | None = None,
    new_key: bool = False,
) -> CreditLedgerEntry | None:
    """Apply one ledger change exactly once.

    Returns the new entry, or ``None`` when ``idempotency_key`` was already applied.
    A debit that would go below zero raises ``InsufficientCredits``; with
    ``clamp_at_zero`` it takes what is there instead (chargebacks, refunds).
    ``balance_read``: the balance this transaction already read (the compare-and-set tries it first, so
    a start doesn't read it twice); ``new_key``: the key names something this transaction just created,
    so it can't have been applied (the insert's ON CONFLICT still guards it).
    """
    if kind not in LEDGER_KINDS:
        raise InvalidInput(f"Unknown ledger kind {kind!r}.")
    if not reason.strip():
        raise InvalidInput("A reason is required for every credit change.")
    if (
        not new_key
        and session.execute(
            select(col(CreditLedgerEntry.id)).where(col(CreditLedgerEntry.idempotency_key) == idempotency_key)
        ).first()
    ):
        return None
    changed = _change_balance(
        session,
        user_id=user_id,
        amount_cents=amount_cents,
        kind=kind,
        reason=reason,
        idempotency_key=idempotency_key,
        actor_user_id=actor_user_id,
        clamp_at_zero=clamp_at_zero,
        balance_read=balance_read,
    )
    if changed is None:
        return None
    entry_id, values = changed
    # The saved row as a persistent object of this session (as a flushed one was), with no read back.
    entry = CreditLedgerEntry(id=entry_id, **values)
    make_transient_to_detached(entry)
    session.add(entry)
    return entry


# The balance's compare-and-set, its undo and the ledger insert: Core statements built once and run on the
# session's connection (no ORM statement processing, compiled once per process), the way a start runs them.
_USERS: Any = sa_inspect(User).local_table
_LEDGER: Any = sa_inspect(CreditLedgerEntry).local_table
_READ_BALANCE = select(_USERS.c.credits_cents).where(_USERS.c.id == bindparam("user_id"))
_SET_BALANCE = (
    update(_USERS)
    .where(_USERS.c.id == bindparam("user_id"), _USERS.c.credits_cents == bindparam("expected"))
    .values(credits_cents=bindparam("balance"), updated_at=func.now())
)
_UNDO_BALANCE = (
    update(_USERS)
    .where(_USERS.c.id == bindparam("user_id"))
    .values(credits_cents=_USERS.c.credits_cents - bindparam("applied"))
)


@functools.cache
def _ledger_insert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (idempotency key) DO NOTHING RETURNING the id: no savepoint, any database."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(_LEDGER).on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(_LEDGER.c.id)


def _change_balance(
    session: Session,
    *,
    user_id: int,
    amount_cents: int,
    kind: str,
    reason: str,
    idempotency_key: str,
    actor_user_id: int | None = None,
    clamp_at_zero: bool = False,
    balance_read: int | None = None,
) -> tuple[int, dict[str, Any]] | None:
    """The balance change and its ledger row (``apply_credit_change``); the entry's id and values, or
    ``None`` when another transaction applied ``idempotency_key`` first."""
    connection = session.connection()
    balance, given = balance_read, balance_read is not None
    for _attempt in range(20):
        if balance is None:
            balance = connection.execute(_READ_BALANCE, {"user_id": user_id}).scalar_one_or_none()
            if balance is None:
                raise NotFound("User not found.")
        applied = amount_cents
        if balance + applied < 0:
            if given:  # the caller's reading may be out of date: refuse or clamp only on a fresh one
                balance, given = None, False
                continue
            if not clamp_at_zero:
                raise InsufficientCredits(from_cents(balance), from_cents(-amount_cents))
            applied = -balance
        # Compare-and-set: a concurrent change makes this match nothing, and we re-read.
        params = {"user_id": user_id, "expected": balance, "balance": balance + applied}
        if connection.execute(_SET_BALANCE, params).rowcount == 1:
            break
        balance, given = None, False
    else:  # pragma: no cover - only under pathological contention
        raise InvalidInput("Your balance is changing too fast; please try again.")
    values: dict[str, Any] = {
        "user_id": user_id,
        "amount_cents": applied,
        "kind": kind,
        "reason": reason[:500],
        "idempotency_key": idempotency_key,
        "actor_user_id": actor_user_id,
        "created_at": utcnow(),
    }
    saved = connection.execute(_ledger_insert(connection.dialect.name), values).first()
    if saved is None:
        # Another transaction applied the same key between our check and insert: undo our update.
        connection.execute(_UNDO_BALANCE, {"user_id": user_id, "applied": applied})
        return None
    # An account this session already loaded shows the new balance (as the ORM's own update kept it).
    loaded = session.identity_map.get(identity_key(User, user_id))
    if loaded is not None:
        set_committed_value(loaded, "credits_cents", balance + applied)
    # Balances are cached (vocahire.infra.cache): drop this user's entry once the change commits.
    cache.invalidate_user_on_commit(session, user_id)
    return saved[0], values


def grant_signup_credits(*, session: Session, user_id: int) -> CreditLedgerEntry | None:
    """The one-time 3.00 welcome grant (keyed by user, so it can never happen twice)."""
    return apply_credit_change(
        session=session,
        user_id=user_id,
        amount_cents=to_cents(SIGNUP_GRANT),
        kind=KIND_GRANT,
        reason="Welcome grant for a new account",
        idempotency_key=f"signup-grant:{user_id}",
    )


def reserve_interview_credit(*, session: Session, user_id: int, interview_id: str) -> int:
    """Debit the interview's cost atomically; returns the cents taken. Refuses below 0.50."""
    balance = session.execute(
        select(col(User.credits_cents)).where(col(User.id) == user_id)
    ).scalar_one_or_none()
    if balance is None:
        raise NotFound("User not found.")
    cost = interview_charge_cents(balance)
    return debit_interview(session=session, user_id=user_id, interview_id=interview_id, cost_cents=cost)


def interview_charge_cents(balance_cents: int) -> int:
    """What starting an interview takes from ``balance_cents``; ``InsufficientCredits`` below 0.50."""
    if balance_cents < to_cents(MINIMUM_TO_START):
        raise InsufficientCredits(from_cents(balance_cents), MINIMUM_TO_START)
    return interview_cost_cents(balance_cents)


def debit_interview(
    *, session: Session, user_id: int, interview_id: str, cost_cents: int, balance_read: int | None = None
) -> int:
    """Debit a new interview's ``cost_cents`` (``interview_charge_cents``) once; returns the cents taken.

    ``interview_id`` is the session this transaction just created; ``balance_read`` the balance the charge
    was computed from (``apply_credit_change``)."""
    return _debit_session(
        session, user_id, interview_id, cost_cents, "Practice interview", MINIMUM_TO_START, balance_read
    )


def reserve_redo_credit(
    *, session: Session, user_id: int, interview_id: str, price: Decimal, balance_read: int | None = None
) -> int:
    """Debit one answer's redo (``price``, e.g. 0.25) atomically; returns the cents taken.

    Keyed like an interview's debit, so ``refund_interview_credit`` gives it back the same way."""
    cost = to_cents(price)
    if cost <= 0:
        return 0
    return _debit_session(
        session, user_id, interview_id, cost, "Practice: one answer again", price, balance_read
    )


def _debit_session(
    session: Session,
    user_id: int,
    interview_id: str,
    cost: int,
    reason: str,
    needed: Decimal,
    balance_read: int | None = None,
) -> int:
    """Debit a live session's cost once (keyed by the session, which ``refund_interview_credit`` reads);
    returns the cents taken. A balance that dropped meanwhile (a concurrent start) refuses with ``needed``."""
    # Keyed by the session its caller has just created, so the key can't have been applied (a repeat is
    # still refused by the ledger insert's ON CONFLICT); no ledger object is needed, only what was taken.
    try:
        changed = _change_balance(
            session,
            user_id=user_id,
            amount_cents=-cost,
            kind=KIND_INTERVIEW_DEBIT,
            reason=reason,
            idempotency_key=f"interview-debit:{interview_id}",
            balance_read=balance_read,
        )
    except InsufficientCredits:
        raise InsufficientCredits(get_balance(session=session, user_id=user_id), needed) from None
    return -changed[1]["amount_cents"] if changed else 0


def refund_interview_credit(*, session: Session, user_id: int, interview_id: str, reason: str) -> int:
    """Give back exactly what the interview's debit took (once); returns cents refunded."""
    debit = session.execute(
        select(col(CreditLedgerEntry.amount_cents)).where(
            col(CreditLedgerEntry.idempotency_key) == f"interview-debit:{interview_id}"
        )
    ).scalar_one_or_none()
    if not debit:
        return 0
    entry = apply_credit_change(
        session=session,
        user_id=user_id,
        amount_cents=-debit,
        kind=KIND_REFUND,
        reason=reason,
        idempotency_key=f"interview-refund:{interview_id}",
    )
    return entry.amount_cents if entry else 0
