"""Clerk webhook deliveries (Svix-signed): verify on the raw body, then apply each ``svix-id`` exactly once.

Svix signs ``"{svix-id}.{svix-timestamp}.{raw body}"`` with HMAC-SHA256 keyed by the
base64 part of ``whsec_...``; ``svix-signature`` carries one or more space-separated
``v1,<base64>`` values (several during a secret roll). Deliveries whose timestamp is
more than 5 minutes away from now are refused (replays).

Exactly once: the ``processed_webhook_events`` row (provider ``clerk``, event id =
``svix-id``) is the transaction's first write and the effect follows in the same
transaction, as for Stripe. A signed delivery whose event can't be applied as sent (not an
event, an unusable user object, values the database refuses) is refused with 400 and
remembered by its ``svix-id``, so Svix's redeliveries get the same answer
(``services/webhook_deliveries``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

import anyio.to_thread
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlmodel import Session, col

from vocahire.errors import InvalidWebhook, MalformedWebhookEvent, NotConfigured
from vocahire.infra import clerk
from vocahire.infra.clerk import ClerkProfile
from vocahire.infra.database import run_db
from vocahire.models import User
from vocahire.models.webhook_event import WEBHOOK_APPLIED, WEBHOOK_IGNORED
from vocahire.services import webhook_deliveries as deliveries
from vocahire.services.accounts import clerk_users, user_data
from vocahire.settings import Settings

log = logging.getLogger(__name__)

PROVIDER = "clerk"
TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 256 * 1024
USER_UPSERT_TYPES = ("user.created", "user.updated")


class ClerkEvent(BaseModel):
    """The envelope of a Clerk webhook (``data`` is the object the event is about)."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(default="", max_length=255)  # the svix-id, filled in after verification
    type: str = Field(min_length=1, max_length=128)
    data: dict[str, Any]

    @field_validator("type")
    @classmethod
    def _storable(cls, value: str) -> str:
        why = deliveries.unstorable(value)
        if why:
            raise ValueError(why)
        return value


@dataclass(frozen=True)
class WebhookOutcome:
    result: Literal["applied", "duplicate", "ignored"]
    event_id: str
    event_type: str
    detail: str = ""


def _secret_bytes(secret: str) -> bytes:
    raw = secret[len("whsec_") :] if secret.startswith("whsec_") else secret
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise NotConfigured("CLERK_WEBHOOK_SECRET is not a valid Svix signing secret (whsec_...).") from None
    if not key:
        raise NotConfigured("CLERK_WEBHOOK_SECRET is empty.")
    return key


def verify_signature(
    body: bytes,
    msg_id: str | None,
    timestamp: str | None,
    signature_header: str | None,
    secret: str | None,
    now: float | None = None,
) -> None:
    """Raise ``InvalidWebhook`` unless one ``v1`` signature matches and the timestamp is within 5 minutes."""
    if not secret:
        raise NotConfigured("Clerk webhooks are not configured on this deployment (CLERK_WEBHOOK_SECRET).")
    key = _secret_bytes(secret)
    if not msg_id or not timestamp or not signature_header:
        raise InvalidWebhook("The Svix signature headers are missing.")
    if (
        deliveries.storable_id(msg_id) is None
        or len(signature_header) > 4096
        or not timestamp.isdigit()
        or len(timestamp) > 12
    ):
        raise InvalidWebhook("The Svix signature headers are malformed.")
    if abs((now if now is not None else time.time()) - int(timestamp)) > TOLERANCE_SECONDS:
        raise InvalidWebhook("The webhook timestamp is too far from now (stale or replayed delivery).")
    expected = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    for part in signature_header.split():
        version, _, value = part.partition(",")
        if version != "v1" or not value:
            continue
        try:
            candidate = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(candidate, expected):
            return
    raise InvalidWebhook("The webhook signature does not match.")


def parse_event(body: bytes, msg_id: str) -> ClerkEvent:
    """A verified body as an event; ``MalformedWebhookEvent`` (keyed by the svix-id) if it isn't one."""
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError):
        raise MalformedWebhookEvent("the body is not JSON", msg_id) from None
    event_type = raw.get("type") if isinstance(raw, dict) else None
    try:
        event = ClerkEvent.model_validate(raw)
    except ValidationError as exc:
        raise MalformedWebhookEvent(
            deliveries.reason_for(exc), msg_id, event_type if isinstance(event_type, str) else ""
        ) from None
    return event.model_copy(update={"id": msg_id})


def verify_and_parse(body: bytes, headers: Any, secret: str | None, now: float | None = None) -> ClerkEvent:
    """The verified event of one delivery (``headers``: any case-insensitive mapping)."""
    msg_id = headers.get("svix-id")
    verify_signature(body, msg_id, headers.get("svix-timestamp"), headers.get("svix-signature"), secret, now)
    assert msg_id is not None
    return parse_event(body, msg_id)


# --- applying -------------------------------------------------------------------------------------


def _user_id_for(*, session: Session, clerk_user_id: str) -> int | None:
    return session.execute(
        select(col(User.id)).where(col(User.auth_subject) == clerk_user_id)
    ).scalar_one_or_none()


def _deleted_user_id(event: ClerkEvent) -> str | None:
    value = event.data.get("id")
    return value if clerk.is_user_id(value) else None


def _profile(event: ClerkEvent) -> ClerkProfile:
    """The user object of a ``user.created``/``user.updated``, fit to store, or ``MalformedWebhookEvent``."""
    try:
        profile = clerk.profile_from_user(event.data)
    except (ValueError, TypeError, AttributeError):
        raise MalformedWebhookEvent("the user object is unusable", event.id, event.type) from None
    for value in (profile.email or "", profile.name, profile.image_url or ""):
        why = deliveries.unstorable(value)
        if why:
            raise MalformedWebhookEvent(f"a field of the user object {why}", event.id, event.type)
    return profile


def _apply(session: Session, settings: Settings, event: ClerkEvent) -> str:
    if event.type in USER_UPSERT_TYPES:
        return clerk_users.upsert_from_webhook(session=session, settings=settings, profile=_profile(event))
    if event.type == "user.deleted":
        subject = _deleted_user_id(event)
        user_id = _user_id_for(session=session, clerk_user_id=subject) if subject else None
        if user_id is None:
            return "ignored: no such user"
        result = user_data.delete_account_data(session=session, user_id=user_id)
        return f"deleted {result.interviews} interviews, {result.transcript_lines} transcript lines"
    return "ignored: event type not used"


def _apply_once(*, session: Session, settings: Settings, event: ClerkEvent) -> WebhookOutcome:
    claimed = deliveries.claim(session=session, provider=PROVIDER, event_id=event.id, event_type=event.type)
    if claimed is None:
        return WebhookOutcome("duplicate", event.id, event.type, "already applied")
    detail = _apply(session, settings, event)
    result: Literal["applied", "ignored"] = "ignored" if detail.startswith("ignored") else "applied"
    claimed.outcome = WEBHOOK_IGNORED if result == "ignored" else WEBHOOK_APPLIED
    session.add(claimed)
    return WebhookOutcome(result, event.id, event.type, detail)


async def receive_event(settings: Settings, body: bytes, headers: Any) -> ClerkEvent:
    """The verified event of one delivery; a signed body that isn't a usable event is recorded as rejected.

    ``InvalidWebhook``: untrusted (400, nothing kept); ``MalformedWebhookEvent``: signed but unusable
    (400, remembered by its svix-id); ``NotConfigured``: 503, Svix retries.
    """
    try:
        return verify_and_parse(body, headers, settings.clerk_webhook_secret)
    except MalformedWebhookEvent as exc:
        raise await anyio.to_thread.run_sync(
            deliveries.reject, PROVIDER, exc.event_id, exc.event_type, exc
        ) from None


async def _refuse_if_rejected(event: ClerkEvent) -> bool:
    """Raise the same 400 if this svix-id was rejected before; ``True`` if it was handled (a duplicate)."""
    prior = await run_db(deliveries.prior_delivery, provider=PROVIDER, event_id=event.id)
    if prior is not None and prior.rejected:
        raise deliveries.refuse_again(PROVIDER, event.id, event.type, prior)
    return prior is not None


async def process_event(settings: Settings, event: ClerkEvent) -> WebhookOutcome:
    """Apply one verified event exactly once; a deleted user's live call and plan are ended first."""
    if await _refuse_if_rejected(event):
        return WebhookOutcome("duplicate", event.id, event.type, "already applied")
    try:
        subject = _deleted_user_id(event) if event.type == "user.deleted" else None
        if subject:
            user_id = await run_db(_user_id_for, clerk_user_id=subject)
            if user_id is not None:
                await user_data.end_live_interview(user_id=user_id, settings=settings)
                await user_data.stop_billing(user_id=user_id, settings=settings)
        outcome = await run_db(_apply_once, settings=settings, event=event)
    except deliveries.MALFORMED_EVENT_ERRORS as exc:
        raise await anyio.to_thread.run_sync(deliveries.reject, PROVIDER, event.id, event.type, exc) from None
    if outcome.result == "duplicate":
        await _refuse_if_rejected(event)  # a concurrent delivery of the same id got there first
    log.info(
        json.dumps(
            {
                "event": "clerk_webhook",
                "id": event.id,
                "type": event.type,
                "result": outcome.result,
                "detail": outcome.detail[:200],
            }
        )
    )
    return outcome
