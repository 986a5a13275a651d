"""Usage figures for the admin dashboard, computed straight from the tables for a date range.

Definitions (the page says them too):
- an interview counts on the UTC day it was started (its row was created), whatever its
  status; "completed" and "failed" are the ones that ended that way;
- minutes are the recorded durations of those interviews;
- credits spent are interview debits minus their refunds; sold are purchases; both by the
  ledger row's day;
- revenue is the applied Stripe payments net of refunds, by offer and currency;
- the feedback queue (pending, generating) is counted as it is now; failures and the median
  time from the end of an interview to its feedback are for interviews in the range.

Plain figures only: the words and number formats the page shows are built in ``state/admin_usage.py``.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from vocahire.errors import InvalidInput
from vocahire.models import CreditLedgerEntry, InterviewSession, User, utcnow
from vocahire.models.interview import (
    FEEDBACK_COMPLETED,
    FEEDBACK_FAILED,
    FEEDBACK_GENERATING,
    FEEDBACK_PENDING,
    STATUS_COMPLETED,
    STATUS_FAILED,
)
from vocahire.models.ledger import KIND_GRANT, KIND_INTERVIEW_DEBIT, KIND_PURCHASE, KIND_REFUND
from vocahire.services.accounts.credits import from_cents
from vocahire.services.billing.offers import ZERO_DECIMAL_CURRENCIES

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30
EARLIEST = date(2020, 1, 1)


@dataclass(frozen=True)
class DateRange:
    """Whole UTC days, both ends included."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def end_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


def last_days(days: int, today: date | None = None) -> DateRange:
    """The ``days`` UTC days up to and including today."""
    today = today or utcnow().date()
    return DateRange(today - timedelta(days=days - 1), today)


def default_range(today: date | None = None) -> DateRange:
    return last_days(DEFAULT_RANGE_DAYS, today)


def parse_range(start: Any, end: Any, today: date | None = None) -> DateRange:
    """Validate a range typed in the browser (``YYYY-MM-DD`` strings); ``InvalidInput`` says what is wrong."""
    today = today or utcnow().date()
    parsed: list[date] = []
    for label, raw in (("start", start), ("end", end)):
        if not isinstance(raw, str) or len(raw) != 10:
            raise InvalidInput(f"Enter the {label} date as YYYY-MM-DD.")
        try:
            parsed.append(date.fromisoformat(raw))
        except ValueError:
            raise InvalidInput(f"The {label} date {raw!r} is not a real date (use YYYY-MM-DD).") from None
    first, last = parsed
    if first > last:
        raise InvalidInput("The start date must be on or before the end date.")
    if first < EARLIEST:
        raise InvalidInput(f"Pick a start date from {EARLIEST.isoformat()} on.")
    if last > today + timedelta(days=1):
        raise InvalidInput("The end date can't be in the future.")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(f"Pick a range of at most {MAX_RANGE_DAYS} days.")
    return DateRange(first, last)


@dataclass
class DayFigures:
    day: str  # ISO date, UTC
    started: int = 0
    completed: int = 0
    failed: int = 0
    minutes: float = 0.0
    credits_spent: float = 0.0
    credits_sold: float = 0.0
    interview_errors: int = 0
    feedback_failures: int = 0


@dataclass
class RevenueLine:
    offer: str
    currency: str
    payments: int
    amount: Decimal  # in the currency's units (dollars, yen)
    amount_minor: int  # as Stripe counts it (cents, yen)


@dataclass
class UsageReport:
    range: DateRange
    days: list[DayFigures]
    interviews_started: int
    interviews_completed: int
    interviews_failed: int
    interview_seconds: int
    credits_spent: Decimal
    credits_sold: Decimal
    credits_granted: Decimal
    revenue: list[RevenueLine]
    revenue_available: bool
    active_subscribers: int
    feedback_pending: int
    feedback_generating: int
    feedback_failed: int
    feedback_completed: int
    median_feedback_seconds: float | None
    interview_errors: int
    feedback_failures: int
    new_users: int
    error_messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def interview_minutes(self) -> Decimal:
        return (Decimal(self.interview_seconds) / 60).quantize(Decimal("0.1"))

    def daily_dicts(self) -> list[dict[str, Any]]:
        return [asdict(d) for d in self.days]

    def revenue_totals(self) -> list[RevenueLine]:
        """The range's revenue per currency (all offers together), by currency code."""
        return _revenue_totals(self.revenue)


def _revenue_totals(lines: list[RevenueLine]) -> list[RevenueLine]:
    by_currency: dict[str, RevenueLine] = {}
    for line in lines:
        total = by_currency.setdefault(
            line.currency, RevenueLine("all", line.currency, 0, Decimal("0.00"), 0)
        )
        total.payments += line.payments
        total.amount += line.amount
        total.amount_minor += line.amount_minor
    return sorted(by_currency.values(), key=lambda r: r.currency)


def _day_of(column: Any, session: Session) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp column, as the database computes it."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)  # SQLite stores UTC text


def _day_key(value: Any) -> str:
    return value.isoformat()[:10] if isinstance(value, (date, datetime)) else str(value)[:10]


def _in_range(column: Any, rng: DateRange) -> ColumnElement[bool]:
    return and_(column >= rng.start_at, column < rng.end_before)


def usage_report(*, session: Session, date_range: DateRange) -> UsageReport:
    """Every figure on ``/admin/usage`` for one range (a handful of grouped queries)."""
    days = {d.isoformat(): DayFigures(day=d.isoformat()) for d in date_range.days}
    day = _day_of(col(InterviewSession.created_at), session).label("day")
    rows = session.execute(
        select(
            day,
            func.count(),
            func.sum(case((col(InterviewSession.status) == STATUS_COMPLETED, 1), else_=0)),
            func.sum(case((col(InterviewSession.status) == STATUS_FAILED, 1), else_=0)),
            func.coalesce(func.sum(col(InterviewSession.duration_seconds)), 0),
            func.sum(
                case(
                    (
                        and_(
                            col(InterviewSession.status) == STATUS_FAILED,
                            col(InterviewSession.error_message).is_not(None),
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
            func.sum(case((col(InterviewSession.feedback_status) == FEEDBACK_FAILED, 1), else_=0)),
        )
        .where(_in_range(col(InterviewSession.created_at), date_range))
        .group_by(day)
    ).all()
    total_seconds = 0
    for key, started, completed, failed, seconds, errors, fb_failed in rows:
        fig = days.get(_day_key(key))
        if fig is None:
            continue
        fig.started, fig.completed, fig.failed = int(started), int(completed or 0), int(failed or 0)
        fig.minutes = round(int(seconds or 0) / 60, 1)
        fig.interview_errors, fig.feedback_failures = int(errors or 0), int(fb_failed or 0)
        total_seconds += int(seconds or 0)

    spent, sold, granted = _ledger_by_day(session, date_range, days)
    revenue, revenue_available = revenue_by_offer(session=session, date_range=date_range)
    pipeline = _feedback_pipeline(session, date_range)
    figures = list(days.values())
    return UsageReport(
        range=date_range,
        days=figures,
        interviews_started=sum(f.started for f in figures),
        interviews_completed=sum(f.completed for f in figures),
        interviews_failed=sum(f.failed for f in figures),
        interview_seconds=total_seconds,
        credits_spent=spent,
        credits_sold=sold,
        credits_granted=granted,
        revenue=revenue,
        revenue_available=revenue_available,
        active_subscribers=active_subscribers(session=session),
        feedback_pending=pipeline["pending"],
        feedback_generating=pipeline["generating"],
        feedback_failed=pipeline["failed"],
        feedback_completed=pipeline["completed"],
        median_feedback_seconds=pipeline["median"],
        interview_errors=sum(f.interview_errors for f in figures),
        feedback_failures=sum(f.feedback_failures for f in figures),
        new_users=int(
            session.execute(
                select(func.count()).select_from(User).where(_in_range(col(User.created_at), date_range))
            ).scalar_one()
        ),
        error_messages=_recent_errors(session, date_range),
    )


def _ledger_by_day(
    session: Session, rng: DateRange, days: dict[str, DayFigures]
) -> tuple[Decimal, Decimal, Decimal]:
    """Spent (debits net of refunds), sold (purchases) and granted credits, per day and in total."""
    day = _day_of(col(CreditLedgerEntry.created_at), session).label("day")
    rows = session.execute(
        select(day, col(CreditLedgerEntry.kind), func.sum(col(CreditLedgerEntry.amount_cents)))
        .where(
            _in_range(col(CreditLedgerEntry.created_at), rng),
            col(CreditLedgerEntry.kind).in_([KIND_INTERVIEW_DEBIT, KIND_REFUND, KIND_PURCHASE, KIND_GRANT]),
        )
        .group_by(day, col(CreditLedgerEntry.kind))
    ).all()
    spent_cents: dict[str, int] = {}
    sold_cents: dict[str, int] = {}
    granted = 0
    for key, kind, cents in rows:
        k, cents = _day_key(key), int(cents or 0)
        if kind in (KIND_INTERVIEW_DEBIT, KIND_REFUND):
            spent_cents[k] = spent_cents.get(k, 0) - cents
        elif kind == KIND_PURCHASE:
            sold_cents[k] = sold_cents.get(k, 0) + cents
        else:
            granted += cents
    for k, fig in days.items():
        fig.credits_spent = float(from_cents(spent_cents.get(k, 0)))
        fig.credits_sold = float(from_cents(sold_cents.get(k, 0)))
    return from_cents(sum(spent_cents.values())), from_cents(sum(sold_cents.values())), from_cents(granted)


def active_subscribers(*, session: Session, now: datetime | None = None) -> int:
    """Users with premium now (period not over), accounts not deleted."""
    now = now or utcnow()
    return int(
        session.execute(
            select(func.count())
            .select_from(User)
            .where(
                col(User.is_premium).is_(True),
                col(User.deleted_at).is_(None),
                (col(User.premium_until).is_(None)) | (col(User.premium_until) > now),
            )
        ).scalar_one()
    )


def _feedback_pipeline(session: Session, rng: DateRange) -> dict[str, Any]:
    queue = dict(
        session.execute(
            select(col(InterviewSession.feedback_status), func.count())
            .where(col(InterviewSession.feedback_status).in_([FEEDBACK_PENDING, FEEDBACK_GENERATING]))
            .group_by(col(InterviewSession.feedback_status))
        ).all()
    )
    in_range = dict(
        session.execute(
            select(col(InterviewSession.feedback_status), func.count())
            .where(
                _in_range(col(InterviewSession.created_at), rng),
                col(InterviewSession.feedback_status).in_([FEEDBACK_FAILED, FEEDBACK_COMPLETED]),
            )
            .group_by(col(InterviewSession.feedback_status))
        ).all()
    )
    waits = [
        (done - ended).total_seconds()
        for ended, done in session.execute(
            select(col(InterviewSession.ended_at), col(InterviewSession.feedback_completed_at)).where(
                _in_range(col(InterviewSession.created_at), rng),
                col(InterviewSession.feedback_status) == FEEDBACK_COMPLETED,
                col(InterviewSession.ended_at).is_not(None),
                col(InterviewSession.feedback_completed_at).is_not(None),
            )
        ).all()
        if ended is not None and done is not None
    ]
    return {
        "pending": int(queue.get(FEEDBACK_PENDING, 0)),
        "generating": int(queue.get(FEEDBACK_GENERATING, 0)),
        "failed": int(in_range.get(FEEDBACK_FAILED, 0)),
        "completed": int(in_range.get(FEEDBACK_COMPLETED, 0)),
        "median": statistics.median(waits) if waits else None,
    }


def _recent_errors(session: Session, rng: DateRange, limit: int = 8) -> list[dict[str, Any]]:
    """The latest upstream failures, for the errors card (message only: it never holds user text)."""
    rows = session.execute(
        select(
            col(InterviewSession.created_at),
            col(InterviewSession.error_message),
            col(InterviewSession.feedback_error),
            col(InterviewSession.status),
        )
        .where(
            _in_range(col(InterviewSession.created_at), rng),
            (col(InterviewSession.error_message).is_not(None))
            | (col(InterviewSession.feedback_status) == FEEDBACK_FAILED),
        )
        .order_by(col(InterviewSession.created_at).desc())
        .limit(limit)
    ).all()
    out = []
    for created, error, feedback_error, status in rows:
        kind = "Interview" if error and status == STATUS_FAILED else "Feedback"
        message = error if kind == "Interview" else (feedback_error or "Feedback generation failed")
        out.append({"when": created, "kind": kind, "message": (message or "")[:160]})
    return out


def revenue_by_offer(*, session: Session, date_range: DateRange) -> tuple[list[RevenueLine], bool]:
    """Applied Stripe payments in the range, net of refunds, per offer.

    ``False`` while payments aren't recorded.
    """
    try:
        from vocahire.models import billing  # the payments tables (issue 5)
    except ImportError:
        return [], False
    return _revenue_lines(session, billing, date_range), True


def to_major_units(amount: int, currency: str) -> Decimal:
    """Stripe's smallest-unit integer -> an exact amount in the currency (cents -> dollars, yen -> yen)."""
    if currency.lower() in ZERO_DECIMAL_CURRENCIES:
        return Decimal(amount)
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))


def _revenue_lines(session: Session, billing: Any, rng: DateRange) -> list[RevenueLine]:
    """Payments whose money arrived in the range (``paid_at``), net of refunds so far, per offer and
    currency."""
    payment = billing.StripePayment
    received = [
        billing.PAYMENT_PAID,
        billing.PAYMENT_REFUNDED,
        billing.PAYMENT_PARTIALLY_REFUNDED,
        billing.PAYMENT_DISPUTED,
    ]
    rows = session.execute(
        select(
            payment.offer,
            payment.currency,
            func.count(),
            func.coalesce(func.sum(payment.amount_cents - payment.amount_refunded_cents), 0),
        )
        .where(payment.paid_at.is_not(None), _in_range(payment.paid_at, rng), payment.status.in_(received))
        .group_by(payment.offer, payment.currency)
        .order_by(payment.offer, payment.currency)
    ).all()
    return [
        RevenueLine(
            offer=str(offer),
            currency=str(currency or ""),
            payments=int(count),
            amount=to_major_units(int(net), str(currency or "")),
            amount_minor=int(net),
        )
        for offer, currency, count, net in rows
    ]
