"""The signed-in home: balance and recent interviews."""

from __future__ import annotations

from typing import Any

import reflex as rx

from vocahire.infra.database import run_db
from vocahire.state.history_views import recent_interviews
from vocahire.state.session import SessionState, current_user, friendly_error


class DashboardState(rx.State):
    recent: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    loading: bool = True
    error: str = ""

    @rx.event
    async def load(self) -> None:
        self.loading = True
        try:
            user = await current_user(self)
            self.recent = await run_db(recent_interviews, user_id=user.id, limit=5)
            self.error = ""
            session_state = await self.get_state(SessionState)
            session_state._show(user)
        except Exception as exc:
            self.recent = []
            self.error = friendly_error(exc)
        finally:
            self.loading = False
