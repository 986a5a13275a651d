"""Feedback figures: the measured part on a 60-minute transcript, and the job's overhead beyond the AI call.

1. ``compute_speech_metrics`` on a realistic 60-minute interview (about 600 lines,
   ~9 000 candidate words with fillers, overlaps and pauses): median of N runs.
2. The whole feedback job (claim, load the transcript, measure, build the prompt,
   call the upstream, validate, store, mark completed) against the local OpenAI
   fake answering at once, so everything but the upstream's own latency is ours:
   job time, the upstream round trip as the job saw it, and the difference.

3. The feedback page for that interview: the time to build its annotated transcript (fillers, terms
   and cited words marked, points linked to lines) and the size of the page's data.

Prints medians and ratios from one run (the machine is shared: compare within a run).

    .venv/bin/python benchmarks/feedback_bench.py [--runs 25] [--jobs 15] [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FILLERS = ["um", "uh", "you know", "like,", "basically", "sort of", "I mean,"]
VOCAB = [
    "we",
    "built",
    "the",
    "service",
    "in",
    "python",
    "and",
    "postgresql",
    "then",
    "measured",
    "latency",
    "and",
    "throughput",
    "before",
    "the",
    "release",
    "my",
    "role",
    "was",
    "to",
    "design",
    "the",
    "api",
    "lead",
    "the",
    "migration",
    "and",
    "mentor",
    "two",
    "engineers",
    "on",
    "testing",
    "and",
    "deployment",
    "the",
    "result",
    "was",
    "a",
    "forty",
    "percent",
    "faster",
    "checkout",
    "and",
    "fewer",
    "incidents",
    "during",
    "peak",
    "traffic",
    "over",
    "the",
    "quarter",
]


def sixty_minute_transcript(seed: int = 7) -> list[tuple[str, str, float, float]]:
    """(role, text, start, end): ~30 questions, answers of 30 s to 3 min, some overlaps and long pauses."""
    rng = random.Random(seed)
    lines: list[tuple[str, str, float, float]] = []
    t = 0.0
    while t < 3600 - 60:
        q_words = rng.randint(12, 45)
        q_dur = q_words / 2.6
        lines.append(("interviewer", " ".join(rng.choice(VOCAB) for _ in range(q_words)) + "?", t, t + q_dur))
        t += q_dur + rng.choice(
            [-0.6, 0.4, 1.2, 2.5, 6.0]
        )  # sometimes the candidate cuts in, sometimes thinks
        for _ in range(rng.randint(4, 12)):  # an answer comes as several final transcript lines
            words = []
            for _ in range(rng.randint(15, 45)):
                words.append(rng.choice(FILLERS) if rng.random() < 0.04 else rng.choice(VOCAB))
            dur = len(words) / rng.uniform(2.0, 2.8)
            lines.append(("candidate", " ".join(words).capitalize() + ".", t, t + dur))
            t += dur + rng.uniform(0.2, 1.5)
        t += rng.uniform(0.5, 3.0)
    return lines


def bench_measured(runs: int) -> None:
    from vocahire.services.feedback.speech_metrics import Line, compute_speech_metrics

    raw = sixty_minute_transcript()
    lines = [Line(role, text, s, e) for role, text, s, e in raw]  # type: ignore[arg-type]
    jd = (
        "Backend engineer: Python, PostgreSQL, REST APIs, CI/CD pipelines, AWS, Kubernetes, mentoring, "
        "testing, on-call."
    )
    compute_speech_metrics(lines, jd)  # warm imports and regex caches
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        metrics = compute_speech_metrics(lines, jd)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    print("1. Measured part (speech figures) on a 60-minute transcript")
    print(
        f"   transcript: {len(lines)} lines, {metrics.candidate_words} candidate words, "
        f"{len(metrics.answers)} answers, "
        f"{raw[-1][3] / 60:.1f} min"
    )
    print(
        f"   median {med * 1000:.2f} ms over {runs} runs "
        f"(min {min(times) * 1000:.2f}, max {max(times) * 1000:.2f}); "
        f"{med / len(lines) * 1e6:.1f} µs per line; {med / 3600 * 1e6:.2f} µs per second of interview"
    )


async def _job_runs(jobs: int) -> tuple[list[float], list[float], list[float]]:
    import httpx

    from tests.fakes.openai_api import FakeOpenAI
    from tests.utils.interviews import T0, make_interview
    from tests.utils.users import make_user
    from vocahire.workers.feedback_worker import FeedbackWorker

    totals, upstreams, bare = [], [], []
    with FakeOpenAI() as fake:
        os.environ["OPENAI_BASE_URL"] = fake.base_url
        from tests.conftest import refresh_settings

        refresh_settings()
        user = make_user(f"bench-{time.time_ns()}@example.com")
        transcript = sixty_minute_transcript()
        async with httpx.AsyncClient() as client:
            worker = FeedbackWorker(client=client)
            ids = [
                make_interview(user.id, transcript, started_at=T0 + timedelta(minutes=i), queue=False)
                for i in range(jobs + 1)
            ]
            from vocahire.infra.database import in_session
            from vocahire.services.feedback.jobs import queue_feedback

            for n, interview_id in enumerate(ids):
                in_session(queue_feedback, interview_id=interview_id)
                t0 = time.perf_counter()
                outcome = await worker.run_once()
                elapsed = time.perf_counter() - t0
                assert outcome is not None and outcome.outcome == "completed", outcome
                if n:  # the first job warms connections and imports
                    totals.append(elapsed)
                    upstreams.append(outcome.upstream_seconds)
            # The same request straight to the fake: the floor any job pays for the round trip itself.
            body = fake.completions[-1].body
            for _ in range(jobs):
                t0 = time.perf_counter()
                r = await client.post(
                    f"{fake.base_url}/chat/completions",
                    json=body,
                    headers={"Authorization": "Bearer sk-bench"},
                )
                r.raise_for_status()
                bare.append(time.perf_counter() - t0)
        from vocahire.services.feedback.ai import TRANSCRIPT_CHAR_BUDGET

        prompt_chars = sum(len(m["content"]) for m in body["messages"])
        shortened = "shortened to fit" in body["messages"][-1]["content"]
        print(
            f"   prompt sent: {prompt_chars:,} characters (transcript budget {TRANSCRIPT_CHAR_BUDGET:,}; "
            f"{'shortened' if shortened else 'sent whole'})"
        )
    return totals, upstreams, bare


def bench_job(jobs: int, database_url: str | None) -> None:
    import tests.conftest  # noqa: F401 - starts from a clean app environment, like the tests

    tmp = tempfile.TemporaryDirectory()
    url = database_url or f"sqlite:///{tmp.name}/bench.db"
    os.environ.update(DATABASE_URL=url, OPENAI_API_KEY="sk-bench-0123456789", FEEDBACK_TIMEOUT_SECONDS="30")
    from tests.conftest import migrate, refresh_settings

    refresh_settings()
    migrate(url.replace("postgresql://", "postgresql+psycopg://") if url.startswith("postgresql://") else url)
    print(
        f"2. Whole feedback job vs. a zero-latency upstream "
        f"({'PostgreSQL' if 'postgres' in url else 'SQLite'}, {jobs} jobs, 60-minute transcripts)"
    )
    totals, upstreams, bare = asyncio.run(_job_runs(jobs))
    overhead = [t - u for t, u in zip(totals, upstreams, strict=True)]
    med_total, med_up, med_over, med_bare = (
        statistics.median(x) for x in (totals, upstreams, overhead, bare)
    )
    print(f"   job total (claim -> completed): median {med_total * 1000:.1f} ms")
    print(
        f"   upstream call as the job saw it: median {med_up * 1000:.1f} ms "
        f"(bare POST of the same body: {med_bare * 1000:.1f} ms)"
    )
    print(
        f"   overhead beyond the upstream call: median {med_over * 1000:.1f} ms "
        f"({med_over / med_total:.0%} of this job; {med_over / med_up:.1f}x the zero-latency round trip; "
        f"{med_over / 20:.2%} of a 20 s model answer)"
    )
    tmp.cleanup()


def bench_annotated(runs: int) -> None:
    """The feedback page's data for a 60-minute interview: the annotated transcript and the payload."""
    import gzip
    import json
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from tests.fakes.openai_api import feedback_for_request
    from vocahire.services.feedback.ai import AIFeedback, FeedbackRequest, build_body
    from vocahire.services.feedback.annotated import build_annotated_transcript
    from vocahire.services.feedback.answers import segment_answers
    from vocahire.services.feedback.assessment import assemble
    from vocahire.services.feedback.report import FeedbackReport, written_feedback
    from vocahire.services.feedback.speech_metrics import Line, compute_speech_metrics
    from vocahire.state.feedback_views import feedback_view

    raw = sixty_minute_transcript()
    lines = [
        Line(role, text, s, e, id=i + 1)  # type: ignore[arg-type]
        for i, (role, text, s, e) in enumerate(raw)
    ]
    jd = (
        "Backend engineer: Python, PostgreSQL, REST APIs, CI/CD pipelines, AWS, Kubernetes, mentoring, "
        "testing, on-call. Python and PostgreSQL at scale; REST APIs for the payments platform."
    )
    spans = segment_answers(lines)
    body = build_body(
        FeedbackRequest("Backend engineer", jd, "", lines, interview_type="technical", answers=spans),
        model="m",
    )
    ai = AIFeedback.model_validate(feedback_for_request(body))
    stored = assemble(ai, lines=lines, spans=spans, interview_type="technical").stored_fields()
    row = SimpleNamespace(**stored, model="m")
    report = FeedbackReport(
        interview_id="bench",
        job_title="Backend engineer",
        created_at=datetime(2026, 12, 16, tzinfo=UTC),
        duration_seconds=3600,
        interview_status="completed",
        feedback_status="completed",
        feedback_error=None,
        attempts=1,
        written=written_feedback(row),  # type: ignore[arg-type]
        metrics=compute_speech_metrics(lines, jd),
        lines=lines,
        interview_type="technical",
        job_description=jd,
    )
    build_annotated_transcript(report)  # warm caches
    annotate, page = [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        build_annotated_transcript(report)
        t1 = time.perf_counter()
        data = feedback_view(report)
        page.append(time.perf_counter() - t1)
        annotate.append(t1 - t0)
    payload = json.dumps(data, separators=(",", ":")).encode()
    marked = sum(1 for t in data["transcript"] for seg in t["segments"] if seg["cls"])
    cited = sum(1 for t in data["transcript"] if t["points"])
    print("3. The feedback page's annotated transcript for a 60-minute interview")
    print(
        f"   {len(data['transcript'])} lines, {len(spans)} answers, {marked} marked spans, "
        f"{cited} cited lines, {len(data['answer_notes'])} answer notes"
    )
    print(
        f"   build the annotated transcript: median {statistics.median(annotate) * 1000:.2f} ms over {runs} "
        f"runs (min {min(annotate) * 1000:.2f}, max {max(annotate) * 1000:.2f}; target under 50 ms)"
    )
    print(f"   the whole page's data (view model included): median {statistics.median(page) * 1000:.2f} ms")
    print(
        f"   page payload: {len(payload) / 1024:.1f} KiB of JSON "
        f"({len(gzip.compress(payload)) / 1024:.1f} KiB gzipped), of which the transcript "
        f"{len(json.dumps(data['transcript'], separators=(',', ':'))) / 1024:.1f} KiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=25, help="runs of the measured part")
    parser.add_argument("--jobs", type=int, default=15, help="feedback jobs to time")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the worker logs each job; keep the figures readable
    bench_measured(args.runs)
    print()
    bench_job(args.jobs, args.database_url)
    print()
    bench_annotated(args.runs)


if __name__ == "__main__":
    main()
