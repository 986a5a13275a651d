"""After Checkout: honest about what has arrived, and live until the webhook has applied the purchase."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import anyio.to_thread
import reflex as rx

from vocahire.infra.database import run_db
from vocahire.services import billing
from vocahire.settings import get_settings
from vocahire.state.errors import friendly_error
from vocahire.state.session import SessionState, current_user

POLL_SECONDS = 1.5
WATCH_SECONDS = 120.0


class BillingSuccessState(rx.State):
    # loading | waiting | processing | credited | subscribed | failed | review | invalid | slow | error
    phase: str = "loading"
    offer_name: str = ""
    credits_added: str = ""
    balance: str = ""
    premium_until: str = ""
    error: str = ""

    # Backend-only: the checkout this page is about (from the URL the server routed); one watcher per client.
    _checkout_id: str = ""
    _watching: bool = False

    def _apply(self, progress: billing.CheckoutProgress) -> None:
        self.offer_name = progress.offer_name or self.offer_name
        self.credits_added = f"{progress.credits_added:.2f}"
        self.balance = f"{progress.balance:.2f}"
        self.premium_until = progress.premium_until.strftime("%d %b %Y") if progress.premium_until else ""
        if progress.state != "waiting" or self.phase not in ("processing",):
            self.phase = progress.state

    @rx.event
    async def load(self) -> Any:
        """Read where this checkout stands; keep watching while the webhook hasn't applied it yet."""
        self.phase, self.error, self.offer_name = "loading", "", ""
        try:
            user = await current_user(self)
            checkout_id = billing.parse_checkout_session_id(
                self.router.url.query_parameters.get("session_id")
            )
            self._checkout_id = checkout_id
            if not checkout_id:
                self.phase = "invalid"
                return None
            progress = await run_db(
                billing.checkout_progress, user_id=user.id, checkout_session_id=checkout_id
            )
            self._apply(progress)
            if not progress.done:
                hint = await anyio.to_thread.run_sync(
                    billing.checkout_hint, get_settings(), user.id, checkout_id
                )
                if hint is not None:
                    self.offer_name = self.offer_name or hint.offer_name
                    if hint.payment_status == "unpaid":
                        self.phase = "processing"  # e.g. a bank debit: Stripe confirms it later
        except Exception as exc:
            self.phase, self.error = "error", friendly_error(exc)
            return None
        return None if progress.done else BillingSuccessState.watch

    @rx.event(background=True)
    async def watch(self) -> None:
        """Poll our database (where the webhook writes) and push the result to the page; bounded in time."""
        async with self:
            if self._watching or not self._checkout_id:
                return
            self._watching = True
            checkout_id = self._checkout_id
            try:
                user = await current_user(self)
            except Exception:
                self._watching = False
                return
        deadline = time.monotonic() + WATCH_SECONDS
        try:
            while time.monotonic() < deadline:
                await asyncio.sleep(POLL_SECONDS)
                progress = await run_db(
                    billing.checkout_progress, user_id=user.id, checkout_session_id=checkout_id
                )
                async with self:
                    if self._checkout_id != checkout_id:
                        return
                    self._apply(progress)
                    if progress.done:
                        session_state = await self.get_state(SessionState)
                        await session_state._refresh_user()
                        return
            async with self:
                if self.phase == "waiting":
                    self.phase = "slow"
        except Exception as exc:
            async with self:
                self.phase, self.error = "error", friendly_error(exc)
        finally:
            async with self:
                self._watching = False
