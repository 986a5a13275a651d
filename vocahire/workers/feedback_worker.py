"""The feedback job loop: claims due jobs from the database, generates feedback, records the outcome.

Runs inside every backend process as a Reflex lifespan task (``run_feedback_worker``);
claims are database-safe, so any number of processes can run it side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

import anyio.to_thread
import httpx

from vocahire.infra.database import run_db
from vocahire.models import utcnow
from vocahire.models.interview import KIND_REDO
from vocahire.services.feedback import jobs, regrade
from vocahire.services.feedback.ai import (
    AIResult,
    FeedbackAIError,
    FeedbackRequest,
    post_completion,
    request_feedback,
    scrub,
    validated_content,
)
from vocahire.services.feedback.answers import segment_answers
from vocahire.services.feedback.assessment import Assessment, assemble
from vocahire.services.feedback.speech_metrics import SpeechMetrics, compute_speech_metrics
from vocahire.services.interviews import usage as model_usage
from vocahire.settings import Settings, get_settings

log = logging.getLogger(__name__)

Outcome = Literal["completed", "retry", "failed", "lost"]
NOTHING_SAID = "We didn't capture any answers in this interview, so there is nothing to give feedback on yet."
TOO_MANY_INTERRUPTIONS = (
    "Feedback generation was interrupted too many times. Press “Try again” to start over."
)
UNEXPECTED = "Something went wrong on our side while writing your feedback."


@dataclass(frozen=True)
class WorkerConfig:
    poll_seconds: float = 2.0
    concurrency: int = 2
    backoff: jobs.Backoff = field(default_factory=jobs.Backoff)
    lease_seconds: float | None = None  # default: twice the upstream timeout plus a margin

    def lease_for(self, settings: Settings) -> float:
        return (
            self.lease_seconds
            if self.lease_seconds is not None
            else settings.feedback_timeout_seconds * 2 + 30
        )


@dataclass(frozen=True)
class JobOutcome:
    interview_id: str
    attempt: int
    outcome: Outcome
    reason: str = ""
    upstream_seconds: float = 0.0
    total_seconds: float = 0.0


class FeedbackWorker:
    """Claims and processes feedback jobs; ``run_once`` for tests, ``run_forever`` for the app."""

    def __init__(
        self,
        *,
        client: httpx.AsyncClient | None = None,
        config: WorkerConfig | None = None,
        settings: Settings | None = None,
    ) -> None:
        self._client = client
        self.config = config or WorkerConfig()
        self._settings = settings

    @property
    def settings(self) -> Settings:
        return self._settings or get_settings()

    @contextlib.asynccontextmanager
    async def _http(self) -> AsyncIterator[httpx.AsyncClient]:
        if self._client is not None:
            yield self._client
            return
        async with httpx.AsyncClient(
            limits=httpx.Limits(max_connections=max(2, self.config.concurrency))
        ) as client:
            self._client = client
            try:
                yield client
            finally:
                self._client = None

    async def claim(self) -> jobs.ClaimedJob | None:
        return await run_db(jobs.claim_next_job, lease_seconds=self.config.lease_for(self.settings))

    async def run_once(self) -> JobOutcome | None:
        """Claim one due job and process it to its next state; None when nothing is due."""
        async with self._http():
            job = await self.claim()
            if job is None:
                return None
            return await self._process_guarded(job)

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Poll for due jobs until cancelled (or ``stop`` is set), up to ``concurrency`` at a time."""
        stop = stop or asyncio.Event()
        active: set[asyncio.Task[JobOutcome]] = set()
        async with self._http():
            try:
                while not stop.is_set():
                    while len(active) < self.config.concurrency:
                        try:
                            job = await self.claim()
                        except Exception as exc:
                            log.warning("feedback worker: could not claim a job (%s)", type(exc).__name__)
                            break
                        if job is None:
                            break
                        task = asyncio.create_task(
                            self._process_guarded(job), name=f"feedback-job-{job.interview_id}"
                        )
                        active.add(task)
                        task.add_done_callback(active.discard)
                        task.add_done_callback(_log_crash)
                    stopper = asyncio.create_task(stop.wait())
                    await asyncio.wait(
                        {stopper, *active},
                        timeout=self.config.poll_seconds,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    stopper.cancel()
            finally:
                for task in list(active):
                    task.cancel()
                if active:
                    await asyncio.gather(*active, return_exceptions=True)

    async def _process_guarded(self, job: jobs.ClaimedJob) -> JobOutcome:
        try:
            return await self.process(job)
        except asyncio.CancelledError:
            # Shutting down: hand the job back at once instead of waiting for the lease to expire.
            with contextlib.suppress(Exception):
                await asyncio.shield(run_db(jobs.release_job, job=job))
            raise
        except Exception as exc:
            log.exception("feedback job %s crashed (%s)", job.interview_id, type(exc).__name__)
            return await self._after_failure(
                job, UNEXPECTED, transient=True, retry_after=None, started=time.perf_counter()
            )

    async def process(self, job: jobs.ClaimedJob) -> JobOutcome:
        """Generate and store feedback for a claimed job, or reschedule / fail it."""
        started = time.perf_counter()
        settings = self.settings
        if job.attempt > settings.feedback_max_attempts:
            return await self._finish_failed(job, TOO_MANY_INTERRUPTIONS, started)
        data = await run_db(jobs.load_job_input, interview_id=job.interview_id)
        if data.kind == KIND_REDO:
            return await self._process_attempt(job, data, started)
        metrics: SpeechMetrics = await anyio.to_thread.run_sync(
            compute_speech_metrics, data.lines, data.job_description, data.language
        )
        if metrics.candidate_words == 0:
            return await self._finish_failed(job, NOTHING_SAID, started)
        spans = segment_answers(data.lines)
        request = FeedbackRequest(
            job_title=data.job_title,
            job_description=data.job_description,
            resume_text=data.resume_text,
            lines=data.lines,
            measured_summary=metrics.as_prompt_text(),
            interview_type=data.interview_type,
            answers=spans,
            language=data.language,
        )
        assert self._client is not None
        try:
            result = await request_feedback(
                request, settings=settings, client=self._client, attempt=job.attempt
            )
        except FeedbackAIError as exc:
            return await self._after_failure(
                job, exc.message, transient=exc.transient, retry_after=exc.retry_after, started=started
            )
        await self._record_usage(job, result.model, result.usage)
        assessment = assemble(
            result.feedback, lines=data.lines, spans=spans, interview_type=data.interview_type
        )
        stored = await run_db(
            jobs.complete_job, job=job, metrics=metrics.to_json(), **feedback_fields(result, data, assessment)
        )
        outcome: Outcome = "completed" if stored else "lost"
        log.info(
            "feedback job %s attempt %d: %s (upstream %.2fs; citations repaired %d, dropped %d %s)",
            job.interview_id,
            job.attempt,
            outcome,
            result.upstream_seconds,
            assessment.repaired_citations,
            assessment.dropped_citations,
            assessment.drop_reasons or "",
        )
        return JobOutcome(
            job.interview_id,
            job.attempt,
            outcome,
            upstream_seconds=result.upstream_seconds,
            total_seconds=time.perf_counter() - started,
        )

    async def _process_attempt(self, job: jobs.ClaimedJob, data: jobs.JobInput, started: float) -> JobOutcome:
        """A redo of one answer: grade just that answer with the original's rubric (``regrade``)."""
        settings = self.settings
        if not any(line.role == "candidate" and line.text.strip() for line in data.lines):
            return await self._finish_failed(job, NOTHING_SAID, started)
        original = await run_db(
            jobs.original_answer, interview_id=data.redo_of or "", number=data.redo_answer or 0
        )
        if original is None:
            return await self._finish_failed(
                job, "The answer this practice redoes no longer exists.", started
            )
        request = regrade.RegradeRequest(
            job_title=data.job_title,
            question=original.question,
            question_type=original.question_type or data.interview_type,
            original_answer=original.answer_text,
            original_score=original.score,
            original_change=original.what_to_change,
            key_points=original.key_points,
            lines=data.lines,
        )
        assert self._client is not None
        try:
            payload, elapsed = await post_completion(
                regrade.build_body(request, model=settings.feedback_model),
                settings=settings,
                client=self._client,
            )
            result = validated_content(payload, regrade.AIRegrade)
        except FeedbackAIError as exc:
            return await self._after_failure(
                job, exc.message, transient=exc.transient, retry_after=exc.retry_after, started=started
            )
        usage = payload.get("usage")
        await self._record_usage(
            job,
            str(payload.get("model") or settings.feedback_model),
            usage if isinstance(usage, dict) else {},
        )
        attempt = regrade.assemble(result, req=request, answer_number=data.redo_answer or 0)
        attempt["original_figures"] = original.figures
        stored = await run_db(
            jobs.complete_attempt_job,
            job=job,
            data=data,
            attempt=attempt,
            figures=regrade.answer_figures(data.lines, data.language),
            model=str(payload.get("model") or settings.feedback_model),
        )
        outcome: Outcome = "completed" if stored else "lost"
        log.info(
            "redo grading %s attempt %d: %s (upstream %.2fs)", job.interview_id, job.attempt, outcome, elapsed
        )
        return JobOutcome(
            job.interview_id,
            job.attempt,
            outcome,
            upstream_seconds=elapsed,
            total_seconds=time.perf_counter() - started,
        )

    async def _record_usage(self, job: jobs.ClaimedJob, model: str, usage: dict[str, Any]) -> None:
        """The feedback call's token usage, on the interview's model cost (once per claimed attempt)."""
        try:
            await run_db(
                model_usage.record_feedback_usage,
                interview_id=job.interview_id,
                model=model,
                usage=usage,
                key=f"attempt-{job.attempt}@{job.claimed_at.isoformat()}",
                settings=self.settings,
            )
        except Exception as exc:  # the cost figure must never cost the candidate their feedback
            log.warning("feedback job %s: recording usage failed (%s)", job.interview_id, type(exc).__name__)

    async def _after_failure(
        self, job: jobs.ClaimedJob, reason: str, *, transient: bool, retry_after: float | None, started: float
    ) -> JobOutcome:
        reason = scrub(reason, self.settings.openai_api_key)
        max_attempts = self.settings.feedback_max_attempts
        if transient and job.attempt < max_attempts:
            delay = self.config.backoff.delay(job.attempt, retry_after)
            held = await run_db(
                jobs.reschedule_job, job=job, reason=reason, retry_at=utcnow() + timedelta(seconds=delay)
            )
            log.info(
                "feedback job %s attempt %d/%d failed (%s); retrying in %.1fs",
                job.interview_id,
                job.attempt,
                max_attempts,
                reason,
                delay,
            )
            return JobOutcome(
                job.interview_id,
                job.attempt,
                "retry" if held else "lost",
                reason,
                total_seconds=time.perf_counter() - started,
            )
        if transient:
            reason = f"{reason} We tried {job.attempt} times; press “Try again” to retry."
        return await self._finish_failed(job, reason, started)

    async def _finish_failed(self, job: jobs.ClaimedJob, reason: str, started: float) -> JobOutcome:
        held = await run_db(jobs.fail_job, job=job, reason=reason)
        log.info("feedback job %s attempt %d failed for good: %s", job.interview_id, job.attempt, reason)
        return JobOutcome(
            job.interview_id,
            job.attempt,
            "failed" if held else "lost",
            reason,
            total_seconds=time.perf_counter() - started,
        )


def _log_crash(task: asyncio.Task[JobOutcome]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("feedback job task ended with %s", type(task.exception()).__name__)


def feedback_fields(
    result: AIResult, data: jobs.JobInput, assessment: Assessment | None = None
) -> dict[str, Any]:
    """What ``jobs.complete_job`` stores for an AI result: its citations checked against ``data``'s
    transcript, its notes tied to the answers."""
    if assessment is None:
        assessment = assemble(
            result.feedback,
            lines=data.lines,
            spans=segment_answers(data.lines),
            interview_type=data.interview_type,
        )
    return {"model": result.model, **assessment.stored_fields()}


async def run_feedback_worker() -> None:
    """Reflex lifespan task: this backend process's feedback job loop."""
    log.info("feedback worker started")
    await FeedbackWorker().run_forever()
