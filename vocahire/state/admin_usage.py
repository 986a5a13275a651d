"""What /admin/usage shows: figures for a date range, as chart series and totals (admins only).

The service returns plain figures; the words and number formats the page shows are made here.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

import reflex as rx

from vocahire.errors import InvalidInput
from vocahire.infra.database import run_db
from vocahire.services.admin import economics
from vocahire.services.admin import usage as admin_usage
from vocahire.services.admin.usage import DateRange, UsageReport
from vocahire.services.billing.offers import OFFERS_BY_KEY, format_money
from vocahire.settings import get_settings
from vocahire.state import admin_economics_views as econ_views
from vocahire.state.errors import friendly_error
from vocahire.state.session import current_admin

PRESETS = (7, 30, 90, 365)


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 user``, ``2 users``, ``0 users`` (``many`` when adding an "s" isn't the plural)."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def wait_label(seconds: float | None) -> str:
    """A wait such as the feedback's: ``45 s``, ``1 min 30 s``, ``2 h 05 min``; "—" when unknown."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def offer_label(key: str) -> str:
    offer = OFFERS_BY_KEY.get(key)
    return offer.name if offer else key.replace("_", " ").capitalize()


def daily_rows(report: UsageReport) -> list[dict[str, Any]]:
    """One chart row per day: the figures as plain numbers and the axis label ("10 Mar")."""
    return [{**asdict(d), "label": date.fromisoformat(d.day).strftime("%d %b")} for d in report.days]


def revenue_rows(report: UsageReport) -> list[dict[str, Any]]:
    return [
        {
            "offer": offer_label(line.offer),
            "payments": f"{line.payments:,}",
            "amount": format_money(line.amount_minor, line.currency),
            "amount_value": float(line.amount),
        }
        for line in report.revenue
    ]


def error_rows(report: UsageReport) -> list[dict[str, str]]:
    return [
        {"when": e["when"].strftime("%d %b %H:%M"), "kind": str(e["kind"]), "message": str(e["message"])}
        for e in report.error_messages
    ]


def usage_totals(report: UsageReport) -> dict[str, str]:
    """The summary cards' text."""
    return {
        "started": f"{report.interviews_started:,}",
        "completed": f"{report.interviews_completed:,}",
        "failed": f"{report.interviews_failed:,}",
        "minutes": f"{report.interview_minutes:,}",
        "credits_spent": f"{report.credits_spent:,.2f}",
        "credits_sold": f"{report.credits_sold:,.2f}",
        "credits_granted": f"{report.credits_granted:,.2f}",
        "active_subscribers": f"{report.active_subscribers:,}",
        "subscribers_label": plural(report.active_subscribers, "active subscriber"),
        "feedback_pending": f"{report.feedback_pending:,}",
        "feedback_generating": f"{report.feedback_generating:,}",
        "feedback_failed": f"{report.feedback_failed:,}",
        "feedback_completed": f"{report.feedback_completed:,}",
        "median_feedback": wait_label(report.median_feedback_seconds),
        "interview_errors": f"{report.interview_errors:,}",
        "feedback_failures": f"{report.feedback_failures:,}",
        "new_users": f"{report.new_users:,}",
        "revenue": "; ".join(format_money(r.amount_minor, r.currency) for r in report.revenue_totals())
        or "0.00",
        "payments_label": plural(sum(r.payments for r in report.revenue), "payment"),
    }


class AdminUsageState(rx.State):
    """Display data only: chart rows, total strings and the chosen range; every handler re-checks admin."""

    start: str = ""
    end: str = ""
    daily: rx.Field[list[dict[str, int | float | str]]] = rx.field(default_factory=list)
    revenue: rx.Field[list[dict[str, int | float | str]]] = rx.field(default_factory=list)
    revenue_available: bool = False
    recent_errors: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    totals: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    # Unit economics: model cost per interview against what it earned (services/admin/economics.py).
    econ: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    econ_models: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    econ_offers: rx.Field[list[dict[str, int | float | str]]] = rx.field(default_factory=list)
    econ_losses: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    econ_daily: rx.Field[list[dict[str, int | float | str]]] = rx.field(default_factory=list)
    loading: bool = True
    error: str = ""
    range_error: str = ""
    # Bumped whenever a range is applied, so the date inputs show it (they are uncontrolled).
    form_version: int = 0

    def _clear(self) -> None:
        self.daily, self.revenue, self.recent_errors, self.totals = [], [], [], {}
        self.revenue_available = False
        self.econ, self.econ_models, self.econ_offers, self.econ_losses, self.econ_daily = {}, [], [], [], []

    async def _fetch(self, date_range: DateRange) -> None:
        report = await run_db(admin_usage.usage_report, date_range=date_range)
        self.start, self.end = date_range.start.isoformat(), date_range.end.isoformat()
        self.form_version += 1
        self.daily = daily_rows(report)
        self.revenue = revenue_rows(report)
        self.revenue_available = report.revenue_available
        self.recent_errors = error_rows(report)
        self.totals = usage_totals(report)
        econ = await run_db(economics.economics_report, date_range=date_range, settings=get_settings())
        self.econ = econ_views.economics_totals(econ)
        self.econ_models = econ_views.model_rows(econ)
        self.econ_offers = econ_views.offer_rows(econ)
        self.econ_losses = econ_views.loss_rows(econ)
        self.econ_daily = econ_views.daily_cost_rows(econ)
        self.error = ""

    async def _show(self, date_range: DateRange | None) -> None:
        try:
            await current_admin(self)
            await self._fetch(date_range or admin_usage.default_range())
            self.range_error = ""
        except InvalidInput as exc:
            self.range_error = friendly_error(exc)
        except Exception as exc:
            self._clear()
            self.error = friendly_error(exc)
        finally:
            self.loading = False

    @rx.event
    async def load(self) -> None:
        """On page load: the last 30 days (or the range already chosen in this tab)."""
        self.loading = True
        date_range = None
        if self.start and self.end:
            try:
                date_range = admin_usage.parse_range(self.start, self.end)
            except InvalidInput:
                date_range = None
        await self._show(date_range)

    @rx.event
    async def apply_range(self, form_data: dict[str, Any]) -> None:
        """The date-range form: ``{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}``, validated on the server."""
        try:
            await current_admin(self)
            if not isinstance(form_data, dict):
                raise InvalidInput("Pick a start and an end date.")
            date_range = admin_usage.parse_range(form_data.get("start"), form_data.get("end"))
        except InvalidInput as exc:
            self.range_error = friendly_error(exc)
            return
        except Exception as exc:
            self._clear()
            self.error = friendly_error(exc)
            return
        self.loading = True
        await self._show(date_range)

    @rx.event
    async def preset(self, days: int) -> None:
        """The last ``days`` days up to today (7, 30, 90 or 365)."""
        try:
            await current_admin(self)
        except Exception as exc:
            self._clear()
            self.error = friendly_error(exc)
            return
        if not isinstance(days, int) or isinstance(days, bool) or days not in PRESETS:
            self.range_error = "Pick one of the preset ranges."
            return
        self.loading = True
        await self._show(admin_usage.last_days(days))
