"""The account page's billing history: credit changes and Stripe payments (packs, Coach invoices), one list.

The payment rows have the shapes the Stripe webhook leaves (``services/billing/payments.py`` for a
Checkout Session, ``subscriptions.py`` for an invoice); the ledger rows come from the credits service.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.models import CreditLedgerEntry, StripePayment
from vocahire.models.billing import (
    PAYMENT_FAILED,
    PAYMENT_KIND_ONE_TIME,
    PAYMENT_KIND_SUBSCRIPTION,
    PAYMENT_NEEDS_REVIEW,
    PAYMENT_PAID,
    PAYMENT_PENDING,
    PAYMENT_REFUNDED,
)
from vocahire.models.ledger import KIND_INTERVIEW_DEBIT, KIND_PURCHASE
from vocahire.services import billing
from vocahire.services.accounts import credits
from vocahire.state.billing import history_row

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _payment(user_id: int, when: datetime, **fields: object) -> None:
    def add(*, session) -> None:  # type: ignore[no-untyped-def]
        session.add(
            StripePayment(
                user_id=user_id,
                currency="usd",
                created_at=when,
                updated_at=when,
                paid_at=when if fields.get("status") in (PAYMENT_PAID, PAYMENT_REFUNDED) else None,
                **fields,
            )
        )

    in_session(add)


def _credit(user_id: int, when: datetime, cents: int, kind: str, reason: str, key: str) -> None:
    def add(*, session) -> None:  # type: ignore[no-untyped-def]
        entry = credits.apply_credit_change(
            session=session,
            user_id=user_id,
            amount_cents=cents,
            kind=kind,
            reason=reason,
            idempotency_key=key,
        )
        assert entry is not None
        entry.created_at = when
        session.add(entry)

    in_session(add)


def _history(user_id: int, limit: int = billing.queries.HISTORY_LIMIT) -> list[billing.BillingEntry]:
    return in_session(billing.billing_history, user_id=user_id, limit=limit)


def _arrange() -> tuple[int, int]:
    """Ada: a pack bought through Checkout, an interview, three Coach invoices (paid, failed, refunded),
    a pack whose bank payment is still pending and one held for review. Eve: a pack of her own."""
    ada, eve = make_user().id, make_user("eve@example.com", name="Eve").id
    day = timedelta(days=1)
    in_session(  # the welcome grants came first
        lambda *, session: session.execute(update(CreditLedgerEntry).values(created_at=T0 - day))
    )
    _payment(
        ada, T0, offer="credits_5", kind=PAYMENT_KIND_ONE_TIME, status=PAYMENT_PAID,
        checkout_session_id="cs_ada_pack", amount_cents=799, credits_cents=500,
    )  # fmt: skip
    _credit(ada, T0, 500, KIND_PURCHASE, "Bought 5 VocahireCredits ($7.99)", "stripe-checkout:cs_ada_pack")
    _credit(ada, T0 + day, -100, KIND_INTERVIEW_DEBIT, "Practice interview: Data Engineer", "debit:ada:1")
    _payment(
        ada, T0 + 2 * day, offer="coach_monthly", kind=PAYMENT_KIND_SUBSCRIPTION, status=PAYMENT_PAID,
        invoice_id="in_ada_1", subscription_id="sub_ada", amount_cents=1900,
    )  # fmt: skip
    _payment(
        ada, T0 + 3 * day, offer="coach_monthly", kind=PAYMENT_KIND_SUBSCRIPTION, status=PAYMENT_FAILED,
        invoice_id="in_ada_2", subscription_id="sub_ada", amount_cents=1900,
    )  # fmt: skip
    _payment(
        ada, T0 + 4 * day, offer="coach_monthly", kind=PAYMENT_KIND_SUBSCRIPTION, status=PAYMENT_REFUNDED,
        invoice_id="in_ada_3", subscription_id="sub_ada", amount_cents=1900, amount_refunded_cents=1900,
    )  # fmt: skip
    _payment(
        ada, T0 + 5 * day, offer="credits_3", kind=PAYMENT_KIND_ONE_TIME, status=PAYMENT_PENDING,
        checkout_session_id="cs_ada_bank", amount_cents=499,
    )  # fmt: skip
    _payment(
        ada, T0 + 6 * day, offer="unknown", kind=PAYMENT_KIND_ONE_TIME, status=PAYMENT_NEEDS_REVIEW,
        checkout_session_id="cs_ada_odd", amount_cents=1000, review_reason="1 line items",
    )  # fmt: skip
    _payment(
        eve, T0 + 7 * day, offer="credits_5", kind=PAYMENT_KIND_ONE_TIME, status=PAYMENT_PAID,
        checkout_session_id="cs_eve_pack", amount_cents=799, credits_cents=500,
    )  # fmt: skip
    _credit(
        eve,
        T0 + 7 * day,
        500,
        KIND_PURCHASE,
        "Bought 5 VocahireCredits ($7.99)",
        "stripe-checkout:cs_eve_pack",
    )
    return ada, eve


def test_credit_changes_and_payments_are_one_list_newest_first(db):
    ada, _eve = _arrange()
    rows = [history_row(e) for e in _history(ada)]
    assert [(r["kind"], r["reason"], r["amount"], r["status"]) for r in rows] == [
        ("Purchase", "Unknown offer", "$10.00", "Being checked"),
        ("Purchase", "3 VocahireCredits", "$4.99", "Pending"),
        ("Subscription payment", "Monthly Coach · $19.00 refunded", "$19.00", "Refunded"),
        ("Subscription payment", "Monthly Coach", "$19.00", "Failed"),
        ("Subscription payment", "Monthly Coach", "$19.00", "Paid"),
        ("Practice interview", "Practice interview: Data Engineer", "-1.00", ""),
        # The pack's payment is folded into the credits it granted: one line, with its status.
        ("Purchase", "Bought 5 VocahireCredits ($7.99)", "+5.00", "Paid"),
        ("Welcome grant", rows[-1]["reason"], "+3.00", ""),
    ]
    assert [r["date"] for r in rows[2:7]] == [
        "06 Nov 2026",
        "05 Nov 2026",
        "04 Nov 2026",
        "03 Nov 2026",
        "02 Nov 2026",
    ]
    assert rows[4]["iso_date"] == "2026-11-04"
    # Money rows are in the currency; credit rows in credits, with the unit said.
    assert {r["unit"] for r in rows[:5]} == {""} and {r["unit"] for r in rows[5:]} == {"VocahireCredits"}
    assert [r["status_color"] for r in rows[:5]] == ["amber", "amber", "gray", "red", "grass"]
    assert [r["positive"] for r in rows] == [False] * 6 + [True, True]
    assert len({r["id"] for r in rows}) == len(rows)


def test_the_history_is_the_users_own(db):
    ada, eve = _arrange()
    theirs = _history(eve)
    assert [(e.ledger_kind, e.offer, e.status) for e in theirs] == [
        ("purchase", "credits_5", "paid"),
        ("grant", "", ""),
    ]
    assert not {e.key for e in theirs} & {e.key for e in _history(ada)}


def test_the_history_is_capped(db):
    ada, _eve = _arrange()
    newest = _history(ada, limit=3)
    assert [e.status for e in newest] == [PAYMENT_NEEDS_REVIEW, PAYMENT_PENDING, PAYMENT_REFUNDED]
    assert len(_history(ada, limit=10_000)) == 8


def test_a_new_account_has_only_its_welcome_grant(db):
    user = make_user("new@example.com")
    [only] = _history(user.id)
    assert (only.ledger_kind, only.credits_cents, only.payment_kind, only.amount_minor) == (
        "grant",
        300,
        "",
        None,
    )
    assert history_row(only)["status"] == ""


def test_the_billing_section_says_when_the_history_cant_be_read(db, monkeypatch):
    import asyncio

    from tests.utils.states import call, state_for
    from vocahire.state.billing import BillingState

    user = make_user("ok@example.com")
    shown = state_for(BillingState, user.id)
    asyncio.run(call(shown, "load"))
    assert shown.error == "" and [r["kind"] for r in shown.history] == ["Welcome grant"]

    def broken(**_: object) -> list[billing.BillingEntry]:
        raise ConnectionError("database away")

    monkeypatch.setattr(billing, "billing_history", broken)
    failed = state_for(BillingState, user.id)
    asyncio.run(call(failed, "load"))
    assert failed.history == [] and failed.error and not failed.loading
