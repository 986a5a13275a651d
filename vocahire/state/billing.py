"""The billing section (account page): plan, billing history (credit changes and payments), the portal."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import reflex as rx

from vocahire import routes
from vocahire.infra.database import run_db
from vocahire.models.billing import (
    PAYMENT_DISPUTED,
    PAYMENT_FAILED,
    PAYMENT_KIND_SUBSCRIPTION,
    PAYMENT_NEEDS_REVIEW,
    PAYMENT_PAID,
    PAYMENT_PARTIALLY_REFUNDED,
    PAYMENT_PENDING,
    PAYMENT_REFUNDED,
)
from vocahire.models.ledger import (
    KIND_ADMIN_ADJUSTMENT,
    KIND_CHARGEBACK,
    KIND_GRANT,
    KIND_INTERVIEW_DEBIT,
    KIND_PURCHASE,
    KIND_REFUND,
)
from vocahire.services import billing
from vocahire.services.accounts.credits import from_cents
from vocahire.services.billing.offers import format_money, offer_name
from vocahire.settings import get_settings
from vocahire.state.errors import friendly_error
from vocahire.state.session import current_user
from vocahire.wording import CREDITS_NAME

KIND_LABELS = {
    KIND_GRANT: "Welcome grant",
    KIND_INTERVIEW_DEBIT: "Practice interview",
    KIND_REFUND: "Refund",
    KIND_PURCHASE: "Purchase",
    KIND_ADMIN_ADJUSTMENT: "Adjustment by support",
    KIND_CHARGEBACK: "Chargeback",
}
# (label, badge colour) for a payment's status.
PAYMENT_STATUS = {
    PAYMENT_PAID: ("Paid", "grass"),
    PAYMENT_PENDING: ("Pending", "amber"),
    PAYMENT_FAILED: ("Failed", "red"),
    PAYMENT_REFUNDED: ("Refunded", "gray"),
    PAYMENT_PARTIALLY_REFUNDED: ("Partly refunded", "amber"),
    PAYMENT_DISPUTED: ("Disputed", "red"),
    PAYMENT_NEEDS_REVIEW: ("Being checked", "amber"),
}


def history_row(entry: billing.BillingEntry) -> dict[str, Any]:
    """One line of the billing history as the page shows it: what, when, how much, and the status."""
    status, status_color = PAYMENT_STATUS.get(
        entry.status, (entry.status.replace("_", " ").capitalize(), "gray")
    )
    money = format_money(entry.amount_minor, entry.currency) if entry.amount_minor is not None else ""
    if entry.credits_cents is not None:
        amount = from_cents(entry.credits_cents)
        kind = KIND_LABELS.get(entry.ledger_kind, entry.ledger_kind.replace("_", " ").capitalize())
        reason, figure, unit, positive = entry.reason, f"{amount:+.2f}", CREDITS_NAME, amount > 0
    elif entry.payment_kind == PAYMENT_KIND_SUBSCRIPTION:
        kind, reason, figure, unit, positive = (
            "Subscription payment",
            offer_name(entry.offer),
            money,
            "",
            False,
        )
    else:
        kind, reason, figure, unit, positive = "Purchase", offer_name(entry.offer), money, "", False
    if entry.refunded_minor and entry.status in (PAYMENT_PARTIALLY_REFUNDED, PAYMENT_REFUNDED):
        reason += f" · {format_money(entry.refunded_minor, entry.currency)} refunded"
    return {
        "id": entry.key,
        "date": entry.when.strftime("%d %b %Y"),
        "iso_date": entry.when.date().isoformat(),
        "kind": kind,
        "reason": reason,
        "amount": figure,
        "unit": unit,
        "positive": positive,
        "status": status,
        "status_color": status_color,
        "payment": entry.payment_kind != "",
    }


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
            self.history = [history_row(e) for e in await run_db(billing.billing_history, user_id=user.id)]
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
