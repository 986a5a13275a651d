"""What /admin/usage shows: figures for a date range, as chart series and totals (admins only)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from vocahire.errors import InvalidInput
from vocahire.infra.database import run_db
from vocahire.services.admin import usage as admin_usage
from vocahire.services.admin.usage import DateRange
from vocahire.state.errors import friendly_error
from vocahire.state.session import current_admin

PRESETS = (7, 30, 90, 365)


class AdminUsageState(rx.State):
    """Display data only: chart rows, total strings and the chosen range; every handler re-checks admin."""

    start: str = ""
    end: str = ""
    daily: rx.Field[list[dict[str, int | float | str]]] = rx.field(default_factory=list)
    revenue: rx.Field[list[dict[str, int | float | str]]] = rx.field(default_factory=list)
    revenue_available: bool = False
    recent_errors: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    totals: rx.Field[dict[str, str]] = rx.field(default_factory=dict)
    loading: bool = True
    error: str = ""
    range_error: str = ""
    # Bumped whenever a range is applied, so the date inputs show it (they are uncontrolled).
    form_version: int = 0

    def _clear(self) -> None:
        self.daily, self.revenue, self.recent_errors, self.totals = [], [], [], {}
        self.revenue_available = False

    async def _fetch(self, date_range: DateRange) -> None:
        report = await run_db(admin_usage.usage_report, date_range=date_range)
        self.start, self.end = date_range.start.isoformat(), date_range.end.isoformat()
        self.form_version += 1
        self.daily = report.daily_dicts()
        self.revenue = [line.as_dict() for line in report.revenue]
        self.revenue_available = report.revenue_available
        self.recent_errors = [{k: str(v) for k, v in e.items()} for e in report.error_messages]
        self.totals = report.totals()
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
