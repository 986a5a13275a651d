"""Final transcript lines from OpenAI Realtime (GA) events: pure, no I/O.

``TranscriptAssembler`` is fed the GA events in arrival order with their arrival
time and returns the lines that became final and the revisions of lines already
returned (an interruption cut the interviewer off, or the interviewer's audio
finished playing). Each line carries the item it follows (``previous_item_id``);
where it goes in the conversation is decided once, when it is saved
(``transcript.place_line``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vocahire.models import utcnow
from vocahire.services.interviews.transcript import MAX_LINE_CHARS, FinalLine, LineRevision, Role

ROLES: dict[str, Role] = {"assistant": "interviewer", "user": "candidate"}
# Speech rate used to estimate how much of an interrupted line was heard (characters per second at speed 1.0).
SPOKEN_CHARS_PER_SECOND = 15.0
CUT_MARK = "…"


@dataclass
class _Item:
    item_id: str
    role: Role | None = None
    previous_item_id: str | None = None
    partial: str = ""
    text: str | None = None
    full: str | None = None  # the whole transcript, before any cut for an interruption
    failed: bool = False
    emitted: bool = False
    heard_ms: int | None = None
    exact_text: bool = False  # the text came from the server after truncation: never estimate over it
    started_at: datetime | None = None
    ended_at: datetime | None = None
    response_id: str | None = None


def heard_part(text: str, heard_ms: int, speed: float = 1.0) -> str:
    """The part of ``text`` that fits in ``heard_ms`` of speech, cut at a word boundary."""
    budget = int(heard_ms / 1000 * SPOKEN_CHARS_PER_SECOND * max(0.25, speed))
    if budget >= len(text):
        return text
    cut = text[:budget]
    if " " in cut and not text[budget : budget + 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    cut = cut.rstrip(" ,;:-")
    return (cut + CUT_MARK) if cut else ""


@dataclass
class TranscriptAssembler:
    """Turns Realtime server events into final lines and their revisions (see module docstring)."""

    speed: float = 1.0
    items: dict[str, _Item] = field(default_factory=dict)
    responses: dict[str, list[str]] = field(default_factory=dict)
    audio_started: dict[str, datetime] = field(default_factory=dict)
    speaking: Role | None = None
    errors: list[str] = field(default_factory=list)

    def _item(self, item_id: str) -> _Item:
        item = self.items.get(item_id)
        if item is None:
            item = self.items[item_id] = _Item(item_id)
        return item

    # --- events -----------------------------------------------------------------------------------

    def feed(self, event: dict[str, Any], now: datetime | None = None) -> list[FinalLine | LineRevision]:
        """Apply one server event; returns lines that became final and revisions of earlier ones."""
        now = now or utcnow()
        kind = event.get("type")
        handler = _HANDLERS.get(kind if isinstance(kind, str) else "")
        if handler is None:
            return []
        out: list[FinalLine | LineRevision] = []
        handler(self, event, now, out)
        return out

    def feed_all(
        self, events: Iterable[tuple[dict[str, Any], datetime | None]]
    ) -> list[FinalLine | LineRevision]:
        out: list[FinalLine | LineRevision] = []
        for event, now in events:
            out += self.feed(event, now)
        return out

    def partial_text(self, item_id: str) -> str:
        item = self.items.get(item_id)
        return item.partial if item else ""

    def _on_item(self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]) -> None:
        raw = ev.get("item")
        if (
            not isinstance(raw, dict)
            or raw.get("type", "message") != "message"
            or not isinstance(raw.get("id"), str)
        ):
            return
        role = ROLES.get(str(raw.get("role")))
        if role is None:
            return
        item = self._item(raw["id"])
        item.role = role
        if item.previous_item_id is None and isinstance(ev.get("previous_item_id"), str):
            item.previous_item_id = ev["previous_item_id"]
        for part in raw.get("content") or []:
            if not isinstance(part, dict):
                continue
            if (
                part.get("type") in ("input_text", "text", "output_text")
                and isinstance(part.get("text"), str)
                and part["text"].strip()
            ):
                # Typed answers (text mode) are final as soon as they are added.
                item.started_at = item.started_at or now
                item.ended_at = item.ended_at or now
                self._finish(item, part["text"], now, out)
            elif (
                ev.get("type") == "conversation.item.done"
                and part.get("type") == "output_audio"
                and isinstance(part.get("transcript"), str)
            ):
                self._finish(item, part["transcript"], now, out)

    def _on_output_item(self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]) -> None:
        raw = ev.get("item")
        if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw.get("role") == "assistant":
            item = self._item(raw["id"])
            item.role = "interviewer"
            if isinstance(ev.get("response_id"), str):
                self._link_response(item, ev["response_id"])

    def _link_response(self, item: _Item, response_id: str) -> None:
        item.response_id = response_id
        ids = self.responses.setdefault(response_id, [])
        if item.item_id not in ids:
            ids.append(item.item_id)
        if response_id in self.audio_started and item.started_at is None:
            item.started_at = self.audio_started[response_id]

    def _on_output_delta(
        self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]
    ) -> None:
        if not isinstance(ev.get("item_id"), str):
            return
        item = self._item(ev["item_id"])
        item.role = "interviewer"
        if isinstance(ev.get("response_id"), str):
            self._link_response(item, ev["response_id"])
        item.started_at = item.started_at or now
        if item.text is None and isinstance(ev.get("delta"), str):
            item.partial = (item.partial + ev["delta"])[:MAX_LINE_CHARS]
        self.speaking = "interviewer"

    def _on_output_done(self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]) -> None:
        if not isinstance(ev.get("item_id"), str):
            return
        item = self._item(ev["item_id"])
        item.role = "interviewer"
        if isinstance(ev.get("response_id"), str):
            self._link_response(item, ev["response_id"])
        transcript = ev.get("transcript") if isinstance(ev.get("transcript"), str) else item.partial
        self._finish(item, transcript, now, out)

    def _on_input_delta(self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]) -> None:
        if isinstance(ev.get("item_id"), str) and isinstance(ev.get("delta"), str):
            item = self._item(ev["item_id"])
            item.role = "candidate"
            if item.text is None:
                item.partial = (item.partial + ev["delta"])[:MAX_LINE_CHARS]

    def _on_input_completed(
        self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]
    ) -> None:
        if isinstance(ev.get("item_id"), str):
            item = self._item(ev["item_id"])
            item.role = "candidate"
            transcript = ev.get("transcript") if isinstance(ev.get("transcript"), str) else item.partial
            self._finish(item, transcript, now, out)

    def _on_input_failed(
        self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]
    ) -> None:
        if isinstance(ev.get("item_id"), str):
            item = self._item(ev["item_id"])
            item.failed = True
            item.partial = ""

    def _on_speech_started(
        self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]
    ) -> None:
        self.speaking = "candidate"
        if isinstance(ev.get("item_id"), str):
            item = self._item(ev["item_id"])
            item.role = "candidate"
            item.started_at = item.started_at or now

    def _on_speech_stopped(
        self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]
    ) -> None:
        if self.speaking == "candidate":
            self.speaking = None
        if isinstance(ev.get("item_id"), str):
            item = self._item(ev["item_id"])
            item.ended_at = now
            if item.emitted:
                out.append(LineRevision(item.item_id, ended_at=now))

    def _on_audio_started(
        self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]
    ) -> None:
        self.speaking = "interviewer"
        if isinstance(ev.get("response_id"), str):
            self.audio_started.setdefault(ev["response_id"], now)
            for item_id in self.responses.get(ev["response_id"], []):
                item = self.items[item_id]
                if item.started_at is None or item.started_at > now:
                    item.started_at = now

    def _on_audio_stopped(
        self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]
    ) -> None:
        if self.speaking == "interviewer":
            self.speaking = None
        for item_id in self.responses.get(str(ev.get("response_id")), []):
            item = self.items[item_id]
            if item.heard_ms is None and (item.ended_at is None or item.ended_at < now):
                item.ended_at = now
                if item.emitted:
                    out.append(LineRevision(item_id, ended_at=now))

    def _on_audio_cleared(
        self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]
    ) -> None:
        """The candidate interrupted: the interviewer's audio stopped where the candidate cut in."""
        if self.speaking == "interviewer":
            self.speaking = None
        response_id = str(ev.get("response_id"))
        started = self.audio_started.get(response_id)
        for item_id in self.responses.get(response_id, []):
            item = self.items[item_id]
            begin = started or item.started_at
            if begin is not None and item.heard_ms is None:
                self._truncate(item, max(0, int((now - begin).total_seconds() * 1000)), out)

    def _on_truncated(self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]) -> None:
        if not isinstance(ev.get("item_id"), str) or not isinstance(ev.get("audio_end_ms"), int):
            return
        item = self._item(ev["item_id"])
        exact = _transcript_of(ev.get("item"))
        self._truncate(item, ev["audio_end_ms"], out, exact=exact, precise=True)

    def _on_retrieved(self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]) -> None:
        raw = ev.get("item")
        if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"] in self.items:
            item = self.items[raw["id"]]
            exact = _transcript_of(raw)
            if item.heard_ms is not None and exact is not None:
                self._truncate(item, item.heard_ms, out, exact=exact, precise=True)

    def _on_response_done(
        self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]
    ) -> None:
        response = ev.get("response")
        if not isinstance(response, dict):
            return
        for raw in response.get("output") or []:
            if isinstance(raw, dict) and raw.get("role") == "assistant" and isinstance(raw.get("id"), str):
                item = self._item(raw["id"])
                item.role = "interviewer"
                if isinstance(response.get("id"), str):
                    self._link_response(item, response["id"])
                transcript = _transcript_of(raw)
                if transcript is not None and not item.emitted:
                    self._finish(item, transcript, now, out)

    def _on_error(self, ev: dict[str, Any], now: datetime, out: list[FinalLine | LineRevision]) -> None:
        err = ev.get("error")
        message = err.get("message") if isinstance(err, dict) else None
        self.errors.append(str(message or "error")[:300])

    # --- lines ------------------------------------------------------------------------------------

    def _finish(
        self, item: _Item, text: str | None, now: datetime, out: list[FinalLine | LineRevision]
    ) -> None:
        if item.emitted or item.role is None:
            return
        text = " ".join((text or "").split())[:MAX_LINE_CHARS]
        item.partial = ""
        if not text:
            item.failed = True
            return
        item.full = text
        if item.heard_ms is not None and not item.exact_text:
            text = heard_part(text, item.heard_ms, self.speed)
        item.text = text
        if item.ended_at is None:
            item.ended_at = now
        if item.started_at is None or item.started_at > item.ended_at:
            item.started_at = item.ended_at
        item.emitted = bool(text)
        if item.emitted:
            out.append(
                FinalLine(
                    item.item_id, item.role, text, item.previous_item_id, item.started_at, item.ended_at
                )
            )

    def _truncate(
        self,
        item: _Item,
        heard_ms: int,
        out: list[FinalLine | LineRevision],
        *,
        exact: str | None = None,
        precise: bool = False,
    ) -> None:
        if item.heard_ms is not None and not precise and not exact:
            return
        item.heard_ms = heard_ms
        if item.started_at is not None:
            item.ended_at = item.started_at + timedelta(milliseconds=heard_ms)
        if item.text is None:
            if exact is not None:
                item.exact_text = True
                item.partial = exact
            return
        if exact is not None:
            new_text, item.exact_text = " ".join(exact.split()), True
        elif item.exact_text:
            return
        else:
            new_text = heard_part(item.full or item.text, heard_ms, self.speed)
        if new_text and new_text != item.text:
            item.text = new_text
            out.append(LineRevision(item.item_id, text=new_text, ended_at=item.ended_at))
        elif item.emitted and item.ended_at is not None:
            out.append(LineRevision(item.item_id, ended_at=item.ended_at))


def _transcript_of(raw: Any) -> str | None:
    if not isinstance(raw, dict):
        return None
    for part in raw.get("content") or []:
        if isinstance(part, dict):
            for key in ("transcript", "text"):
                if isinstance(part.get(key), str):
                    return part[key]
    return None


_HANDLERS = {
    "conversation.item.added": TranscriptAssembler._on_item,
    "conversation.item.done": TranscriptAssembler._on_item,
    "conversation.item.created": TranscriptAssembler._on_item,  # older servers; same shape
    "response.output_item.added": TranscriptAssembler._on_output_item,
    "response.output_audio_transcript.delta": TranscriptAssembler._on_output_delta,
    "response.output_audio_transcript.done": TranscriptAssembler._on_output_done,
    "conversation.item.input_audio_transcription.delta": TranscriptAssembler._on_input_delta,
    "conversation.item.input_audio_transcription.completed": TranscriptAssembler._on_input_completed,
    "conversation.item.input_audio_transcription.failed": TranscriptAssembler._on_input_failed,
    "input_audio_buffer.speech_started": TranscriptAssembler._on_speech_started,
    "input_audio_buffer.speech_stopped": TranscriptAssembler._on_speech_stopped,
    "output_audio_buffer.started": TranscriptAssembler._on_audio_started,
    "output_audio_buffer.stopped": TranscriptAssembler._on_audio_stopped,
    "output_audio_buffer.cleared": TranscriptAssembler._on_audio_cleared,
    "conversation.item.truncated": TranscriptAssembler._on_truncated,
    "conversation.item.retrieved": TranscriptAssembler._on_retrieved,
    "response.done": TranscriptAssembler._on_response_done,
    "error": TranscriptAssembler._on_error,
}
