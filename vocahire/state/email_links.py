"""The pages e-mailed links open: verify an address, confirm a new one, reset a password, unsubscribe,
and the "forgot password" form. Their answers come from the query string the form routes redirect
back with (codes, never free text) or from checking the link's token on the server.
"""

from __future__ import annotations

import reflex as rx

from vocahire.infra.database import run_db
from vocahire.services.accounts import lifecycle
from vocahire.settings import get_settings
from vocahire.state.errors import friendly_error
from vocahire.state.session import SessionState, current_session_id
from vocahire.wording import AUTH_ERRORS


class EmailLinkState(rx.State):
    """``status``: "checking" while the server looks at the link, then "ok", "done" or "error"."""

    status: str = "checking"
    message: str = ""
    email: str = ""
    token: str = ""
    error: str = ""

    def _query(self, name: str, limit: int = 320) -> str:
        value = self.router.url.query_parameters.get(name, "")
        return value[:limit] if isinstance(value, str) else ""

    def _reset(self) -> None:
        self.status, self.message, self.email, self.error = "checking", "", "", ""
        self.token = self._query("token", 200)
        self.error = AUTH_ERRORS.get(self._query("error", 40), "")

    @rx.event
    def load_forgot(self) -> None:
        self._reset()
        self.email = self._query("email")
        self.status = "done" if self._query("sent", 2) == "1" else "ok"

    @rx.event
    async def load_reset(self) -> None:
        self._reset()
        if self._query("done", 2) == "1":
            self.status = "done"
            await (await self.get_state(SessionState))._refresh_user()
            return
        try:
            self.email = await run_db(lifecycle.check_reset_link, raw=self.token)
            self.status = "ok"
        except Exception as exc:
            self.status, self.message = "error", friendly_error(exc)

    @rx.event
    async def load_verify(self) -> None:
        """Opening the link verifies (a mail scanner fetching it runs no script, so it changes nothing)."""
        self._reset()
        try:
            verified = await run_db(lifecycle.verify_email, settings=get_settings(), raw=self.token)
            self.email, self.status = verified.email, "done"
            await (await self.get_state(SessionState))._refresh_user()
        except Exception as exc:
            self.status, self.message = "error", friendly_error(exc)

    @rx.event
    async def load_confirm(self) -> None:
        self._reset()
        try:
            self.email = await run_db(
                lifecycle.confirm_email_change,
                settings=get_settings(),
                raw=self.token,
                keep_session=await current_session_id(self),
            )
            self.status = "done"
            await (await self.get_state(SessionState))._refresh_user()
        except Exception as exc:
            self.status, self.message = "error", friendly_error(exc)

    @rx.event
    def load_unsubscribe(self) -> None:
        self._reset()
        if self._query("done", 2) == "1":
            self.status = "done"
            return
        try:
            lifecycle.check_unsubscribe_link(get_settings(), self.token)
            self.status, self.message = ("error", self.error) if self.error else ("ok", "")
        except Exception as exc:
            self.status, self.message = "error", friendly_error(exc)
