"""What the sign-in and sign-up pages show: the error and the values to keep after a failed post."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventSpec

from vocahire import routes
from vocahire.errors import VocaHireError
from vocahire.state.session import current_user
from vocahire.wording import AUTH_ERRORS


class AuthFormState(rx.State):
    """Filled from the query string the form route redirected back with (codes, never free text)."""

    error: str = ""
    email: str = ""
    name: str = ""
    next_path: str = routes.DASHBOARD

    @rx.event
    async def load(self) -> EventSpec | None:
        params = self.router.url.query_parameters
        code = params.get("error", "")
        self.error = AUTH_ERRORS.get(code, "") if isinstance(code, str) else ""
        self.email = str(params.get("email", ""))[:320]
        self.name = str(params.get("name", ""))[:200]
        self.next_path = routes.safe_next(str(params.get("next", "")))
        try:
            await current_user(self)
        except (VocaHireError, Exception):
            return None
        # Already signed in: no reason to see the form.
        return rx.redirect(self.next_path)
