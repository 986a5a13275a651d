"""Admin economics against a fixture whose figures are computed by hand (in the comments).

Prices are made round for the arithmetic: one token of ``rt-test`` audio output or of ``tr-test`` text
output costs one cent (10,000 USD per 1M tokens), so a cost in cents is a count of tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.models import InterviewSession, StripePayment
from vocahire.services.admin import economics
from vocahire.services.admin.usage import DateRange
from vocahire.services.interviews import usage
from vocahire.settings import get_settings

RANGE = DateRange(date(2026, 12, 1), date(2026, 12, 10))
PRICES = '{"rt-test": {"audio_output": "10000"}, "tr-test": {"text_output": "10000"}}'


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


@dataclass
class Interview:
    user: str
    created: datetime
    credits: bool  # took a credit (else included in a plan)
    realtime_cents: int
    transcription_cents: int = 0
    seconds: int | None = None
    end_reason: str | None = None


INTERVIEWS = {
    "A0": Interview("a", at(11, 30, 23, 59, 59), True, 500),  # the day before the range: out
    "A1": Interview("a", at(12, 2), True, 20, 10, seconds=600),
    "A2": Interview("a", at(12, 4), True, 40, 10),
    "B1": Interview("b", at(12, 1), False, 100, seconds=300),  # the range's first instant
    "B2": Interview("b", at(12, 5), False, 150, 50, seconds=1200),
    "B3": Interview("b", at(12, 10, 23, 59, 59), False, 300, end_reason="cost_limit"),  # the last second
    "C1": Interview("c", at(12, 3), True, 30, 10),  # c never paid
    "D1": Interview("d", at(12, 6), False, 10),
    "E1": Interview("e", at(12, 7), False, 20),  # premium from an admin: no plan paid for it
    "F1": Interview("a", at(12, 8), True, 0),  # failed to start: no usage at all
    "B4": Interview("b", at(12, 11), False, 900),  # the day after: out
}

# (user, offer, kind, status, cents, refunded, currency, paid_at)
PAYMENTS = [
    ("a", "credits_5", "one_time", "paid", 1000, 0, "usd", at(11, 20)),  # before the range
    ("a", "credits_3", "one_time", "partially_refunded", 700, 200, "usd", at(12, 3)),
    ("a", "credits_3", "one_time", "failed", 700, 0, "usd", at(12, 4)),  # never received
    ("b", "coach_annual", "subscription", "paid", 12000, 0, "usd", at(11, 15)),  # spans the start
    ("d", "coach_monthly", "subscription", "refunded", 2000, 2000, "usd", at(12, 5)),
    ("e", "credits_3", "one_time", "paid", 600, 0, "eur", at(12, 8)),  # not USD: not in the margins
]


@pytest.fixture
def fixture(db, env):
    env(MODEL_PRICES=PRICES)
    users = {key: make_user(f"{key}@example.com").id for key in "abcde"}

    def build(*, session):
        ids = {}
        for name, it in INTERVIEWS.items():
            row = InterviewSession(
                user_id=users[it.user],
                job_title="Engineer",
                status="completed",
                created_at=it.created,
                duration_seconds=it.seconds,
                end_reason=it.end_reason,
                credits_charged_cents=100 if it.credits else 0,
            )
            session.add(row)
            session.flush()
            ids[name] = row.id
        for user, offer, kind, status, cents, refunded, currency, paid in PAYMENTS:
            session.add(
                StripePayment(
                    user_id=users[user],
                    offer=offer,
                    kind=kind,
                    status=status,
                    amount_cents=cents,
                    amount_refunded_cents=refunded,
                    currency=currency,
                    paid_at=paid,
                )
            )
        return ids

    ids = in_session(build)
    for name, it in INTERVIEWS.items():
        reports = []
        if it.realtime_cents:
            reports.append(
                usage.UsageReport("realtime", f"{name}-r", "rt-test", {"audio_output": it.realtime_cents})
            )
        if it.transcription_cents:
            reports.append(
                usage.UsageReport(
                    "transcription", f"{name}-t", "tr-test", {"text_output": it.transcription_cents}
                )
            )
        in_session(usage.record_usage, interview_id=ids[name], reports=reports, settings=get_settings())
    return ids, users


def report():
    return in_session(economics.economics_report, date_range=RANGE, settings=get_settings())


def test_cost_per_interview_by_model(fixture):
    r = report()
    # in the range, with usage: A1 .30, A2 .50, B1 1.00, B2 2.00, B3 3.00, C1 .40, D1 .10, E1 .20
    # sorted .10 .20 .30 .40 .50 1.00 2.00 3.00: median = rank 4 of 8, p90 = rank ceil(7.2) = 8
    assert (r.overall.interviews, r.overall.total) == (8, Decimal("7.50"))
    assert (r.overall.median, r.overall.p90, r.overall.max) == (
        Decimal("0.40"),
        Decimal("3.00"),
        Decimal("3.00"),
    )
    models = {s.model: s for s in r.by_model}
    # rt-test: .20 .40 1.00 1.50 3.00 .30 .10 .20 -> .10 .20 .20 .30 .40 1.00 1.50 3.00
    rt = models["rt-test"]
    assert (rt.interviews, rt.total, rt.median, rt.p90, rt.max) == (
        8,
        Decimal("6.70"),
        Decimal("0.30"),
        Decimal("3.00"),
        Decimal("3.00"),
    )
    # tr-test: A1 .10, A2 .10, B2 .50, C1 .10: median rank 2, p90 rank ceil(3.6) = 4
    tr = models["tr-test"]
    assert (tr.interviews, tr.total, tr.median, tr.p90, tr.max) == (
        4,
        Decimal("0.80"),
        Decimal("0.10"),
        Decimal("0.50"),
        Decimal("0.50"),
    )


def test_cost_per_minute_counts_interviews_with_a_duration(fixture):
    r = report()
    # A1 .30 over 10 min, B1 1.00 over 5 min, B2 2.00 over 20 min: 3.30 / 35 min
    assert r.minutes == Decimal("35.0")
    assert r.cost_per_minute == Decimal("0.094286")


def test_revenue_and_margin_per_plan(fixture):
    r = report()
    rows = {row.key: row for row in r.offers}
    packs = rows["credit_packs"]
    # only the 3-pack paid in the range counts, net of its 2.00 refund; A1 + A2 were paid with packs
    assert (packs.revenue, packs.payments, packs.interviews, packs.cost) == (
        Decimal("5.00"),
        1,
        2,
        Decimal("0.80"),
    )
    assert (packs.margin, packs.margin_percent) == (Decimal("4.20"), Decimal("84.0"))
    annual = rows["coach_annual"]
    # 120.00 paid 15 Nov 2026 covers 365 days; 10 of them are in the range: 120 x 10 / 365 = 3.29
    assert (annual.revenue, annual.interviews, annual.cost) == (Decimal("3.29"), 3, Decimal("6.00"))
    assert annual.margin == Decimal("-2.71") and annual.margin_percent == Decimal("-82.4")
    monthly = rows["coach_monthly"]  # paid and refunded in full: no revenue, its interview still cost
    assert (monthly.revenue, monthly.payments, monthly.interviews, monthly.cost) == (
        Decimal("0.00"),
        1,
        1,
        Decimal("0.10"),
    )
    assert monthly.margin_percent is None
    assert (rows["free_credits"].interviews, rows["free_credits"].cost) == (1, Decimal("0.40"))
    assert (rows["unattributed"].interviews, rows["unattributed"].cost) == (1, Decimal("0.20"))
    assert rows["coach_quarterly"].interviews == 0
    # overall: 5.00 + 3.29 of USD revenue against 7.50 of model cost
    assert (r.total.revenue, r.total.cost, r.total.margin) == (
        Decimal("8.29"),
        Decimal("7.50"),
        Decimal("0.79"),
    )
    assert r.total.interviews == 8
    assert r.other_currencies == [("eur", Decimal("6.00"))]


def test_candidates_costing_more_than_they_paid(fixture):
    r = report()
    # up to the range's end: a paid 15.00 for 5.80, b 120.00 for 6.00; c paid nothing for .40,
    # e paid no USD for .20, d was refunded everything for .10
    assert [(loss.email, loss.cost, loss.paid, loss.shortfall) for loss in r.losses] == [
        ("c@example.com", Decimal("0.40"), Decimal("0.00"), Decimal("0.40")),
        ("e@example.com", Decimal("0.20"), Decimal("0.00"), Decimal("0.20")),
        ("d@example.com", Decimal("0.10"), Decimal("0.00"), Decimal("0.10")),
    ]


def test_daily_trend_and_cost_limit_closes(fixture):
    r = report()
    days = {d.day: d for d in r.days}
    assert len(days) == 10
    assert (days["2026-12-01"].interviews, days["2026-12-01"].cost) == (1, 1.0)
    assert (days["2026-12-02"].interviews, days["2026-12-02"].cost) == (1, 0.3)
    assert (days["2026-12-08"].interviews, days["2026-12-08"].cost) == (0, 0.0)  # F1 used nothing
    assert days["2026-12-10"].cost == 3.0
    assert r.cost_limit_closes == 1
    assert r.prices_checked == "2026-12-05"


def test_the_csv_has_one_row_per_interview_in_the_range(fixture):
    ids, _users = fixture
    text = in_session(economics.interview_costs_csv, date_range=RANGE)
    header, *rows = text.strip().split("\n")
    assert header.split(",") == list(economics.CSV_COLUMNS)
    assert len(rows) == 9  # A1 A2 B1 B2 B3 C1 D1 E1 F1
    by_id = {row.split(",")[0]: row.split(",") for row in rows}
    b2 = dict(zip(economics.CSV_COLUMNS, by_id[ids["B2"]], strict=True))
    assert b2["paid_with"] == "included" and b2["duration_seconds"] == "1200"
    assert (b2["realtime_model"], b2["realtime_cost_usd"]) == ("rt-test", "1.500000")
    assert (b2["transcription_model"], b2["transcription_cost_usd"]) == ("tr-test", "0.500000")
    assert (b2["feedback_model"], b2["feedback_cost_usd"], b2["total_cost_usd"]) == ("", "", "2.000000")
    assert (b2["audio_output"], b2["text_output"]) == ("150", "50")
    f1 = dict(zip(economics.CSV_COLUMNS, by_id[ids["F1"]], strict=True))
    assert (f1["paid_with"], f1["total_cost_usd"], f1["audio_output"]) == ("credits", "0", "0")


def test_an_empty_range(db):
    r = report()
    assert (r.overall.interviews, r.overall.median, r.cost_per_minute, r.losses) == (0, Decimal(0), None, [])
    assert r.total.margin == Decimal(0)


def test_a_plan_whose_months_lie_inside_the_range_counts_in_full(fixture):
    wide = DateRange(date(2026, 12, 1), date(2027, 1, 31))
    r = in_session(economics.economics_report, date_range=wide, settings=get_settings())
    rows = {row.key: row for row in r.offers}
    # d's monthly plan (5 Dec - 5 Jan) lies inside: counted whole (refunded in full: 0.00, one payment);
    # b's annual plan crosses the start: 62 of its 365 days, 120 x 62 / 365 = 20.38
    assert (rows["coach_monthly"].revenue, rows["coach_monthly"].payments) == (Decimal("0.00"), 1)
    assert rows["coach_annual"].revenue == Decimal("20.38")
    assert rows["coach_annual"].interviews == 4  # B4 on 11 Dec is in this range
