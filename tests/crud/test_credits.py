"""The credit ledger: exact amounts, exactly-once changes, never below zero."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from tests.utils.users import balance_of, ledger_total, make_user
from vocahire.errors import InsufficientCredits
from vocahire.infra.database import in_session
from vocahire.models.ledger import KIND_ADMIN_ADJUSTMENT, KIND_CHARGEBACK
from vocahire.services.accounts import credits


def test_sign_up_grants_three_credits_through_the_ledger_once(db):
    user = make_user()
    assert balance_of(user.id) == Decimal("3.00")
    assert ledger_total(user.id) == Decimal("3.00")
    assert in_session(credits.grant_signup_credits, user_id=user.id) is None
    assert balance_of(user.id) == Decimal("3.00")


def test_amounts_are_exact_to_the_hundredth(db):
    user = make_user()
    for i in range(10):
        in_session(
            credits.apply_credit_change,
            user_id=user.id,
            amount_cents=credits.to_cents(Decimal("0.10")),
            kind=KIND_ADMIN_ADJUSTMENT,
            reason="test",
            idempotency_key=f"k{i}",
        )
    assert balance_of(user.id) == Decimal("4.00")
    assert ledger_total(user.id) == balance_of(user.id)


def test_interview_costs_one_credit_or_the_remainder_between_half_and_one(db):
    user = make_user()
    taken = [
        in_session(credits.reserve_interview_credit, user_id=user.id, interview_id=f"s{i}") for i in range(3)
    ]
    assert taken == [100, 100, 100]
    with pytest.raises(InsufficientCredits) as err:
        in_session(credits.reserve_interview_credit, user_id=user.id, interview_id="s4")
    assert "0.00 VocahireCredits" in err.value.message and "0.50" in err.value.message

    other = make_user("b@example.com")
    in_session(
        credits.apply_credit_change,
        user_id=other.id,
        amount_cents=-225,
        kind=KIND_ADMIN_ADJUSTMENT,
        reason="t",
        idempotency_key="x",
    )
    assert balance_of(other.id) == Decimal("0.75")
    assert in_session(credits.reserve_interview_credit, user_id=other.id, interview_id="r1") == 75
    assert balance_of(other.id) == Decimal("0.00")


def test_refund_gives_back_exactly_the_debit_once(db):
    user = make_user()
    in_session(credits.reserve_interview_credit, user_id=user.id, interview_id="s1")
    assert (
        in_session(
            credits.refund_interview_credit, user_id=user.id, interview_id="s1", reason="upstream failed"
        )
        == 100
    )
    assert (
        in_session(credits.refund_interview_credit, user_id=user.id, interview_id="s1", reason="again") == 0
    )
    assert balance_of(user.id) == Decimal("3.00") == ledger_total(user.id)


def test_clawback_stops_at_zero(db):
    user = make_user()
    entry = in_session(
        credits.apply_credit_change,
        user_id=user.id,
        amount_cents=-1000,
        kind=KIND_CHARGEBACK,
        reason="dispute",
        idempotency_key="d1",
        clamp_at_zero=True,
    )
    assert entry.amount_cents == -300
    assert balance_of(user.id) == Decimal("0.00") == ledger_total(user.id)


def test_concurrent_debits_never_spend_the_same_credit_twice(db):
    user = make_user()

    def attempt(i: int) -> int:
        try:
            return in_session(credits.reserve_interview_credit, user_id=user.id, interview_id=f"c{i}")
        except InsufficientCredits:
            return 0

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(12)))
    assert sum(results) == 300
    assert balance_of(user.id) == Decimal("0.00") == ledger_total(user.id)


def test_floats_are_refused_for_credit_amounts():
    with pytest.raises(TypeError):
        credits.to_cents(1.1)  # type: ignore[arg-type]


def test_a_debit_from_a_stale_balance_reads_again_and_a_repeated_key_takes_nothing(db):
    """A start passes the balance it read with the account; a change in between must not be lost, and the
    debit's key still can't apply twice though a start skips the key's look-up."""
    user = make_user()
    in_session(
        credits.apply_credit_change,
        user_id=user.id,
        amount_cents=-50,
        kind=KIND_ADMIN_ADJUSTMENT,
        reason="meanwhile",
        idempotency_key="between",
    )
    taken = in_session(
        credits.debit_interview, user_id=user.id, interview_id="s1", cost_cents=100, balance_read=300
    )
    assert taken == 100
    assert balance_of(user.id) == Decimal("1.50") == ledger_total(user.id)
    again = in_session(
        credits.debit_interview, user_id=user.id, interview_id="s1", cost_cents=100, balance_read=150
    )
    assert again == 0
    assert balance_of(user.id) == Decimal("1.50") == ledger_total(user.id)
    # A reading too low to pay (credits arrived since) is checked again before anything is refused.
    taken = in_session(
        credits.debit_interview, user_id=user.id, interview_id="s2", cost_cents=100, balance_read=20
    )
    assert taken == 100
    assert balance_of(user.id) == Decimal("0.50") == ledger_total(user.id)


def test_an_account_loaded_in_the_same_transaction_shows_the_new_balance(db):
    """A caller that read the account before changing its credits (a webhook answering with the balance)
    sees the balance the change left, not the one it read."""
    from vocahire.models import User

    user = make_user()

    def change_then_read(*, session) -> int:
        loaded = session.get(User, user.id)
        assert loaded.credits_cents == 300
        credits.apply_credit_change(
            session=session,
            user_id=user.id,
            amount_cents=-120,
            kind=KIND_ADMIN_ADJUSTMENT,
            reason="test",
            idempotency_key="loaded-before",
        )
        return session.get(User, user.id).credits_cents

    assert in_session(change_then_read) == 180
    assert balance_of(user.id) == Decimal("1.80")
