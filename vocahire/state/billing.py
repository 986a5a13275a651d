"""The billing section (account page): plan, billing history from the ledger, and the customer portal."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import reflex as rx

from vocahire import routes
from vocahire.infra.database import run_db
from vocahire.services import billing
from vocahire.settings import get_settings
from vocahire.state.errors import friendly_error
from vocahire.state.session import current_user


class BillingState(rx.State):
    history: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    has_plan: bool = False
    plan_active: bool = False
    plan_name: str = ""
    plan_status: str = ""
    plan_period_end: str = ""
    plan_renews: bool = False
    has_billing_account: bool = False
    payments_configured: bool = False
    loading: bool = True
    error: str = ""
    portal_busy: bool = False

    def _clear(self) -> None:
        self.history = []
        self.has_plan = self.plan_active = self.plan_renews = self.has_billing_account = False
        self.plan_name = self.plan_status = self.plan_period_end = ""

    @rx.event
    async def load(self) -> None:
        """The signed-in user's own plan and ledger (never anyone else's: the id comes from the session)."""
        self.loading, self.error = True, ""
        self.payments_configured = get_settings().stripe_configured
        try:
            user = await current_user(self)
            self.history = await run_db(billing.billing_history, user_id=user.id)
            plan = await run_db(billing.subscription_summary, user_id=user.id)
            self.has_billing_account = await run_db(billing.has_billing_account, user_id=user.id)
            self.has_plan, self.plan_active, self.plan_renews = (
                plan["has_plan"],
                plan["active"],
                plan["renews"],
            )
            self.plan_name, self.plan_status, self.plan_period_end = (
                plan["plan"],
                plan["status"],
                plan["period_end"],
            )
        except Exception as exc:
            self._clear()
            self.error = friendly_error(exc)
        finally:
            self.loading = False

    @rx.event
    async def open_portal(self) -> Any:
        """Stripe's customer portal for this user's own customer: change or cancel the plan, invoices."""
        if self.portal_busy:
            return
        try:
            user = await current_user(self)
        except Exception as exc:
            yield rx.toast.error(friendly_error(exc))
            return
        self.portal_busy = True
        yield
        settings = get_settings()
        try:
            url = await anyio.to_thread.run_sync(
                lambda: billing.start_portal(
                    settings, user.id, return_url=f"{settings.app_url}{routes.ACCOUNT}"
                )
            )
        except Exception as exc:
            self.portal_busy = False
            yield rx.toast.error(friendly_error(exc))
            return
        yield rx.redirect(url)
