"""What each interview used of the models, as the upstreams report it, priced and stored once per report.

Three reports count (field names are the GA shapes of the ``openai`` package's types):
- ``response.done`` on the sideband: ``response.usage`` (``RealtimeResponseUsage``); the input token
  details include the cached tokens, so the uncached part of each kind is its count minus its cached part;
- ``conversation.item.input_audio_transcription.completed``: ``usage`` of type ``tokens`` (input with its
  audio/text details, output) or ``duration`` (seconds, for models billed by the minute);
- the feedback call's Chat Completions ``usage`` (``prompt_tokens`` with its ``cached_tokens``,
  ``completion_tokens``).

Each report is stored once, keyed by what identifies it upstream (the response id, the transcribed item,
the feedback attempt), so a duplicate after a sideband reconnect adds nothing; the interview's totals per
model grow in the same transaction, so a call that crashes keeps what it had used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlmodel
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from vocahire.models import InterviewSession, utcnow
from vocahire.models.usage import (
    SOURCE_FEEDBACK,
    SOURCE_REALTIME,
    SOURCE_TRANSCRIPTION,
    TOKEN_KINDS,
    InterviewCost,
    InterviewModelUsage,
    ModelUsageEvent,
)
from vocahire.settings import Settings

PER_MILLION = Decimal(1_000_000)
NANOS_PER_USD = Decimal(1_000_000_000)
COUNT_KINDS = (*TOKEN_KINDS, "audio_ms")
MAX_COUNT = 10**12  # anything larger is not a real report


@dataclass(frozen=True)
class UsageReport:
    """One upstream usage report: its source, its key (for idempotence), the model and the counts."""

    source: str
    key: str
    model: str
    counts: Mapping[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> int:
        return int(self.counts.get(kind, 0))

    @property
    def is_empty(self) -> bool:
        return not any(self.counts.values())


# --- parsing --------------------------------------------------------------------------------------


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    return max(0, min(int(value), MAX_COUNT))


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _split_input(total_kind: int, cached_kind: int) -> tuple[int, int]:
    """(uncached, cached) of one input kind whose count includes its cached part."""
    cached = min(cached_kind, total_kind)
    return total_kind - cached, cached


def realtime_counts(usage: Mapping[str, Any]) -> dict[str, int]:
    """A ``response.done``'s ``response.usage`` -> counts by kind (cached input apart from the rest)."""
    details = _obj(usage.get("input_token_details"))
    out_details = _obj(usage.get("output_token_details"))
    cached_details = _obj(details.get("cached_tokens_details"))
    text, audio, image = (
        _int(details.get("text_tokens")),
        _int(details.get("audio_tokens")),
        _int(details.get("image_tokens")),
    )
    if not details and usage.get("input_tokens"):
        text = _int(usage.get("input_tokens"))  # no breakdown: count it all as text input
    cached_total = _int(details.get("cached_tokens"))
    if cached_details:
        cached_text = _int(cached_details.get("text_tokens"))
        cached_audio = _int(cached_details.get("audio_tokens"))
        cached_image = _int(cached_details.get("image_tokens"))
    else:  # older shape without the breakdown: cached text first, then audio
        cached_text = min(cached_total, text)
        cached_audio = min(cached_total - cached_text, audio)
        cached_image = 0
    text_in, text_cached = _split_input(text, cached_text)
    audio_in, audio_cached = _split_input(audio, cached_audio)
    image_in, image_cached = _split_input(image, cached_image)
    text_out, audio_out = _int(out_details.get("text_tokens")), _int(out_details.get("audio_tokens"))
    if not out_details and usage.get("output_tokens"):
        text_out = _int(usage.get("output_tokens"))
    return {
        "text_input": text_in,
        "cached_text_input": text_cached,
        "audio_input": audio_in,
        "cached_audio_input": audio_cached,
        "image_input": image_in,
        "cached_image_input": image_cached,
        "text_output": text_out,
        "audio_output": audio_out,
    }


def transcription_counts(usage: Mapping[str, Any]) -> dict[str, int]:
    """A transcription's ``usage``: ``tokens`` (audio/text input, text output) or ``duration`` (seconds)."""
    if usage.get("type") == "duration":
        seconds = usage.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            return {}
        return {"audio_ms": min(round(seconds * 1000), MAX_COUNT)}
    details = _obj(usage.get("input_token_details"))
    if details:
        audio_in, text_in = _int(details.get("audio_tokens")), _int(details.get("text_tokens"))
    else:
        audio_in, text_in = _int(usage.get("input_tokens")), 0
    return {"audio_input": audio_in, "text_input": text_in, "text_output": _int(usage.get("output_tokens"))}


def chat_completion_counts(usage: Mapping[str, Any]) -> dict[str, int]:
    """A Chat Completions ``usage`` (also accepts the Responses API's ``input_tokens``/``output_tokens``)."""
    prompt = _int(usage.get("prompt_tokens", usage.get("input_tokens")))
    details = _obj(usage.get("prompt_tokens_details", usage.get("input_tokens_details")))
    cached = min(_int(details.get("cached_tokens")), prompt)
    audio = min(_int(details.get("audio_tokens")), prompt - cached)
    out_details = _obj(usage.get("completion_tokens_details", usage.get("output_tokens_details")))
    completion = _int(usage.get("completion_tokens", usage.get("output_tokens")))
    audio_out = min(_int(out_details.get("audio_tokens")), completion)
    return {
        "text_input": prompt - cached - audio,
        "cached_text_input": cached,
        "audio_input": audio,
        "text_output": completion - audio_out,
        "audio_output": audio_out,
    }


def from_realtime_event(
    event: Mapping[str, Any], *, model: str, transcription_model: str
) -> UsageReport | None:
    """The usage a sideband event reports, or ``None`` (most events report none)."""
    kind = event.get("type")
    if kind == "response.done":
        response = _obj(event.get("response"))
        usage = _obj(response.get("usage"))
        key = response.get("id") or event.get("event_id")
        if not usage or not isinstance(key, str) or not key:
            return None
        return UsageReport(SOURCE_REALTIME, key[:160], model[:64], realtime_counts(usage))
    if kind == "conversation.item.input_audio_transcription.completed":
        usage = _obj(event.get("usage"))
        item = event.get("item_id")
        key = (
            f"{item}:{event.get('content_index', 0)}"
            if isinstance(item, str) and item
            else event.get("event_id")
        )
        if not usage or not isinstance(key, str) or not key:
            return None
        return UsageReport(
            SOURCE_TRANSCRIPTION, key[:160], transcription_model[:64], transcription_counts(usage)
        )
    return None


def feedback_report(*, model: str, usage: Mapping[str, Any], key: str) -> UsageReport | None:
    """The feedback call's ``usage`` as a report (``key`` names the attempt), or ``None`` without usage."""
    if not usage:
        return None
    return UsageReport(SOURCE_FEEDBACK, key[:160], model[:64], chat_completion_counts(usage))


# --- pricing --------------------------------------------------------------------------------------


def prices_for(model: str, table: Mapping[str, Mapping[str, Decimal]]) -> Mapping[str, Decimal]:
    """The model's prices: its own entry, else the longest listed name it starts with (a dated snapshot
    such as ``gpt-4.1-mini-2025-04-14`` is priced as ``gpt-4.1-mini``); empty when unknown."""
    if model in table:
        return table[model]
    best = ""
    for name in table:
        if model.startswith(name + "-") and len(name) > len(best):
            best = name
    return table[best] if best else {}


def cost_nanousd(counts: Mapping[str, int], prices: Mapping[str, Decimal]) -> int:
    """What the counts cost at these prices, in nano-USD (USD per 1M tokens; audio by the minute)."""
    usd = sum(
        (
            Decimal(int(counts.get(kind, 0))) * prices.get(kind, Decimal(0)) / PER_MILLION
            for kind in TOKEN_KINDS
        ),
        Decimal(0),
    )
    usd += Decimal(int(counts.get("audio_ms", 0))) / Decimal(60_000) * prices.get("audio_minute", Decimal(0))
    return int((usd * NANOS_PER_USD).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def report_cost(report: UsageReport, settings: Settings) -> int:
    return cost_nanousd(report.counts, prices_for(report.model, settings.model_prices))


def to_usd(nanos: int) -> Decimal:
    return Decimal(nanos) / NANOS_PER_USD


def from_usd(usd: Decimal) -> int:
    return int((usd * NANOS_PER_USD).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- the store ------------------------------------------------------------------------------------


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def record_usage(
    *, session: Session, interview_id: str, reports: Sequence[UsageReport], settings: Settings
) -> int:
    """Store each report not stored before and add it to the interview's totals; returns the interview's
    model cost so far in nano-USD (all sources, including reports recorded by earlier calls)."""
    now = utcnow()
    insert = _insert(session)
    if not reports:
        return interview_cost_nanousd(session=session, interview_id=interview_id)
    owner = _owner(session, interview_id)
    for report in reports:
        counts = {kind: report.count(kind) for kind in COUNT_KINDS}
        cost = report_cost(report, settings)
        event = {
            "session_id": interview_id,
            "source": report.source,
            "event_key": report.key,
            "model": report.model,
            **counts,
            "cost_nanousd": cost,
            "created_at": now,
        }
        stored = session.execute(
            insert(ModelUsageEvent)
            .values(event)
            .on_conflict_do_nothing(index_elements=["session_id", "source", "event_key"])
            .returning(ModelUsageEvent.id)
        ).first()
        if stored is None:
            continue  # already counted (a duplicate after a reconnect, a retried save)
        totals = {
            "session_id": interview_id,
            "source": report.source,
            "model": report.model,
            "started_at": owner[1],
        }
        stmt = insert(InterviewModelUsage).values(
            {**totals, **counts, "events": 1, "cost_nanousd": cost, "updated_at": now}
        )
        table = InterviewModelUsage.__table__.c  # type: ignore[attr-defined]
        stmt = stmt.on_conflict_do_update(
            index_elements=["session_id", "source", "model"],
            set_={
                **{kind: table[kind] + stmt.excluded[kind] for kind in COUNT_KINDS},
                "events": table["events"] + 1,
                "cost_nanousd": table["cost_nanousd"] + stmt.excluded["cost_nanousd"],
                "updated_at": now,
            },
        )
        session.execute(stmt)
        _add_to_interview_cost(session, interview_id, owner, cost, now)
    return interview_cost_nanousd(session=session, interview_id=interview_id)


def _owner(session: Session, interview_id: str) -> tuple[int, datetime]:
    user_id, created_at = session.execute(
        select(col(InterviewSession.user_id), col(InterviewSession.created_at)).where(
            col(InterviewSession.id) == interview_id
        )
    ).one()
    return int(user_id), created_at


def _add_to_interview_cost(
    session: Session, interview_id: str, owner: tuple[int, datetime], cost: int, now: datetime
) -> None:
    stmt = _insert(session)(InterviewCost).values(
        session_id=interview_id, user_id=owner[0], started_at=owner[1], cost_nanousd=cost, updated_at=now
    )
    table = InterviewCost.__table__.c  # type: ignore[attr-defined]
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["session_id"],
            set_={"cost_nanousd": table["cost_nanousd"] + stmt.excluded["cost_nanousd"], "updated_at": now},
        )
    )


def interview_cost_nanousd(*, session: Session, interview_id: str) -> int:
    """The interview's model cost so far, all models and sources, in nano-USD."""
    total = session.execute(
        select(col(InterviewCost.cost_nanousd)).where(col(InterviewCost.session_id) == interview_id)
    ).scalar()
    return int(total or 0)


def record_feedback_usage(
    *, session: Session, interview_id: str, model: str, usage: Mapping[str, Any], key: str, settings: Settings
) -> int:
    """The feedback call's usage (the worker calls this with ``AIResult.usage``); idempotent on ``key``."""
    report = feedback_report(model=model, usage=usage, key=key)
    if report is None:
        return interview_cost_nanousd(session=session, interview_id=interview_id)
    return record_usage(session=session, interview_id=interview_id, reports=[report], settings=settings)


@dataclass
class UsageLine:
    """One interview's usage of one model, as the admin page and the CSV show it."""

    source: str
    model: str
    events: int
    counts: dict[str, int]
    cost_nanousd: int


def interview_usage(*, session: Session, interview_id: str) -> list[UsageLine]:
    rows = session.exec(
        sqlmodel.select(InterviewModelUsage)
        .where(col(InterviewModelUsage.session_id) == interview_id)
        .order_by(col(InterviewModelUsage.source), col(InterviewModelUsage.model))
    ).all()
    out = []
    for row in rows:
        out.append(
            UsageLine(
                row.source,
                row.model,
                row.events,
                {kind: int(getattr(row, kind)) for kind in COUNT_KINDS},
                int(row.cost_nanousd),
            )
        )
    return out
