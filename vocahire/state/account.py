"""What /account shows: profile, balance, plan; deleting the account (download is a plain GET route)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from vocahire.infra.database import run_db
from vocahire.services.accounts import user_data
from vocahire.settings import get_settings
from vocahire.state.errors import friendly_error
from vocahire.state.session import SessionState, current_user

CONFIRM_WORD = "DELETE"
SIGN_OUT_FORM_ID = "account-sign-out-form"
_EMPTY: dict[str, Any] = {
    "name": "",
    "email": "",
    "image_url": "",
    "initial": "",
    "sign_in_method": "",
    "member_since": "",
    "credits": "",
    "premium": False,
    "premium_until": "",
    "interviews": 0,
    "renewing_subscription": False,
}


class AccountState(rx.State):
    profile: rx.Field[dict[str, Any]] = rx.field(default_factory=lambda: dict(_EMPTY))
    loading: bool = True
    error: str = ""
    delete_open: bool = False
    confirmation: str = ""
    deleting: bool = False
    delete_error: str = ""
    deleted: bool = False

    @rx.var
    def can_delete(self) -> bool:
        return self.confirmation.strip() == CONFIRM_WORD and not self.deleting

    @rx.event
    async def load(self) -> None:
        """The signed-in user's own overview (the id comes from the verified session, never the page)."""
        self.loading, self.error = True, ""
        try:
            user = await current_user(self)
            self.profile = await run_db(user_data.account_overview, user_id=user.id)
            (await self.get_state(SessionState))._show(user)
        except Exception as exc:
            self.profile = dict(_EMPTY)
            self.error = friendly_error(exc)
        finally:
            self.loading = False

    @rx.event
    def open_delete(self) -> None:
        self.delete_open, self.confirmation, self.delete_error = True, "", ""

    @rx.event
    def set_delete_open(self, value: Any) -> None:
        if not self.deleting:
            self.delete_open = value is True
            if not self.delete_open:
                self.confirmation, self.delete_error = "", ""

    @rx.event
    def set_confirmation(self, value: Any) -> None:
        self.confirmation = value[:20] if isinstance(value, str) else ""

    @rx.event(background=True)
    async def delete_account(self) -> Any:
        """Delete the signed-in user's account and data after they typed DELETE, then sign them out."""
        async with self:
            if self.deleting or self.confirmation.strip() != CONFIRM_WORD:
                return None
            try:
                user = await current_user(self)
            except Exception as exc:
                self.delete_error = friendly_error(exc)
                return None
            self.deleting, self.delete_error = True, ""
        try:
            await user_data.close_account(user_id=user.id, settings=get_settings())
        except Exception as exc:
            async with self:
                self.deleting = False
                self.delete_error = friendly_error(exc)
            return None
        async with self:
            self.deleting, self.deleted, self.delete_open = False, True, False
            self.profile = dict(_EMPTY)
            session = await self.get_state(SessionState)
            session._clerk_token = ""
            session._show(None)
        # The sign-out form posts with a full page load (and, under Clerk, signs out of Clerk first).
        return rx.call_script(f"document.getElementById('{SIGN_OUT_FORM_ID}')?.requestSubmit()")
