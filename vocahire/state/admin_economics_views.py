"""What the economics part of /admin/usage shows: the report's figures as text and chart rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from vocahire import routes
from vocahire.services.admin.economics import CostStats, EconomicsReport, OfferMargin

SOURCE_LABELS = {
    "realtime": "Interviewer",
    "transcription": "Transcription",
    "feedback": "Feedback",
    "": "All",
}


def usd(amount: Decimal | None, places: int = 2) -> str:
    """``$1,234.50``; ``-$2.71``; costs per interview with more places (``$0.0123``); "—" when unknown."""
    if amount is None:
        return "—"
    if places == 2 and 0 < abs(amount) < 1:
        places = 4  # a few cents of model cost would otherwise read as $0.00
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.{places}f}"


def percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def csv_url(report: EconomicsReport) -> str:
    query = urlencode({"start": report.range.start.isoformat(), "end": report.range.end.isoformat()})
    return f"{routes.API_ADMIN_INTERVIEW_COSTS}?{query}"


def model_rows(report: EconomicsReport) -> list[dict[str, str]]:
    def row(stats: CostStats) -> dict[str, str]:
        return {
            "model": stats.model,
            "source": SOURCE_LABELS.get(stats.source, stats.source),
            "interviews": f"{stats.interviews:,}",
            "median": usd(stats.median, 4),
            "p90": usd(stats.p90, 4),
            "max": usd(stats.max, 4),
            "total": usd(stats.total),
        }

    return [row(s) for s in report.by_model] + ([row(report.overall)] if report.by_model else [])


def offer_rows(report: EconomicsReport) -> list[dict[str, Any]]:
    def row(line: OfferMargin) -> dict[str, Any]:
        return {
            "name": line.name,
            "revenue": usd(line.revenue),
            "payments": f"{line.payments:,}",
            "interviews": f"{line.interviews:,}",
            "cost": usd(line.cost),
            "margin": usd(line.margin),
            "margin_percent": percent(line.margin_percent),
            "revenue_value": float(line.revenue),
            "cost_value": float(line.cost.quantize(Decimal("0.01"))),
        }

    shown = [o for o in report.offers if o.revenue or o.interviews or o.payments]
    return [row(o) for o in shown]


def loss_rows(report: EconomicsReport) -> list[dict[str, str]]:
    return [
        {
            "email": loss.email,
            "interviews": f"{loss.interviews:,}",
            "cost": usd(loss.cost),
            "paid": usd(loss.paid),
            "shortfall": usd(loss.shortfall),
        }
        for loss in report.losses
    ]


def daily_cost_rows(report: EconomicsReport) -> list[dict[str, Any]]:
    return [
        {
            "label": date.fromisoformat(d.day).strftime("%d %b"),
            "cost": round(d.cost, 4),
            "cost_per_interview": round(d.cost_per_interview, 4),
            "interviews": d.interviews,
        }
        for d in report.days
    ]


def economics_totals(report: EconomicsReport) -> dict[str, str]:
    """The economics cards' text."""
    total = report.total
    return {
        "median": usd(report.overall.median, 4),
        "p90": usd(report.overall.p90, 4),
        "p90_max": f"{usd(report.overall.p90, 4)} / {usd(report.overall.max, 4)}",
        "max": usd(report.overall.max, 4),
        "costed": f"{report.overall.interviews:,}",
        "model_cost": usd(report.overall.total),
        "per_minute": usd(report.cost_per_minute, 4),
        "revenue": usd(total.revenue),
        "margin": usd(total.margin),
        "margin_percent": percent(total.margin_percent),
        "cost_limit_closes": f"{report.cost_limit_closes:,}",
        "cost_cap": usd(report.cost_cap),
        "prices_checked": report.prices_checked,
        "other_currencies": "; ".join(
            f"{amount:,} {code.upper()}" for code, amount in report.other_currencies
        ),
        "csv_url": csv_url(report),
    }
