"""Webhook deliveries from Stripe and Clerk: each event id is handled once, and what became of it is kept.

The ``processed_webhook_events`` row is the first write of the transaction that applies an event,
so a duplicate delivery hits the unique (provider, event id) and changes nothing. A signed event
that can't be applied as sent (a shape, type or value no retry will change) is remembered as
``rejected`` with its reason, in a transaction of its own: every redelivery of that id gets the same
400 without trying again, and Stripe and Svix stop retrying.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session, col

from vocahire.errors import MalformedWebhookEvent
from vocahire.infra.database import in_session
from vocahire.models.webhook_event import WEBHOOK_REJECTED, ProcessedWebhookEvent

log = logging.getLogger(__name__)

# What a malformed event raises while it is being applied. DataError: PostgreSQL refused a value
# (a NUL character, a string too long for its column, a number out of range); the same values
# would be refused on every retry.
MALFORMED_EVENT_ERRORS: tuple[type[Exception], ...] = (ValidationError, MalformedWebhookEvent, DataError)
MAX_ID_LENGTH = 255
MAX_TYPE_LENGTH = 128
MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class PriorDelivery:
    """An event id already handled: applied or ignored (a duplicate now), or rejected (refused again)."""

    outcome: str
    reason: str

    @property
    def rejected(self) -> bool:
        return self.outcome == WEBHOOK_REJECTED


def unstorable(text: str) -> str | None:
    """Why ``text`` can't be stored in a text column (PostgreSQL or SQLite), or ``None`` when it can."""
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode"  # a lone surrogate, from a \ud800 escape in the JSON
    return None


def clean_text(text: str) -> str:
    """``text`` with anything unstorable replaced, for the record and the answer."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "?")


def storable_id(value: object) -> str | None:
    """``value`` when it can key a delivery (a short string a text column takes), else ``None``."""
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_LENGTH and unstorable(value) is None:
        return value
    return None


def prior_delivery(*, session: Session, provider: str, event_id: str) -> PriorDelivery | None:
    row = session.execute(
        select(col(ProcessedWebhookEvent.outcome), col(ProcessedWebhookEvent.reason)).where(
            col(ProcessedWebhookEvent.provider) == provider, col(ProcessedWebhookEvent.event_id) == event_id
        )
    ).first()
    return PriorDelivery(row[0], row[1] or "") if row is not None else None


def claim(*, session: Session, provider: str, event_id: str, event_type: str) -> ProcessedWebhookEvent | None:
    """The delivery's row, as the transaction's first write; ``None`` (rolled back) if the id is taken.

    On SQLite the transaction already holds the write lock; on PostgreSQL a concurrent claim of the
    same id waits here for the first one's commit or rollback.
    """
    row = ProcessedWebhookEvent(provider=provider, event_id=event_id, event_type=event_type)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return None
    return row


def record_rejection(*, session: Session, provider: str, event_id: str, event_type: str, reason: str) -> None:
    """Remember that ``event_id`` was refused as malformed (kept as it is if the id is already there)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    clean_type = clean_text(event_type)[:MAX_TYPE_LENGTH]
    session.execute(
        insert(ProcessedWebhookEvent)
        .values(
            provider=provider,
            event_id=event_id,
            event_type=clean_type,
            outcome=WEBHOOK_REJECTED,
            reason=clean_text(reason)[:MAX_REASON_LENGTH],
        )
        .on_conflict_do_nothing(index_elements=["provider", "event_id"])
    )


def reason_for(exc: BaseException) -> str:
    """What is wrong with the event, for the log, the answer and the record (never the values sent)."""
    return clean_text(_describe(exc))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, MalformedWebhookEvent):
        return exc.reason
    if isinstance(exc, ValidationError):
        problems = [
            f"{'.'.join(str(part) for part in err['loc']) or 'event'}: {err['msg']}"
            for err in exc.errors()[:3]
        ]
        more = len(exc.errors()) - len(problems)
        return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")
    if isinstance(exc, DataError):
        return "the database refused one of its values (a NUL character, too long, or out of range)"
    return type(exc).__name__


def log_rejection(provider: str, event_id: str, event_type: str, reason: str, *, again: bool = False) -> None:
    log.warning(
        json.dumps(
            {
                "event": f"{provider}_webhook",
                "id": event_id,
                "type": event_type[:MAX_TYPE_LENGTH],
                "result": "rejected again" if again else "rejected",
                "detail": reason[:MAX_REASON_LENGTH],
            }
        )
    )


def reject(provider: str, event_id: object, event_type: object, exc: BaseException) -> MalformedWebhookEvent:
    """Log a malformed event and record it (when its id can key a row); returns the 400 to raise.

    Call from a thread: it writes to the database.
    """
    reason = reason_for(exc)
    usable_id = storable_id(event_id)
    type_text = clean_text(event_type) if isinstance(event_type, str) else ""
    if usable_id is not None:
        in_session(
            record_rejection, provider=provider, event_id=usable_id, event_type=type_text, reason=reason
        )
    log_rejection(provider, usable_id or "", type_text, reason)
    return MalformedWebhookEvent(reason, usable_id or "", type_text)


def refuse_again(
    provider: str, event_id: str, event_type: str, prior: PriorDelivery
) -> MalformedWebhookEvent:
    """A redelivery of an event already rejected: the same 400, nothing tried."""
    log_rejection(provider, event_id, event_type, prior.reason, again=True)
    return MalformedWebhookEvent(prior.reason or "rejected before", event_id, event_type)
