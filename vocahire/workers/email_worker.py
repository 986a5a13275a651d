"""The e-mail loop: claims due outbox rows, composes them once, sends them, records the outcome.

Runs inside every backend process as a Reflex lifespan task (``run_email_worker``); claims are
database-safe, so any number of processes can run it side by side. A refused or timed-out send goes
back to the outbox with a backoff and is never lost. Delivery is at least once: a process that dies
after the server accepted a message but before ``mark_sent`` committed sends it again when its lease
is over (with the same Message-ID, so mail clients can tell).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal

from sqlmodel import Session

from vocahire.infra import mailer
from vocahire.infra.database import run_db
from vocahire.models import utcnow
from vocahire.services.accounts.emails import COMPOSERS as ACCOUNT
from vocahire.services.email import outbox
from vocahire.services.email.compose import ComposedEmail, Composer, sender_domain, to_message
from vocahire.services.feedback.notifications import COMPOSERS as FEEDBACK
from vocahire.settings import Settings, get_settings

log = logging.getLogger(__name__)

Outcome = Literal["sent", "retry", "failed", "skipped", "lost"]
SKIPPED = "nothing to send any more"


@dataclass(frozen=True)
class EmailWorkerConfig:
    poll_seconds: float = 5.0
    batch: int = 5  # messages claimed, and sent side by side, per round
    lease_seconds: float | None = None  # default: the longest a send can take, plus a margin

    def lease_for(self, settings: Settings) -> float:
        if self.lease_seconds is not None:
            return self.lease_seconds
        return settings.smtp_timeout_seconds * 4 + 60


@dataclass(frozen=True)
class EmailOutcome:
    email_id: int
    kind: str
    attempt: int
    outcome: Outcome
    error: str = ""


class EmailWorker:
    """Sends the outbox; ``run_once`` for tests, ``run_forever`` for the app."""

    def __init__(
        self,
        composers: Mapping[str, Composer],
        settings: Settings | None = None,
        config: EmailWorkerConfig | None = None,
    ) -> None:
        self.composers = dict(composers)
        self._settings = settings
        self.config = config or EmailWorkerConfig()

    @property
    def settings(self) -> Settings:
        return self._settings or get_settings()

    async def run_once(self) -> list[EmailOutcome]:
        """Claim one batch of due messages and take each to its next state; [] when nothing is due."""
        claims = await run_db(
            outbox.claim_due, lease_seconds=self.config.lease_for(self.settings), limit=self.config.batch
        )
        return list(await asyncio.gather(*(self._process_guarded(claim) for claim in claims)))

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Send due messages until cancelled (or ``stop`` is set), polling when the outbox is empty."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                outcomes = await self.run_once()
            except Exception as exc:
                log.warning("e-mail worker: could not claim messages (%s)", type(exc).__name__)
                outcomes = []
            if len(outcomes) < self.config.batch:  # a full batch: more may be due, go again at once
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.config.poll_seconds)

    async def _process_guarded(self, claim: outbox.ClaimedEmail) -> EmailOutcome:
        try:
            return await self.process(claim)
        except asyncio.CancelledError:
            # Shutting down: hand the message back now instead of when the lease ends.
            with contextlib.suppress(Exception):
                await asyncio.shield(run_db(outbox.release, claim=claim))
            raise
        except Exception as exc:
            log.exception("e-mail %s (%s) crashed the worker (%s)", claim.id, claim.kind, type(exc).__name__)
            return await self._after_failure(claim, f"unexpected {type(exc).__name__}", permanent=False)

    async def process(self, claim: outbox.ClaimedEmail) -> EmailOutcome:
        """Compose (first attempt only), send outside any transaction, record what happened."""
        if claim.attempt > outbox.MAX_ATTEMPTS:  # crashed mid-send too many times
            return await self._fail(claim, "gave up after too many interrupted attempts")
        composed = claim.composed
        if composed is None:
            composer = self.composers.get(claim.kind)
            if composer is None:
                return await self._fail(claim, f"no composer for e-mail kind {claim.kind!r}")
            result = await run_db(_compose_and_store, claim=claim, composer=composer, settings=self.settings)
            if result == "skipped":
                log.info("e-mail %s (%s): nothing to send any more, skipped", claim.id, claim.kind)
                return _outcome(claim, "skipped", SKIPPED)
            if result == "lost":
                return _outcome(claim, "lost")
            assert isinstance(result, ComposedEmail)
            composed = result
        message = self.message_for(claim, composed)
        try:
            await mailer.send(message, self.settings)
        except mailer.MailerError as exc:
            return await self._after_failure(claim, exc.message, permanent=exc.permanent)
        held = await run_db(outbox.mark_sent, claim=claim)
        log.info("e-mail %s (%s) attempt %d: sent", claim.id, claim.kind, claim.attempt)
        return _outcome(claim, "sent" if held else "lost")

    def message_for(self, claim: outbox.ClaimedEmail, composed: ComposedEmail) -> EmailMessage:
        sender = self.settings.email_from
        stamp = int(claim.created_at.timestamp())
        message_id = f"<outbox-{claim.id}.{stamp}@{sender_domain(sender)}>"  # the same on every retry
        return to_message(composed, to=claim.to_address, sender=sender, message_id=message_id)

    async def _after_failure(
        self, claim: outbox.ClaimedEmail, error: str, *, permanent: bool
    ) -> EmailOutcome:
        delay = None if permanent else outbox.retry_delay(claim.attempt)
        if delay is None:
            if not permanent:
                error = f"{error} (gave up after {claim.attempt} attempts)"
            return await self._fail(claim, error)
        held = await run_db(outbox.mark_retry, claim=claim, error=error, next_at=utcnow() + delay)
        log.info(
            "e-mail %s (%s) attempt %d failed (%s); retrying in %ds",
            claim.id,
            claim.kind,
            claim.attempt,
            error,
            delay.total_seconds(),
        )
        return _outcome(claim, "retry" if held else "lost", error)

    async def _fail(self, claim: outbox.ClaimedEmail, error: str) -> EmailOutcome:
        held = await run_db(outbox.mark_failed, claim=claim, error=error)
        log.warning("e-mail %s (%s) failed for good: %s", claim.id, claim.kind, error)
        return _outcome(claim, "failed" if held else "lost", error)


def _outcome(claim: outbox.ClaimedEmail, outcome: Outcome, error: str = "") -> EmailOutcome:
    return EmailOutcome(claim.id, claim.kind, claim.attempt, outcome, error)


def _compose_and_store(
    *, session: Session, claim: outbox.ClaimedEmail, composer: Composer, settings: Settings
) -> ComposedEmail | Literal["skipped", "lost"]:
    """In one transaction: the composer reads (and may write) what it needs; the result is kept, so a
    retry sends the same mail, or the row is skipped. "lost": another worker holds the row now."""
    row = outbox.held_row(session=session, claim=claim)
    if row is None:
        return "lost"
    composed = composer(session=session, email=row, settings=settings)
    if composed is None:
        return "skipped" if outbox.mark_skipped(session=session, claim=claim, reason=SKIPPED) else "lost"
    return composed if outbox.store_composed(session=session, claim=claim, composed=composed) else "lost"


def default_composers() -> dict[str, Composer]:
    """Every kind of message the app sends, from the domains that write them."""
    overlap = ACCOUNT.keys() & FEEDBACK.keys()
    if overlap:
        raise RuntimeError(f"two composers for the e-mail kinds {sorted(overlap)}")
    return {**ACCOUNT, **FEEDBACK}


async def run_email_worker() -> None:
    """Reflex lifespan task: this backend process's e-mail loop."""
    settings = get_settings()
    log.info("e-mail worker started (backend: %s)", mailer.backend_name(settings))
    await EmailWorker(default_composers()).run_forever()
