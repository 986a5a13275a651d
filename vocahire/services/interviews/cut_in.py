"""When the interviewer may politely cut in on a long answer: a pure clock fed the call's speech events.

An answer starts with the candidate's first ``input_audio_buffer.speech_started`` after the interviewer's
last turn and ends when the interviewer responds (``response.created``), whoever asked for it. A cut-in
is due once the candidate is speaking, the answer has run longer than the style allows (and at least
``CUT_IN_GRACE_SECONDS``), no response is in progress and the interviewer's audio is not playing; at most
one per answer. The sideband feeds it events with their time and asks ``due`` on a tick.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from vocahire.models import InterviewSession, TranscriptEntry
from vocahire.services.interviews.voices import CUT_IN_GRACE_SECONDS


@dataclass
class CutInClock:
    """``threshold_seconds`` None: cut-ins switched off."""

    threshold_seconds: float | None
    grace_seconds: float = CUT_IN_GRACE_SECONDS
    answer_started: float | None = None
    candidate_speaking: bool = False
    responses: set[str] = field(default_factory=set)
    interviewer_audio: bool = False
    requested: bool = False  # a cut-in was asked for in this answer
    count: int = 0

    def feed(self, event: dict[str, Any], now: float) -> None:
        """Note one Realtime server event (received at ``now``, monotonic seconds)."""
        kind = event.get("type")
        if kind == "input_audio_buffer.speech_started":
            self.candidate_speaking = True
            if self.answer_started is None:
                self.answer_started = now
        elif kind == "input_audio_buffer.speech_stopped":
            self.candidate_speaking = False
        elif kind == "response.created":
            response = event.get("response")
            self.responses.add(str(response.get("id") if isinstance(response, dict) else "") or "?")
            # The interviewer takes its turn: the answer (if any) is over.
            self.answer_started = None
            self.requested = False
        elif kind in ("response.done", "response.cancelled"):
            response = event.get("response")
            self.responses.discard(str(response.get("id") if isinstance(response, dict) else "") or "?")
        elif kind == "output_audio_buffer.started":
            self.interviewer_audio = True
        elif kind in ("output_audio_buffer.stopped", "output_audio_buffer.cleared"):
            self.interviewer_audio = False

    def due(self, now: float) -> bool:
        """Whether to cut in now."""
        if self.threshold_seconds is None or self.answer_started is None or self.requested:
            return False
        if self.responses or self.interviewer_audio or not self.candidate_speaking:
            return False
        return now - self.answer_started >= max(self.threshold_seconds, self.grace_seconds)

    def mark_requested(self) -> None:
        self.requested = True
        self.count += 1


def record_cut_in(*, session: Session, interview_id: str, item_ids: list[str]) -> None:
    """Count the cut-in on the interview and mark the interviewer's line(s) it produced."""
    session.execute(
        update(InterviewSession)
        .where(col(InterviewSession.id) == interview_id)
        .values(cut_ins=col(InterviewSession.cut_ins) + 1)
    )
    if item_ids:
        session.execute(
            update(TranscriptEntry)
            .where(
                col(TranscriptEntry.session_id) == interview_id, col(TranscriptEntry.item_id).in_(item_ids)
            )
            .values(cut_in=True)
        )
