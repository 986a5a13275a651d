"""What /feedback/[session_id] shows, and its live status while the feedback is being written.

The page never trusts an id from the browser: the interview id comes from the
URL the server routed, and every read goes through the owner check in the
service, so someone else's id gets "not found" and no data.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from typing import Any

import reflex as rx

from vocahire.errors import NotFound
from vocahire.infra.database import run_db
from vocahire.services.feedback import jobs
from vocahire.services.feedback.report import feedback_status, is_working
from vocahire.state.feedback_views import feedback_markdown, feedback_page_data
from vocahire.state.session import current_user, friendly_error

POLL_SECONDS = 2.0
WATCH_SECONDS = 15 * 60
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# The details tabs, in order (the transcript sits beside them: it is where the feedback points lead).
TABS = ("questions", "speech")
_EMPTY_POINT: dict[str, Any] = {"id": "", "text": "", "target": "", "cites": 0}
# What the page holds, with its value before anything is loaded.
PAGE_FIELDS: dict[str, Any] = {
    "job_title": "",
    "date_label": "",
    "duration_label": "",
    "length_unit": "Words",
    "pace_unit": "Pace (wpm)",
    "feedback_status": "",
    "feedback_error": "",
    "attempts": 0,
    "has_feedback": False,
    "anchored": False,
    "score_band": "",
    "headline": "",
    "type_label": "",
    "interviewer_label": "",
    "category_note": "",
    "categories": [],
    "fix_first": _EMPTY_POINT,
    "strengths": [],
    "improvements": [],
    "dropped_citations": 0,
    "answer_notes": [],
    "questions": [],
    "figures": [],
    "answers": [],
    "filler_totals": [],
    "keywords_mentioned": [],
    "keywords_missing": [],
    "legend": [],
    "transcript": [],
}
# The score ring: a circle of this radius in a 120 x 120 viewBox; its arc is score/100 of the circumference.
RING_RADIUS = 52
RING_CIRCUMFERENCE = 2 * math.pi * RING_RADIUS


def interview_id_from_path(path: str) -> str:
    """``/feedback/<id>`` -> ``<id>`` when it looks like an id, else ""."""
    parts = [p for p in (path or "").split("?")[0].split("/") if p]
    if len(parts) == 2 and parts[0] == "feedback" and _ID_RE.match(parts[1]):
        return parts[1]
    return ""


class FeedbackState(rx.State):
    interview_id: str = ""
    loading: bool = True
    not_found: bool = False
    error: str = ""

    job_title: str = ""
    date_label: str = ""
    duration_label: str = ""
    # What an answer's length and pace count: characters in Japanese and Chinese.
    length_unit: str = "Words"
    pace_unit: str = "Pace (wpm)"
    feedback_status: str = ""
    feedback_error: str = ""
    attempts: int = 0
    has_feedback: bool = False
    overall_score: int = 0
    score_band: str = ""
    anchored: bool = False
    headline: str = ""
    type_label: str = ""
    interviewer_label: str = ""
    category_note: str = ""
    dropped_citations: int = 0
    categories: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    fix_first: rx.Field[dict[str, Any]] = rx.field(default_factory=lambda: dict(_EMPTY_POINT))
    strengths: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    improvements: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    answer_notes: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    questions: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    figures: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    answers: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    filler_totals: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    keywords_mentioned: rx.Field[list[str]] = rx.field(default_factory=list)
    keywords_missing: rx.Field[list[str]] = rx.field(default_factory=list)
    legend: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    transcript: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    # The feedback point whose transcript lines are marked ("" for none).
    active_point: str = ""
    retrying: bool = False
    # The details tab the user picked ("" until they pick one: then ``open_tab`` chooses).
    tab: str = ""

    # Backend-only: the interview this client's live-status watcher follows ("" when none runs).
    _watching: str = ""
    # Backend-only: the feedback points on the page and their first cited line (what ``focus_point``
    # accepts and scrolls to).
    _point_targets: dict[str, str] = {}  # noqa: RUF012 - a Reflex backend var: copied per client state

    @rx.var
    def working(self) -> bool:
        return self.feedback_status in ("pending", "generating")

    @rx.var
    def score_arc(self) -> str:
        """The ring's ``stroke-dasharray``: an arc as long as the score's share of 100, then the gap."""
        share = max(0, min(100, self.overall_score)) / 100
        return f"{RING_CIRCUMFERENCE * share:.1f} {RING_CIRCUMFERENCE:.1f}"

    @rx.var
    def score_label(self) -> str:
        """What a screen reader hears for the ring."""
        return f"Overall score: {self.overall_score} out of 100. {self.score_band}".strip()

    @rx.var
    def open_tab(self) -> str:
        """The details tab shown: the user's pick while it exists, else the notes per question when there
        are any, else the measured figures, else the transcript."""
        present = (bool(self.answer_notes or self.questions), True)
        shown = [tab for tab, here in zip(TABS, present, strict=True) if here]
        return self.tab if self.tab in shown else shown[0]

    @rx.var
    def status_text(self) -> str:
        if self.feedback_status == "pending" and self.attempts == 0:
            return "Your feedback is queued and will start in a moment."
        if self.feedback_status == "pending":
            return "The AI service hiccupped; we'll retry automatically in a moment."
        if self.feedback_status == "generating":
            return "Your AI coach is reading the transcript and writing your feedback…"
        if self.feedback_status == "none":
            return "Feedback will be written once this interview has ended."
        return ""

    def _apply(self, data: dict[str, Any]) -> None:
        if data["has_feedback"] and not self.has_feedback:
            self.tab = ""  # the feedback just arrived (or a new page): open on its notes
        self.not_found = False
        for key in PAGE_FIELDS:
            setattr(self, key, data[key])
        self.overall_score = int(data["overall_score"] or 0)
        self._point_targets = dict(data.get("point_targets") or {})
        if self.active_point not in self._point_targets:
            self.active_point = ""

    def _clear(self) -> None:
        self._apply({**PAGE_FIELDS, "overall_score": 0, "point_targets": {}})

    @rx.event
    def focus_point(self, point_id: str) -> Any:
        """A feedback point was followed to the transcript: mark the lines it cites and bring the first
        into view (the link's own jump does too; this covers following the same point twice)."""
        if not isinstance(point_id, str) or not self._point_targets.get(point_id):
            return None
        self.active_point = point_id
        return rx.scroll_to(self._point_targets[point_id])

    @rx.event
    def choose_tab(self, value: str) -> None:
        """The details tab the user opened."""
        if isinstance(value, str) and value in TABS:
            self.tab = value

    @rx.event
    async def load(self) -> Any:
        """On page load: the owner's feedback, or "not found".

        Starts the live watcher while the feedback is being written.
        """
        self.loading = True
        self.error = ""
        self.tab = ""
        self.active_point = ""
        self.interview_id = interview_id_from_path(self.router.url.path)
        try:
            user = await current_user(self)
            data = await run_db(feedback_page_data, user_id=user.id, interview_id=self.interview_id)
            if "redirect" in data:  # a redo of one answer: its comparison page
                return rx.redirect(data["redirect"])
            self._apply(data)
        except NotFound:
            self._clear()
            self.not_found = True
        except Exception as exc:
            self._clear()
            self.error = friendly_error(exc)
        finally:
            self.loading = False
        return FeedbackState.watch if self.working else None

    @rx.event(background=True)
    async def watch(self) -> None:
        """Push status changes to the page until the feedback is ready or failed (no manual refresh)."""
        async with self:
            if not self.interview_id or self._watching == self.interview_id:
                return
            # A watcher for another interview (the user moved on) sees this and stops.
            self._watching = interview_id = self.interview_id
            try:
                user = await current_user(self)
            except Exception:
                self._watching = ""
                return
        last: tuple[str, int] | None = None
        deadline = time.monotonic() + WATCH_SECONDS
        try:
            while time.monotonic() < deadline:
                await asyncio.sleep(POLL_SECONDS)
                async with self:
                    if (
                        self._watching != interview_id
                        or self.interview_id != interview_id
                        or not self.router.url.path.startswith("/feedback/")
                    ):
                        return
                status = await run_db(feedback_status, user_id=user.id, interview_id=interview_id)
                if status != last:
                    data = await run_db(feedback_page_data, user_id=user.id, interview_id=interview_id)
                    async with self:
                        if self._watching != interview_id or self.interview_id != interview_id:
                            return
                        self._apply(data)
                    last = status
                if not is_working(status[0]):
                    return
        except Exception as exc:
            async with self:
                self.error = friendly_error(exc)
        finally:
            async with self:
                if self._watching == interview_id:
                    self._watching = ""

    @rx.event
    async def try_again(self) -> Any:
        """The owner re-queues a failed job."""
        if self.retrying:
            return None
        self.retrying = True
        try:
            user = await current_user(self)
            await run_db(jobs.retry_feedback, user_id=user.id, interview_id=self.interview_id)
            self._apply(await run_db(feedback_page_data, user_id=user.id, interview_id=self.interview_id))
        except Exception as exc:
            return rx.toast.error(friendly_error(exc))
        finally:
            self.retrying = False
        return FeedbackState.watch

    @rx.event
    async def download_markdown(self) -> Any:
        """The whole feedback as a Markdown file."""
        try:
            user = await current_user(self)
            data = await run_db(feedback_page_data, user_id=user.id, interview_id=self.interview_id)
        except Exception as exc:
            return rx.toast.error(friendly_error(exc))
        slug = re.sub(r"[^a-z0-9]+", "-", data["job_title"].lower()).strip("-")[:40] or "interview"
        return rx.download(
            data=feedback_markdown(data),
            filename=f"vocahire-feedback-{slug}-{data['id'][:8]}.md",
            mime_type="text/markdown",
        )
