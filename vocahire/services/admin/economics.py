"""Unit economics for the admin usage page: what interviews cost in model usage, against what they earned.

Definitions (the page says them too):
- an interview counts on the UTC day it was started, like everywhere on the page; its cost is the model
  usage recorded for it (Realtime call, transcription, feedback), priced when it was recorded;
- cost per interview (median, p90, max; nearest rank) is over the interviews in the range with any
  usage, per model and for all models together; cost per minute is over those with a recorded duration;
- who paid for an interview: one that took credits was paid by a credit pack if its candidate had bought
  one by then, else by free credits; one included in a plan by the Coach payment covering its start
  (the latest one within its offer's months), else it is "not attributed" (e.g. premium given by an admin);
- revenue is Stripe's received payments net of refunds: credit packs when paid (in the range), Coach
  plans spread evenly over the months each payment covers, so a plan spanning the range boundary counts
  only for its days inside; margins are computed on USD revenue (model costs are in USD);
- candidates costing more than they paid: their interviews' model cost against their net USD payments,
  both from the beginning up to the end of the range.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from vocahire.models import InterviewSession, User, UTCDateTime
from vocahire.models.billing import (
    PAYMENT_DISPUTED,
    PAYMENT_KIND_ONE_TIME,
    PAYMENT_KIND_SUBSCRIPTION,
    PAYMENT_PAID,
    PAYMENT_PARTIALLY_REFUNDED,
    PAYMENT_REFUNDED,
    StripePayment,
)
from vocahire.models.usage import (
    SOURCE_FEEDBACK,
    SOURCE_REALTIME,
    SOURCE_TRANSCRIPTION,
    InterviewCost,
    InterviewModelUsage,
)
from vocahire.services.admin.usage import DateRange, to_major_units
from vocahire.services.billing.offers import OFFERS, OFFERS_BY_KEY, offer_name
from vocahire.services.interviews.usage import COUNT_KINDS, to_usd
from vocahire.settings import Settings

END_REASON_COST_LIMIT = "cost_limit"
RECEIVED = (PAYMENT_PAID, PAYMENT_REFUNDED, PAYMENT_PARTIALLY_REFUNDED, PAYMENT_DISPUTED)
ALL_MODELS = "all models"
GROUP_CREDIT_PACKS = "credit_packs"
GROUP_FREE_CREDITS = "free_credits"
GROUP_UNATTRIBUTED = "unattributed"
GROUP_NAMES = {
    GROUP_CREDIT_PACKS: "Credit packs",
    GROUP_FREE_CREDITS: "Free credits",
    GROUP_UNATTRIBUTED: "Not attributed",
}
COACH_OFFERS = tuple(o for o in OFFERS if o.is_subscription)
CREDIT_OFFERS = tuple(o for o in OFFERS if not o.is_subscription)
NANOS_PER_CENT = 10_000_000
TOP_LOSSES = 20
CSV_COLUMNS = (
    "interview_id",
    "started_at",
    "user_id",
    "status",
    "end_reason",
    "duration_seconds",
    "paid_with",
    "realtime_model",
    "realtime_cost_usd",
    "transcription_model",
    "transcription_cost_usd",
    "feedback_model",
    "feedback_cost_usd",
    "total_cost_usd",
    *COUNT_KINDS,
)


@dataclass
class CostStats:
    """Cost per interview of one model for one purpose (or all together) over the range, in USD."""

    model: str
    interviews: int
    total: Decimal
    median: Decimal
    p90: Decimal
    max: Decimal
    source: str = ""  # realtime, transcription, feedback; "" for all models together


@dataclass
class OfferMargin:
    """One way interviews were paid for: its revenue in the range against its interviews' model cost."""

    key: str
    name: str
    revenue: Decimal  # USD, net of refunds, in the range
    payments: int
    interviews: int
    cost: Decimal  # USD

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost

    @property
    def margin_percent(self) -> Decimal | None:
        if self.revenue <= 0:
            return None
        return (self.margin / self.revenue * 100).quantize(Decimal("0.1"))


@dataclass
class LossCandidate:
    user_id: int
    email: str
    interviews: int
    cost: Decimal  # USD
    paid: Decimal  # USD, net of refunds

    @property
    def shortfall(self) -> Decimal:
        return self.cost - self.paid


@dataclass
class EconomicsDay:
    day: str
    interviews: int = 0
    cost: float = 0.0  # USD
    cost_per_interview: float = 0.0  # USD


@dataclass
class EconomicsReport:
    range: DateRange
    prices_checked: str
    cost_cap: Decimal
    overall: CostStats
    by_model: list[CostStats]
    minutes: Decimal
    cost_per_minute: Decimal | None
    offers: list[OfferMargin]
    total: OfferMargin
    other_currencies: list[tuple[str, Decimal]]  # revenue not in USD, not in the margins
    losses: list[LossCandidate]
    days: list[EconomicsDay] = field(default_factory=list)
    cost_limit_closes: int = 0


# --- helpers --------------------------------------------------------------------------------------


def _in_range(column: Any, rng: DateRange) -> ColumnElement[bool]:
    return and_(column >= rng.start_at, column < rng.end_before)


def _usd(nanos: Any) -> Decimal:
    return to_usd(int(nanos or 0)).quantize(Decimal("0.000001"))


def _day_of(column: Any, session: Session) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)


def _day_key(value: Any) -> str:
    return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)[:10]


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` later (the last day of a shorter month)."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError("no such month")  # pragma: no cover


def _months_of_offer(offer: Any) -> ColumnElement[Any]:
    return case(*((offer == o.key, o.months) for o in COACH_OFFERS), else_=1)


def _coverage_end(paid_at: Any, offer: Any, session: Session) -> ColumnElement[Any]:
    """When a Coach payment's months run out, as the database computes it."""
    months = _months_of_offer(offer)
    if session.get_bind().dialect.name == "postgresql":
        return paid_at + months * literal_column("interval '1 month'")
    return func.datetime(paid_at, literal("+") + cast(months, String) + literal(" months"))


# --- cost per interview ---------------------------------------------------------------------------


def _per_interview_costs(rng: DateRange) -> Any:
    """The range's interviews with usage, one row each (``interview_costs``)."""
    c = InterviewCost
    return (
        select(
            col(c.session_id).label("session_id"),
            col(c.cost_nanousd).label("cost"),
            col(c.started_at).label("started_at"),
            col(c.user_id).label("user_id"),
        )
        .where(_in_range(col(c.started_at), rng))
        .subquery()
    )


def _nearest_rank(ordered: list[int], fraction: float) -> int:
    """The value at rank ceil(fraction x n) of an ascending list (nearest-rank percentile)."""
    return ordered[max(0, -(-int(fraction * 100) * len(ordered) // 100) - 1)]


def _stats(model: str, source: str, costs: list[int]) -> CostStats:
    costs.sort()
    return CostStats(
        model,
        len(costs),
        _usd(sum(costs)),
        _usd(_nearest_rank(costs, 0.5)),
        _usd(_nearest_rank(costs, 0.9)),
        _usd(costs[-1]),
        source,
    )


def _cost_stats(session: Session, rng: DateRange, *, by_model: bool) -> list[CostStats]:
    """Median, p90 and max per interview: all models together (``interview_costs``), or per purpose and
    model (the usage totals, found by their start without a join). Ranked here: the costs are plain
    integers, and a window function over them is slower in SQLite than a sort in Python."""
    if not by_model:
        c = InterviewCost
        costs = list(
            session.execute(select(col(c.cost_nanousd)).where(_in_range(col(c.started_at), rng))).scalars()
        )
        return [_stats(ALL_MODELS, "", costs)] if costs else []
    u = InterviewModelUsage
    groups: dict[tuple[str, str], list[int]] = {}
    for source, model, nanos in session.execute(
        select(col(u.source), col(u.model), col(u.cost_nanousd)).where(_in_range(col(u.started_at), rng))
    ):
        groups.setdefault((source, model), []).append(int(nanos))
    stats = [_stats(model, source, costs) for (source, model), costs in groups.items()]
    return sorted(stats, key=lambda st: (-st.total, st.source, st.model))


def _minutes_and_cost(session: Session, rng: DateRange) -> tuple[Decimal, int]:
    """Minutes of the interviews with a recorded duration and usage, and their model cost (nano-USD)."""
    per = _per_interview_costs(rng)
    s = InterviewSession
    seconds, nanos = session.execute(
        select(func.coalesce(func.sum(col(s.duration_seconds)), 0), func.coalesce(func.sum(per.c.cost), 0))
        .select_from(per)
        .join(s, col(s.id) == per.c.session_id)
        .where(col(s.duration_seconds) > 0)
    ).one()
    return Decimal(int(seconds or 0)) / 60, int(nanos or 0)


def _days(session: Session, rng: DateRange) -> list[EconomicsDay]:
    per = _per_interview_costs(rng)
    day = _day_of(per.c.started_at, session).label("day")
    rows = session.execute(select(day, func.count(), func.sum(per.c.cost)).group_by(day)).all()
    days = {d.isoformat(): EconomicsDay(day=d.isoformat()) for d in rng.days}
    for key, count, nanos in rows:
        fig = days.get(_day_key(key))
        if fig is not None:
            fig.interviews = int(count)
            fig.cost = float(_usd(nanos))
            fig.cost_per_interview = round(fig.cost / fig.interviews, 6) if fig.interviews else 0.0
    return list(days.values())


# --- who paid: attribution and revenue ------------------------------------------------------------


def _attributed_costs(session: Session, rng: DateRange) -> dict[str, tuple[int, int]]:
    """Model cost (nano-USD) and interviews in the range per way of paying (group or Coach offer)."""
    s, p = InterviewSession, StripePayment
    per = _per_interview_costs(rng)
    bought_pack = exists().where(
        col(p.user_id) == per.c.user_id,
        col(p.kind) == PAYMENT_KIND_ONE_TIME,
        col(p.status).in_(RECEIVED),
        col(p.paid_at) <= per.c.started_at,
    )
    covering_plan = (
        select(col(p.offer))
        .where(
            col(p.user_id) == per.c.user_id,
            col(p.kind) == PAYMENT_KIND_SUBSCRIPTION,
            col(p.status).in_(RECEIVED),
            col(p.paid_at) <= per.c.started_at,
            _coverage_end(col(p.paid_at), col(p.offer), session) > per.c.started_at,
        )
        .order_by(col(p.paid_at).desc())
        .limit(1)
        .scalar_subquery()
    )
    way = case(
        (and_(col(s.credits_charged_cents) > 0, bought_pack), literal(GROUP_CREDIT_PACKS)),
        (col(s.credits_charged_cents) > 0, literal(GROUP_FREE_CREDITS)),
        else_=func.coalesce(covering_plan, literal(GROUP_UNATTRIBUTED)),
    ).label("way")
    inner = select(way, per.c.cost).select_from(per).join(s, col(s.id) == per.c.session_id).subquery()
    rows = session.execute(
        select(inner.c.way, func.count(), func.sum(inner.c.cost)).group_by(inner.c.way)
    ).all()
    return {str(key): (int(count), int(nanos or 0)) for key, count, nanos in rows}


@dataclass
class _Revenue:
    usd_cents: dict[str, Decimal] = field(default_factory=dict)  # per offer, cents (fractional: spread)
    payments: dict[str, int] = field(default_factory=dict)
    other: dict[str, Decimal] = field(default_factory=dict)  # per currency, minor units

    def add(self, offer: str, currency: str, minor: Decimal, payments: int) -> None:
        code = currency.lower()
        if code != "usd":
            self.other[code or "?"] = self.other.get(code or "?", Decimal(0)) + minor
            return
        self.usd_cents[offer] = self.usd_cents.get(offer, Decimal(0)) + minor
        self.payments[offer] = self.payments.get(offer, 0) + payments


def _revenue(session: Session, rng: DateRange) -> _Revenue:
    """Received payments net of refunds: packs when paid in the range, plans spread over their months."""
    p = StripePayment
    out = _Revenue()
    received = [col(p.status).in_(RECEIVED), col(p.paid_at) < rng.end_before]
    packs = session.execute(
        select(
            col(p.offer),
            col(p.currency),
            func.count(),
            func.sum(col(p.amount_cents) - col(p.amount_refunded_cents)),
        )
        .where(*received, col(p.kind) == PAYMENT_KIND_ONE_TIME, col(p.paid_at) >= rng.start_at)
        .group_by(col(p.offer), col(p.currency))
    ).all()
    for offer, currency, count, net in packs:
        out.add(str(offer), str(currency or ""), Decimal(int(net or 0)), int(count))
    # A plan paid before the range counts only if its months reach into it.
    reaches_in = or_(
        *(
            and_(col(p.offer) == o.key, col(p.paid_at) >= add_months(rng.start_at, -o.months))
            for o in COACH_OFFERS
        ),
        and_(col(p.offer).not_in([o.key for o in COACH_OFFERS]), col(p.paid_at) >= rng.start_at),
    )
    # Plans whose months lie inside the range count in full (summed by the database); the few that
    # cross one of its ends are spread here.
    inside = and_(
        col(p.paid_at) >= rng.start_at,
        type_coerce(_coverage_end(col(p.paid_at), col(p.offer), session), UTCDateTime()) <= rng.end_before,
    )
    whole = session.execute(
        select(
            col(p.offer),
            col(p.currency),
            func.count(),
            func.sum(col(p.amount_cents) - col(p.amount_refunded_cents)),
        )
        .where(*received, col(p.kind) == PAYMENT_KIND_SUBSCRIPTION, inside)
        .group_by(col(p.offer), col(p.currency))
    ).all()
    for offer, currency, count, net in whole:
        out.add(str(offer), str(currency or ""), Decimal(int(net or 0)), int(count))
    plans = session.execute(
        select(
            col(p.offer), col(p.currency), col(p.amount_cents), col(p.amount_refunded_cents), col(p.paid_at)
        ).where(*received, col(p.kind) == PAYMENT_KIND_SUBSCRIPTION, reaches_in, ~inside)
    ).all()
    for offer, currency, amount, refunded, paid_at in plans:
        months = OFFERS_BY_KEY[offer].months if offer in OFFERS_BY_KEY else 1
        end = add_months(paid_at, months)
        overlap = min(end, rng.end_before) - max(paid_at, rng.start_at)
        if overlap > timedelta(0):
            net = Decimal(int(amount or 0) - int(refunded or 0))
            share = net * Decimal(overlap.total_seconds()) / Decimal((end - paid_at).total_seconds())
            out.add(str(offer), str(currency or ""), share, 1)
    return out


def _cents_to_usd(cents: Decimal) -> Decimal:
    return (cents / 100).quantize(Decimal("0.01"))


def _margins(costs: dict[str, tuple[int, int]], revenue: _Revenue) -> tuple[list[OfferMargin], OfferMargin]:
    rows: list[OfferMargin] = []
    pack_cents = sum((revenue.usd_cents.get(o.key, Decimal(0)) for o in CREDIT_OFFERS), Decimal(0))
    pack_payments = sum(revenue.payments.get(o.key, 0) for o in CREDIT_OFFERS)
    count, nanos = costs.get(GROUP_CREDIT_PACKS, (0, 0))
    rows.append(
        OfferMargin(
            GROUP_CREDIT_PACKS,
            GROUP_NAMES[GROUP_CREDIT_PACKS],
            _cents_to_usd(pack_cents),
            pack_payments,
            count,
            _usd(nanos),
        )
    )
    for offer in COACH_OFFERS:
        count, nanos = costs.get(offer.key, (0, 0))
        rows.append(
            OfferMargin(
                offer.key,
                offer.name,
                _cents_to_usd(revenue.usd_cents.get(offer.key, Decimal(0))),
                revenue.payments.get(offer.key, 0),
                count,
                _usd(nanos),
            )
        )
    known = {GROUP_CREDIT_PACKS, *(o.key for o in OFFERS)}
    other_cents = sum((c for k, c in revenue.usd_cents.items() if k not in known), Decimal(0))
    for key in (GROUP_FREE_CREDITS, GROUP_UNATTRIBUTED):
        count, nanos = costs.get(key, (0, 0))
        extra = other_cents if key == GROUP_UNATTRIBUTED else Decimal(0)  # payments of unknown offers
        rows.append(OfferMargin(key, GROUP_NAMES[key], _cents_to_usd(extra), 0, count, _usd(nanos)))
    for key, (count, nanos) in costs.items():  # a Coach offer no longer configured, say
        if key not in {r.key for r in rows}:
            rows.append(OfferMargin(key, offer_name(key), Decimal("0.00"), 0, count, _usd(nanos)))
    total = OfferMargin(
        "total",
        "All interviews",
        sum((r.revenue for r in rows), Decimal("0.00")),
        sum(r.payments for r in rows),
        sum(r.interviews for r in rows),
        sum((r.cost for r in rows), Decimal(0)),
    )
    return rows, total


# --- candidates costing more than they paid -------------------------------------------------------


def _losses(session: Session, rng: DateRange, limit: int = TOP_LOSSES) -> list[LossCandidate]:
    c, p = InterviewCost, StripePayment
    cost = (
        select(
            col(c.user_id).label("user_id"),
            func.count().label("interviews"),
            func.sum(col(c.cost_nanousd)).label("cost"),
        )
        .where(col(c.started_at) < rng.end_before)
        .group_by(col(c.user_id))
        .subquery()
    )
    paid = (
        select(
            col(p.user_id).label("user_id"),
            func.sum(col(p.amount_cents) - col(p.amount_refunded_cents)).label("cents"),
        )
        .where(
            col(p.status).in_(RECEIVED),
            col(p.paid_at) < rng.end_before,
            func.lower(col(p.currency)) == "usd",
            col(p.user_id).is_not(None),
        )
        .group_by(col(p.user_id))
        .subquery()
    )
    paid_cents = func.coalesce(paid.c.cents, 0)
    shortfall = cost.c.cost - paid_cents * NANOS_PER_CENT
    rows = session.execute(
        select(cost.c.user_id, col(User.email), cost.c.interviews, cost.c.cost, paid_cents)
        .select_from(cost)
        .outerjoin(paid, paid.c.user_id == cost.c.user_id)
        .join(User, col(User.id) == cost.c.user_id)
        .where(shortfall > 0)
        .order_by(shortfall.desc(), cost.c.user_id)
        .limit(limit)
    ).all()
    return [
        LossCandidate(int(uid), str(email), int(n), _usd(nanos), _cents_to_usd(Decimal(int(cents or 0))))
        for uid, email, n, nanos, cents in rows
    ]


# --- the report -----------------------------------------------------------------------------------


def economics_report(*, session: Session, date_range: DateRange, settings: Settings) -> EconomicsReport:
    """Every economics figure on ``/admin/usage`` for one range."""
    overall = _cost_stats(session, date_range, by_model=False)
    minutes, timed_nanos = _minutes_and_cost(session, date_range)
    revenue = _revenue(session, date_range)
    offers, total = _margins(_attributed_costs(session, date_range), revenue)
    closes = session.execute(
        select(func.count())
        .select_from(InterviewSession)
        .where(
            _in_range(col(InterviewSession.created_at), date_range),
            col(InterviewSession.end_reason) == END_REASON_COST_LIMIT,
        )
    ).scalar_one()
    return EconomicsReport(
        range=date_range,
        prices_checked=settings.model_prices_checked.isoformat(),
        cost_cap=settings.interview_max_model_cost_usd,
        overall=overall[0] if overall else CostStats(ALL_MODELS, 0, *(Decimal(0),) * 4),
        by_model=_cost_stats(session, date_range, by_model=True),
        minutes=minutes.quantize(Decimal("0.1")),
        cost_per_minute=(to_usd(timed_nanos) / minutes).quantize(Decimal("0.000001")) if minutes else None,
        offers=offers,
        total=total,
        other_currencies=[
            (code, to_major_units(int(amount), code)) for code, amount in sorted(revenue.other.items())
        ],
        losses=_losses(session, date_range),
        days=_days(session, date_range),
        cost_limit_closes=int(closes),
    )


# --- the CSV --------------------------------------------------------------------------------------


def interview_cost_rows(*, session: Session, date_range: DateRange) -> Iterator[tuple[Any, ...]]:
    """One row per interview started in the range (``CSV_COLUMNS``), oldest first.

    Two plain reads, merged here: the interviews in start order, and their usage lines (found by their
    own start, no join); grouping in the database would sort the whole range.
    """
    s, u = InterviewSession, InterviewModelUsage
    lines: dict[str, _CsvInterview] = {}
    for iid, source, model, nanos, *counts in session.execute(
        select(
            col(u.session_id),
            col(u.source),
            col(u.model),
            col(u.cost_nanousd),
            *(getattr(u, kind) for kind in COUNT_KINDS),
        ).where(_in_range(col(u.started_at), date_range))
    ):
        lines.setdefault(iid, _CsvInterview()).add(source, model, int(nanos or 0), counts)
    interviews = session.execute(
        select(
            col(s.id),
            col(s.created_at),
            col(s.user_id),
            col(s.status),
            col(s.end_reason),
            col(s.duration_seconds),
            col(s.credits_charged_cents),
        )
        .where(_in_range(col(s.created_at), date_range))
        .order_by(col(s.created_at), col(s.id))
    )
    empty = _CsvInterview()
    for iid, created, user_id, status, reason, seconds, charged in interviews:
        usage = lines.get(iid, empty)
        yield (
            iid,
            created.isoformat() if created else "",
            user_id,
            status,
            reason or "",
            seconds if seconds is not None else "",
            "credits" if (charged or 0) > 0 else "included",
            *usage.row(),
        )


@dataclass
class _CsvInterview:
    """One interview's usage lines summed: model and cost per purpose, counts over all."""

    models: dict[str, str] = field(default_factory=dict)
    costs: dict[str, int] = field(default_factory=dict)
    counts: list[int] = field(default_factory=lambda: [0] * len(COUNT_KINDS))

    def add(self, source: str, model: str, nanos: int, counts: list[Any]) -> None:
        self.models[source] = f"{self.models[source]} {model}" if source in self.models else model
        self.costs[source] = self.costs.get(source, 0) + nanos
        self.counts = [a + int(b or 0) for a, b in zip(self.counts, counts, strict=True)]

    def row(self) -> tuple[Any, ...]:
        return (
            self.models.get(SOURCE_REALTIME, ""),
            _csv_usd(self.costs.get(SOURCE_REALTIME)),
            self.models.get(SOURCE_TRANSCRIPTION, ""),
            _csv_usd(self.costs.get(SOURCE_TRANSCRIPTION)),
            self.models.get(SOURCE_FEEDBACK, ""),
            _csv_usd(self.costs.get(SOURCE_FEEDBACK)),
            _csv_usd(sum(self.costs.values())) if self.costs else "0",
            *self.counts,
        )


def _csv_usd(nanos: Any) -> str:
    return "" if nanos is None else f"{to_usd(int(nanos)):.6f}"


def interview_costs_csv(*, session: Session, date_range: DateRange) -> str:
    """The per-interview rows as CSV text (a header, then one line per interview)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(interview_cost_rows(session=session, date_range=date_range))
    return out.getvalue()


def csv_filename(date_range: DateRange) -> str:
    return f"vocahire-interview-costs-{date_range.start.isoformat()}-to-{date_range.end.isoformat()}.csv"
