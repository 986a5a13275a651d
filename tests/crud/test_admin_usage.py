"""/admin/usage figures against a fixture whose expected numbers are computed here, in plain Python."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text, update

from tests.utils.users import make_user
from vocahire.errors import InvalidInput
from vocahire.infra.database import in_session
from vocahire.models import CreditLedgerEntry, InterviewSession, User
from vocahire.models.ledger import (
    KIND_ADMIN_ADJUSTMENT,
    KIND_GRANT,
    KIND_INTERVIEW_DEBIT,
    KIND_PURCHASE,
    KIND_REFUND,
)
from vocahire.services.accounts import credits
from vocahire.services.admin import usage as admin_usage
from vocahire.services.admin.usage import DateRange
from vocahire.state.admin_usage import daily_rows, plural, revenue_rows, usage_totals, wait_label

RANGE = DateRange(date(2025, 3, 10), date(2025, 3, 12))
UTC = UTC


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, second, micro, tzinfo=UTC)


@dataclass
class Interview:
    user: str
    created: datetime
    status: str
    seconds: int | None = None
    error: str | None = None
    feedback: str = "none"
    feedback_wait: int | None = None  # seconds from end to feedback


INTERVIEWS = [
    Interview(
        "a", at(9, 23, 59, 59), "completed", 600, feedback="completed", feedback_wait=10
    ),  # day before: out
    Interview("a", at(10), "completed", 300, feedback="completed", feedback_wait=45),  # first instant: in
    Interview("a", at(10, 12), "failed", None, error="OpenAI returned 502"),
    Interview("a", at(10, 13), "failed", None),  # failed without an upstream error
    Interview("a", at(10, 14), "completed", 420, feedback="completed", feedback_wait=200),
    Interview("b", at(11, 9), "completed", 1200, feedback="failed"),
    Interview("b", at(11, 10), "completed", 901, feedback="completed", feedback_wait=120),
    Interview("b", at(11, 11), "completed", 59, feedback="pending"),
    Interview("c", at(12, 7), "completed", 600, feedback="completed", feedback_wait=61),
    Interview("c", at(12, 8), "active", None),
    Interview("a", at(12, 23, 59, 59, 999000), "completed", 30, feedback="generating"),  # last instant: in
    Interview("b", at(13), "completed", 100, feedback="pending"),  # day after: out, but queued now
    Interview("b", at(13, 1), "failed", None, error="timeout", feedback="failed"),  # out
]

# (user, kind, cents, when)
LEDGER = [
    ("a", KIND_GRANT, 300, at(10, 1)),
    ("a", KIND_INTERVIEW_DEBIT, -100, at(10, 2)),
    ("a", KIND_REFUND, 100, at(10, 3)),
    ("a", KIND_INTERVIEW_DEBIT, -100, at(11, 2)),
    ("b", KIND_INTERVIEW_DEBIT, -75, at(12, 2)),
    ("a", KIND_PURCHASE, 500, at(11, 5)),
    ("b", KIND_PURCHASE, 300, at(12, 23, 59, 59)),
    ("b", KIND_PURCHASE, 300, at(13)),  # out
    ("c", KIND_INTERVIEW_DEBIT, -100, at(9, 23)),  # out
    ("c", KIND_ADMIN_ADJUSTMENT, 50, at(11)),  # neither spent nor sold
]


def _in(when: datetime) -> bool:
    return RANGE.start <= when.date() <= RANGE.end


@pytest.fixture
def usage_fixture(db):
    users = {
        "a": make_user("a@example.com", name="Ada"),
        "b": make_user("b@example.com", name="Bo"),
        "c": make_user("c@example.com", name="Cy"),
    }
    created = {"a": at(10, 5), "b": at(9, 12), "c": at(12, 22)}
    premium = [  # (email, is_premium, premium_until, deleted)
        ("p1@example.com", True, None, False),
        ("p2@example.com", True, datetime(2020, 1, 1, tzinfo=UTC), False),
        ("p3@example.com", True, datetime(2999, 1, 1, tzinfo=UTC), False),
        ("p4@example.com", True, None, True),
        ("p5@example.com", False, datetime(2999, 1, 1, tzinfo=UTC), False),
    ]

    def arrange(*, session):
        for key, user in users.items():
            session.execute(update(User).where(User.id == user.id).values(created_at=created[key]))
        # Welcome grants happened "now", outside the range: keep them out of the figures.
        session.execute(update(CreditLedgerEntry).values(created_at=at(1)))
        for email, flag, until, deleted in premium:
            session.add(
                User(
                    email=email,
                    name=email,
                    is_premium=flag,
                    premium_until=until,
                    deleted_at=at(1) if deleted else None,
                    created_at=at(1),
                )
            )
        for i, (who, kind, cents, when) in enumerate(LEDGER):
            entry = credits.apply_credit_change(
                session=session,
                user_id=users[who].id,
                amount_cents=cents,
                kind=kind,
                reason="fixture",
                idempotency_key=f"fx-{i}",
                clamp_at_zero=True,
            )
            assert entry is not None and entry.amount_cents == cents
            session.execute(
                update(CreditLedgerEntry).where(CreditLedgerEntry.id == entry.id).values(created_at=when)
            )
        for i, iv in enumerate(INTERVIEWS):
            ended = iv.created + timedelta(seconds=iv.seconds) if iv.seconds else None
            session.add(
                InterviewSession(
                    id=f"iv{i:02d}",
                    user_id=users[iv.user].id,
                    job_title="Engineer",
                    status=iv.status,
                    duration_seconds=iv.seconds,
                    error_message=iv.error,
                    feedback_status=iv.feedback,
                    created_at=iv.created,
                    started_at=iv.created,
                    ended_at=ended,
                    feedback_completed_at=ended + timedelta(seconds=iv.feedback_wait)
                    if ended and iv.feedback_wait is not None
                    else None,
                )
            )

    in_session(arrange)
    return users


def _expected():
    days = {
        d.isoformat(): {
            "started": 0,
            "completed": 0,
            "failed": 0,
            "seconds": 0,
            "errors": 0,
            "fb_failed": 0,
            "spent": 0,
            "sold": 0,
        }
        for d in RANGE.days
    }
    waits = []
    for iv in INTERVIEWS:
        if not _in(iv.created):
            continue
        d = days[iv.created.date().isoformat()]
        d["started"] += 1
        d["completed"] += iv.status == "completed"
        d["failed"] += iv.status == "failed"
        d["seconds"] += iv.seconds or 0
        d["errors"] += iv.status == "failed" and iv.error is not None
        d["fb_failed"] += iv.feedback == "failed"
        if iv.feedback == "completed" and iv.seconds:
            waits.append(iv.feedback_wait)
    granted = 0
    for _who, kind, cents, when in LEDGER:
        if not _in(when):
            continue
        d = days[when.date().isoformat()]
        if kind in (KIND_INTERVIEW_DEBIT, KIND_REFUND):
            d["spent"] -= cents
        elif kind == KIND_PURCHASE:
            d["sold"] += cents
        elif kind == KIND_GRANT:
            granted += cents
    waits.sort()
    mid = len(waits) // 2
    median = (waits[mid - 1] + waits[mid]) / 2 if len(waits) % 2 == 0 else waits[mid]
    return days, granted, median


def _report(session_setup: str | None = None):
    def run(*, session):
        if session_setup:
            session.execute(text(session_setup))
        return admin_usage.usage_report(session=session, date_range=RANGE)

    return in_session(run)


def test_daily_series_and_totals_match_the_fixture(usage_fixture):
    report = _report()
    days, granted, _median = _expected()

    assert [d.day for d in report.days] == ["2025-03-10", "2025-03-11", "2025-03-12"]
    for fig in report.days:
        exp = days[fig.day]
        assert (fig.started, fig.completed, fig.failed) == (
            exp["started"],
            exp["completed"],
            exp["failed"],
        ), fig.day
        assert fig.minutes == round(exp["seconds"] / 60, 1)
        assert (fig.interview_errors, fig.feedback_failures) == (exp["errors"], exp["fb_failed"])
        assert fig.credits_spent == exp["spent"] / 100 and fig.credits_sold == exp["sold"] / 100

    total = lambda k: sum(d[k] for d in days.values())  # noqa: E731
    assert report.interviews_started == total("started") == 10
    assert report.interviews_completed == total("completed")
    assert report.interviews_failed == total("failed") == 2
    assert report.interview_seconds == total("seconds")
    assert report.interview_minutes == (Decimal(total("seconds")) / 60).quantize(Decimal("0.1"))
    assert report.credits_spent == Decimal(total("spent")) / 100 == Decimal("1.75")
    assert report.credits_sold == Decimal(total("sold")) / 100 == Decimal("8.00")
    assert report.credits_granted == Decimal(granted) / 100
    assert report.interview_errors == total("errors") == 1
    assert report.feedback_failures == total("fb_failed") == 1
    assert report.new_users == 2  # a and c joined in the range; b the day before


def test_feedback_pipeline_and_subscribers(usage_fixture):
    report = _report()
    _days, _granted, median = _expected()
    queued = [iv for iv in INTERVIEWS if iv.feedback in ("pending", "generating")]
    assert (
        report.feedback_pending == sum(iv.feedback == "pending" for iv in queued) == 2
    )  # one is outside the range
    assert report.feedback_generating == 1
    assert report.feedback_failed == 1 and report.feedback_completed == 4
    assert report.median_feedback_seconds == median == statistics.median([45, 200, 120, 61])
    assert report.active_subscribers == 2  # no end date, and a future end; not expired, deleted or unflagged
    totals = usage_totals(report)
    assert totals["median_feedback"] == "1 min 30 s"
    assert totals["credits_spent"] == "1.75" and totals["credits_sold"] == "8.00"
    assert totals["subscribers_label"] == "2 active subscribers"


def test_days_are_utc_whatever_the_database_session_time_zone(usage_fixture, db):
    if db.kind != "postgres":
        pytest.skip("time zones of a session are a PostgreSQL matter")
    far_east = _report("SET TIME ZONE 'Pacific/Kiritimati'")
    far_west = _report("SET TIME ZONE 'Pacific/Pago_Pago'")
    assert far_east.daily_dicts() == far_west.daily_dicts() == _report().daily_dicts()


def test_the_chart_rows_are_plain_json_numbers(usage_fixture):
    rows = daily_rows(_report())
    assert all(isinstance(v, (int, float, str)) for row in rows for v in row.values())
    assert rows[0]["label"] == "10 Mar"


def test_the_page_counts_in_words_and_says_one_of_a_thing():
    assert [plural(n, "user") for n in (0, 1, 2, 1200)] == ["0 users", "1 user", "2 users", "1,200 users"]
    assert plural(1, "active subscriber") == "1 active subscriber"
    assert plural(1, "reply", "replies") == "1 reply" and plural(3, "reply", "replies") == "3 replies"
    assert [wait_label(s) for s in (None, 9.4, 90, 3600 + 5 * 60)] == ["—", "9 s", "1 min 30 s", "1 h 05 min"]


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2025-03-12", "2025-03-10", "on or before"),
        ("2025-02-30", "2025-03-10", "not a real date"),
        ("10/03/2025", "2025-03-10", "YYYY-MM-DD"),
        (None, "2025-03-10", "YYYY-MM-DD"),
        ("2019-12-31", "2020-01-05", "from 2020-01-01"),
        ("2024-01-01", "2025-03-10", "at most 366 days"),
        ("2025-03-10", "2099-01-01", "future"),
        ("' OR 1=1 --", "2025-03-10", "YYYY-MM-DD"),
    ],
)
def test_date_range_is_validated(start, end, message):
    with pytest.raises(InvalidInput) as err:
        admin_usage.parse_range(start, end, today=date(2025, 6, 1))
    assert message in err.value.message


def test_a_valid_range_is_whole_utc_days():
    rng = admin_usage.parse_range("2025-03-10", "2025-03-12", today=date(2025, 6, 1))
    assert rng.start_at == at(10) and rng.end_before == at(13)
    assert len(rng.days) == 3


def test_revenue_by_offer_counts_money_received_in_the_range_net_of_refunds(db):
    billing = pytest.importorskip("vocahire.models.billing")
    user = make_user("payer@example.com")
    # (offer, status, currency, amount, refunded, paid_at)
    payments = [
        ("credits_3", billing.PAYMENT_PAID, "usd", 499, 0, at(10, 9)),
        ("credits_3", billing.PAYMENT_PAID, "usd", 499, 0, at(12, 23, 59, 59)),
        ("credits_5", billing.PAYMENT_PARTIALLY_REFUNDED, "usd", 799, 300, at(11, 8)),
        ("monthly", billing.PAYMENT_PAID, "usd", 1999, 0, at(11, 1)),
        ("monthly", billing.PAYMENT_REFUNDED, "usd", 1999, 1999, at(12, 2)),
        ("monthly", billing.PAYMENT_PAID, "eur", 1899, 0, at(12, 3)),
        ("annual", billing.PAYMENT_PAID, "usd", 17999, 0, at(13)),  # the day after: out
        ("annual", billing.PAYMENT_PAID, "usd", 17999, 0, at(9, 23, 59, 59)),  # the day before: out
        ("quarterly", billing.PAYMENT_PENDING, "usd", 4999, 0, None),  # never paid
        ("quarterly", billing.PAYMENT_FAILED, "usd", 4999, 0, None),
    ]

    def arrange(*, session):
        for i, (offer, status, currency, amount, refunded, paid_at) in enumerate(payments):
            session.add(
                billing.StripePayment(
                    user_id=user.id,
                    offer=offer,
                    kind="one_time",
                    status=status,
                    checkout_session_id=f"cs_{i}",
                    currency=currency,
                    amount_cents=amount,
                    amount_refunded_cents=refunded,
                    paid_at=paid_at,
                )
            )

    in_session(arrange)
    expected: dict[tuple[str, str], list[int]] = {}
    for offer, _status, currency, amount, refunded, paid_at in payments:
        if paid_at is None or not _in(paid_at):
            continue
        line = expected.setdefault((offer, currency), [0, 0])
        line[0] += 1
        line[1] += amount - refunded
    report = _report()
    assert report.revenue_available is True
    got = {(r.offer, r.currency): [r.payments, r.amount] for r in report.revenue}
    assert got == {k: [n, Decimal(cents) / 100] for k, (n, cents) in expected.items()}
    assert got[("monthly", "usd")] == [2, Decimal("19.99")]  # the refunded one nets to zero
    totals = usage_totals(report)
    assert totals["revenue"] == "€18.99; $34.96"
    # Ten rows, two never paid and two outside the range: six payments counted.
    assert totals["payments_label"] == "6 payments"
    shown = {r["offer"]: r["amount"] for r in revenue_rows(report) if r["amount"].startswith("$")}
    assert shown["3 VocahireCredits"] == "$9.98" and shown["5 VocahireCredits"] == "$4.99"


def test_zero_decimal_currencies_come_from_billing():
    from vocahire.services.billing import offers

    assert admin_usage.ZERO_DECIMAL_CURRENCIES is offers.ZERO_DECIMAL_CURRENCIES
    assert admin_usage.to_major_units(1999, "usd") == Decimal("19.99")
    assert admin_usage.to_major_units(1999, "JPY") == Decimal("1999")
