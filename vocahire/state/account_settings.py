"""The account page's settings: name, e-mail address, password, sessions and notification e-mails.

Each form has its own notice and error so the answer appears beside the form the user just used.
Who is changing what always comes from the verified session, never from the form.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from vocahire import routes
from vocahire.infra import clerk
from vocahire.infra.database import run_db
from vocahire.services.accounts import lifecycle
from vocahire.settings import get_settings
from vocahire.state.errors import friendly_error
from vocahire.state.session import SessionState, current_session_id, current_user

FORMS = ("name", "email", "verify", "password", "sessions", "notify")


def _field(form: Any, name: str, limit: int = 320) -> str:
    value = form.get(name, "") if isinstance(form, dict) else ""
    return value[:limit] if isinstance(value, str) else ""


class AccountSettingsState(rx.State):
    name: str = ""
    email: str = ""
    email_verified: bool = False
    builtin: bool = True
    clerk_account_url: str = ""
    feedback_emails: bool = True
    busy: str = ""  # which form is being saved (one of FORMS)
    notices: rx.Field[dict[str, str]] = rx.field(default_factory=lambda: dict.fromkeys(FORMS, ""))
    errors: rx.Field[dict[str, str]] = rx.field(default_factory=lambda: dict.fromkeys(FORMS, ""))

    @rx.event
    async def load(self) -> None:
        self.notices, self.errors, self.busy = dict.fromkeys(FORMS, ""), dict.fromkeys(FORMS, ""), ""
        try:
            user = await current_user(self)
        except Exception:
            return  # the page's own guard and AccountState say what went wrong
        self.name, self.email = user.name, user.email
        self.email_verified = user.email_verified
        self.builtin = user.auth_provider == "builtin"
        self.feedback_emails = user.notify_feedback_ready
        self.clerk_account_url = clerk.account_portal_url(get_settings(), "user") or ""

    def _done(self, key: str, notice: str = "", error: str = "") -> None:
        self.busy = ""
        self.notices = {**self.notices, key: notice}
        self.errors = {**self.errors, key: error}

    @rx.event
    async def save_name(self, form: dict[str, Any]) -> None:
        self.busy = "name"
        try:
            user = await current_user(self)
            self.name = await run_db(lifecycle.change_name, user_id=user.id, name=_field(form, "name", 200))
            await (await self.get_state(SessionState))._refresh_user()
            self._done("name", notice="Your name is saved.")
        except Exception as exc:
            self._done("name", error=friendly_error(exc))

    @rx.event
    async def change_email(self, form: dict[str, Any]) -> None:
        self.busy = "email"
        try:
            user = await current_user(self)
            new = await run_db(
                lifecycle.request_email_change,
                settings=get_settings(),
                user_id=user.id,
                new_email=_field(form, "new_email"),
                password=_field(form, "password", 1024),
            )
            self._done(
                "email",
                notice=f"We sent a link to {new}. Your address changes when you open it; "
                f"{self.email} keeps working until then.",
            )
        except Exception as exc:
            self._done("email", error=friendly_error(exc))

    @rx.event
    async def resend_verification(self) -> None:
        self.busy = "verify"
        try:
            user = await current_user(self)
            sent_to = await run_db(lifecycle.resend_verification, user_id=user.id)
            self._done("verify", notice=f"We sent a new link to {sent_to}. It works for 24 hours.")
        except Exception as exc:
            self._done("verify", error=friendly_error(exc))

    @rx.event
    async def change_password(self, form: dict[str, Any]) -> None:
        self.busy = "password"
        new, again = _field(form, "new_password", 1024), _field(form, "confirm_password", 1024)
        if new != again:
            self._done("password", error="The two new passwords don't match.")
            return
        try:
            user = await current_user(self)
            ended = await run_db(
                lifecycle.change_password,
                user_id=user.id,
                current=_field(form, "current_password", 1024),
                new_password=new,
                keep_session=await current_session_id(self),
            )
            others = f" {ended} other device(s) were signed out." if ended else ""
            self._done("password", notice=f"Your password is changed.{others}")
        except Exception as exc:
            self._done("password", error=friendly_error(exc))

    @rx.event
    async def sign_out_everywhere(self) -> Any:
        self.busy = "sessions"
        try:
            user = await current_user(self)
            await run_db(lifecycle.sign_out_everywhere, user_id=user.id)
        except Exception as exc:
            self._done("sessions", error=friendly_error(exc))
            return None
        self.busy = ""
        (await self.get_state(SessionState))._show(None)
        return [
            rx.redirect(routes.SIGN_IN),
            rx.toast.success("You were signed out on every device, this one included."),
        ]

    @rx.event
    async def set_feedback_emails(self, enabled: Any) -> None:
        self.busy = "notify"
        try:
            user = await current_user(self)
            await run_db(lifecycle.set_feedback_emails, user_id=user.id, enabled=enabled is True)
            self.feedback_emails = enabled is True
            state = "on" if self.feedback_emails else "off"
            self._done("notify", notice=f"“Your feedback is ready” e-mails are {state}.")
        except Exception as exc:
            self._done("notify", error=friendly_error(exc))


class VerifyBannerState(rx.State):
    """The banner every page shows an unverified built-in account: resend the link from anywhere."""

    notice: str = ""
    error: str = ""
    sending: bool = False

    @rx.event
    async def resend(self) -> None:
        self.sending, self.notice, self.error = True, "", ""
        try:
            user = await current_user(self)
            sent_to = await run_db(lifecycle.resend_verification, user_id=user.id)
            self.notice = f"Sent. Check {sent_to} for the link."
        except Exception as exc:
            self.error = friendly_error(exc)
        finally:
            self.sending = False
