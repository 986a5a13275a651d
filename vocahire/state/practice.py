"""The practice loop's states: start a redo of one answer (feedback page, comparison page, dashboard),
and the comparison page. Arguments from the browser are checked; the user is re-derived on every call."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from vocahire import routes
from vocahire.errors import InterviewInProgress, NotFound
from vocahire.infra.database import run_db
from vocahire.services.interviews import redo
from vocahire.settings import get_settings
from vocahire.state.practice_views import compare_page_data, redo_price_label
from vocahire.state.session import SessionState, current_user, friendly_error

_ID = re.compile(r"^[0-9a-f]{32}$")


def answer_from_path(path: str) -> tuple[str, int]:
    """``/practice/<id>/<n>`` -> (id, n), or ("", 0)."""
    parts = [p for p in (path or "").split("?")[0].split("/") if p]
    if len(parts) == 3 and parts[0] == "practice" and _ID.match(parts[1]) and parts[2].isdigit():
        number = int(parts[2])
        if 0 < number <= 1000:
            return parts[1], number
    return "", 0


def _answer_args(interview_id: Any, answer_number: Any) -> tuple[str, int] | None:
    if not isinstance(interview_id, str) or not _ID.match(interview_id):
        return None
    if isinstance(answer_number, bool) or not isinstance(answer_number, (int, str)):
        return None
    text = str(answer_number).strip()
    if not text.isdigit() or not 0 < int(text) <= 1000:
        return None
    return interview_id, int(text)


class PracticeState(rx.State):
    """Starting a redo, and the comparison page of one answer."""

    loading: bool = True
    not_found: bool = False
    error: str = ""
    starting: bool = False
    interview_id: str = ""
    answer_number: int = 0
    job_title: str = ""
    asked: str = ""
    question: str = ""
    original: rx.Field[dict[str, Any]] = rx.field(default_factory=dict)
    attempts: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    latest_change: str = ""
    queue_text: str = ""
    feedback_href: str = ""
    price_text: str = ""

    @rx.event
    async def load(self) -> None:
        self.loading, self.not_found, self.error, self.starting = True, False, "", False
        self.price_text = redo_price_label(get_settings())
        interview_id, number = answer_from_path(self.router.url.path)
        try:
            user = await current_user(self)
            data = await run_db(
                compare_page_data, user_id=user.id, interview_id=interview_id, answer_number=number
            )
            self.interview_id, self.answer_number = data["interview_id"], data["answer_number"]
            self.job_title, self.asked, self.question = data["job_title"], data["asked"], data["question"]
            self.original, self.attempts = data["original"], data["attempts"]
            self.latest_change, self.queue_text = data["latest_change"], data["queue_text"]
            self.feedback_href = data["feedback_href"]
        except NotFound:
            self.not_found = True
            self.attempts, self.original = [], {}
        except Exception as exc:
            self.error = friendly_error(exc)
        finally:
            self.loading = False

    @rx.event
    async def practise(self, interview_id: Any, answer_number: Any) -> Any:
        """ "Practise this answer again": reserve the redo's price, then open the live page."""
        async for update in self._start(interview_id, answer_number):
            yield update

    @rx.event
    async def practise_again(self) -> Any:
        """From the comparison page: redo the answer this page shows."""
        if self.interview_id:
            async for update in self._start(self.interview_id, self.answer_number):
                yield update

    async def _start(self, interview_id: Any, answer_number: Any) -> AsyncIterator[Any]:
        if self.starting:
            return
        args = _answer_args(interview_id, answer_number)
        if args is None:
            self.error = "We couldn't find that answer."
            return
        self.error, self.starting = "", True
        yield
        try:
            user = await current_user(self)
            started = await run_db(
                redo.start_redo,
                settings=get_settings(),
                user_id=user.id,
                interview_id=args[0],
                answer_number=args[1],
            )
        except InterviewInProgress as exc:
            self.starting = False
            self.error = exc.message
            return
        except Exception as exc:
            self.starting = False
            self.error = friendly_error(exc)
            return
        session_state = await self.get_state(SessionState)
        await session_state._refresh_user()
        yield rx.redirect(routes.interview_live_url(started.id))
