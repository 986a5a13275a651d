"""What the landing page says after an account was closed (the sign-out after deletion lands here)."""

from __future__ import annotations

import reflex as rx

ACCOUNT_DELETED = "deleted"
ACCOUNT_DELETED_NOTICE = (
    "Your account and its data have been deleted, and you're signed out. Thank you for practising with us."
)


class LandingState(rx.State):
    notice: str = ""

    @rx.event
    def read_notice(self) -> None:
        """``/?account=deleted``: say so (only that fixed text; nothing from the address is shown)."""
        value = self.router.url.query_parameters.get("account", "")
        self.notice = ACCOUNT_DELETED_NOTICE if value == ACCOUNT_DELETED else ""
