"""The signed-in home: balance and recent interviews."""

from __future__ import annotations

from typing import Any

import reflex as rx

from vocahire.infra.database import run_db
from vocahire.services.practice import queue as practice_queue
from vocahire.state.history_views import recent_interviews
from vocahire.state.practice_views import dashboard_queue
from vocahire.state.session import SessionState, current_user, friendly_error


class DashboardState(rx.State):
    recent: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    # The practice queue (issue 16): how many answers are due and the one to practise first.
    practice_due: int = 0
    practice_due_text: str = ""
    practice_top: rx.Field[dict[str, Any]] = rx.field(default_factory=dict)
    loading: bool = True
    error: str = ""

    @rx.event
    async def load(self) -> None:
        self.loading = True
        try:
            user = await current_user(self)
            self.recent = await run_db(recent_interviews, user_id=user.id, limit=5)
            await self._load_queue(user.id)
            self.error = ""
            session_state = await self.get_state(SessionState)
            session_state._show(user)
        except Exception as exc:
            self.recent = []
            self.error = friendly_error(exc)
        finally:
            self.loading = False

    async def _load_queue(self, user_id: int) -> None:
        data = await run_db(dashboard_queue, user_id=user_id)
        self.practice_due, self.practice_due_text, self.practice_top = (
            data["due"],
            data["due_text"],
            data["top"],
        )

    @rx.event
    async def remove_practice(self, item_id: Any) -> None:
        """Take an answer out of the practice queue."""
        await self._change_item(practice_queue.remove_item, item_id)

    @rx.event
    async def snooze_practice(self, item_id: Any) -> None:
        """Hide an answer from the due list for a day."""
        await self._change_item(practice_queue.snooze_item, item_id, days=1)

    async def _change_item(self, change: Any, item_id: Any, **extra: Any) -> None:
        try:
            user = await current_user(self)
            if isinstance(item_id, bool) or not isinstance(item_id, int):
                return
            await run_db(change, user_id=user.id, item_id=item_id, **extra)
            await self._load_queue(user.id)
        except Exception as exc:
            self.error = friendly_error(exc)
