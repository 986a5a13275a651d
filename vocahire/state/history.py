"""What /history shows: past interviews, progress charts, and soft-delete."""

from __future__ import annotations

from typing import Any

import reflex as rx

from vocahire.infra.database import run_db
from vocahire.services.feedback.speech_metrics import TARGETS
from vocahire.services.interviews import history
from vocahire.state import history_views
from vocahire.state.session import current_user, friendly_error

MAX_ROWS = 100


class HistoryState(rx.State):
    rows: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    points: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    metric: str = "wpm"
    # Per interview type: its rubric's categories and the per-answer scores over time.
    type_progress: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    progress_type: str = ""
    loading: bool = True
    error: str = ""
    deleting: str = ""

    @rx.var
    def metric_series(self) -> list[dict[str, Any]]:
        return [
            {"label": p["label"], "value": p.get(self.metric), "job_title": p["job_title"]}
            for p in self.points
            if p.get(self.metric) is not None
        ]

    @rx.var
    def shown_type(self) -> dict[str, Any]:
        """The interview type whose rubric chart is shown: the one picked, else the most practised."""
        if not self.type_progress:
            return {"type": "", "label": "", "names": ["", "", "", "", ""], "count": 0, "points": []}
        picked = [t for t in self.type_progress if t["type"] == self.progress_type]
        return picked[0] if picked else max(self.type_progress, key=lambda t: t["count"])

    @rx.var
    def type_names(self) -> list[str]:
        names = list(self.shown_type["names"])
        return names + [""] * (len(history_views.TYPE_SERIES) - len(names))

    @rx.var
    def metric_label(self) -> str:
        return history_views.PROGRESS_METRICS.get(self.metric, "")

    @rx.var
    def metric_target(self) -> str:
        target = TARGETS.get(self.metric)
        return f"Target: {target.text}" if target else ""

    @rx.var
    def latest_overall(self) -> str:
        scores = [p["overall"] for p in self.points if p.get("overall") is not None]
        return str(scores[-1]) if scores else "—"

    @rx.var
    def overall_change(self) -> str:
        scores = [p["overall"] for p in self.points if p.get("overall") is not None]
        if len(scores) < 2:
            return ""
        delta = scores[-1] - scores[0]
        return f"{delta:+d} since your first scored interview"

    async def _reload(self) -> None:
        user = await current_user(self)
        self.rows = await run_db(history_views.history_rows, user_id=user.id, limit=MAX_ROWS)
        self.points = await run_db(history_views.progress_points, user_id=user.id)
        self.type_progress = await run_db(history_views.type_progress, user_id=user.id)
        self.error = ""

    @rx.event
    async def load(self) -> None:
        self.loading = True
        try:
            await self._reload()
        except Exception as exc:
            self.rows, self.points, self.type_progress = [], [], []
            self.error = friendly_error(exc)
        finally:
            self.loading = False

    @rx.event
    def choose_type(self, key: Any) -> None:
        """Which interview type's rubric chart is shown."""
        if isinstance(key, str) and any(t["type"] == key for t in self.type_progress):
            self.progress_type = key

    @rx.event
    async def choose_metric(self, key: Any) -> None:
        """Which measured figure the progress chart shows."""
        try:
            await current_user(self)
        except Exception:
            return
        if isinstance(key, str) and key in history_views.PROGRESS_METRICS:
            self.metric = key

    @rx.event
    async def delete_interview(self, interview_id: Any) -> Any:
        """Soft-delete one of the caller's interviews (it disappears from history and progress)."""
        if not isinstance(interview_id, str) or not 0 < len(interview_id) <= 64:
            return rx.toast.error("We couldn't find that interview.")
        self.deleting = interview_id
        try:
            user = await current_user(self)
            await run_db(history.soft_delete_interview, user_id=user.id, interview_id=interview_id)
            await self._reload()
        except Exception as exc:
            return rx.toast.error(friendly_error(exc))
        finally:
            self.deleting = ""
        return rx.toast.success("Interview deleted.")
