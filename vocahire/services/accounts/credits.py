"""Credit balances and the ledger: every change is a ledger row and an atomic, conditional update."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached
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
    balance, given = balance_read, balance_read is not None
    for _attempt in range(20):
        if balance is None:
            balance = session.execute(
                select(col(User.credits_cents)).where(col(User.id) == user_id)
            ).scalar_one_or_none()
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
        result = session.exec(
            update(User)
            .where(col(User.id) == user_id, col(User.credits_cents) == balance)
            .values(credits_cents=balance + applied, updated_at=func.now())
        )
        if result.rowcount == 1:
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
    # One statement (no savepoint): ON CONFLICT DO NOTHING leaves the transaction usable on every database.
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    saved = session.execute(
        insert(CreditLedgerEntry)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(col(CreditLedgerEntry.id))
    ).first()
    if saved is None:
        # Another transaction applied the same key between our check and insert: undo our update.
        session.execute(
            update(User)
            .where(col(User.id) == user_id)
            .values(credits_cents=col(User.credits_cents) - applied)
        )
        return None
    # The saved row as a persistent object of this session (as a flushed one was), with no read back.
    entry = CreditLedgerEntry(id=saved[0], **values)
    make_transient_to_detached(entry)
    session.add(entry)
    # Balances are cached (vocahire.infra.cache): drop this user's entry once the change commits.
    cache.invalidate_user_on_commit(session, user_id)
    return entry


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
    try:
        entry = apply_credit_change(
            session=session,
            user_id=user_id,
            amount_cents=-cost,
            kind=KIND_INTERVIEW_DEBIT,
            reason=reason,
            idempotency_key=f"interview-debit:{interview_id}",
            balance_read=balance_read,
            new_key=True,  # keyed by a session its caller has just created (a repeat is still refused)
        )
    except InsufficientCredits:
        raise InsufficientCredits(get_balance(session=session, user_id=user_id), needed) from None
    return -entry.amount_cents if entry else 0


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
