"""Redoing one answer (issue 16): a redo is an interview session with its own price, refunded like an
interview's when it never connects, free on Coach; graded on its own; the practice queue follows."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from threading import Barrier

import pytest
from sqlmodel import select

from tests.fakes.openai_api import FakeOpenAI
from tests.utils.interviews import make_interview
from tests.utils.live import age, connect_without_upstream, end, get, make_premium, set_balance_cents
from tests.utils.users import balance_of, ledger_total, make_user
from vocahire.errors import InsufficientCredits, InterviewInProgress, NotFound
from vocahire.infra.database import in_session
from vocahire.models import Feedback, PracticeItem, TranscriptEntry, utcnow
from vocahire.services.interviews import lifecycle, redo
from vocahire.services.practice import queue
from vocahire.settings import get_settings
from vocahire.workers.feedback_worker import FeedbackWorker

KEY = "sk-test-practice-0123456789abcdef"


@pytest.fixture
def graded(db, env):
    """A user whose two-answer interview has anchored feedback: answer 1 scored 7, answer 2 scored 6."""
    with FakeOpenAI(api_key=KEY) as fake:
        env(OPENAI_API_KEY=KEY, OPENAI_BASE_URL=fake.base_url, FEEDBACK_MAX_ATTEMPTS="2")
        user = make_user()
        interview_id = make_interview(user.id)
        assert asyncio.run(FeedbackWorker().run_once()).outcome == "completed"
        yield user, interview_id, fake


def start_redo(user_id: int, interview_id: str, number: int = 2) -> lifecycle.StartedInterview:
    return in_session(
        redo.start_redo,
        settings=get_settings(),
        user_id=user_id,
        interview_id=interview_id,
        answer_number=number,
    )


def items(user_id: int) -> list[PracticeItem]:
    return in_session(
        lambda *, session: list(session.exec(select(PracticeItem).where(PracticeItem.user_id == user_id)))
    )


def test_low_scoring_answers_enter_the_queue_due_now(graded):
    user, interview_id, _ = graded
    [item] = items(user.id)
    assert (item.interview_id, item.answer_number, item.first_score) == (interview_id, 2, 6)
    summary = in_session(queue.queue_summary, user_id=user.id)
    assert summary.due == 1 and summary.top and summary.top.last_score == 6


def test_a_redo_costs_its_price_and_copies_the_interviewer(graded):
    user, interview_id, _ = graded
    started = start_redo(user.id, interview_id)
    assert started.charged == Decimal("0.25") and not started.premium
    assert balance_of(user.id) == Decimal("2.75") == ledger_total(user.id)
    row, original = get(started.id), get(interview_id)
    assert (row.kind, row.redo_of, row.redo_answer) == ("redo", interview_id, 2)
    assert row.credits_charged_cents == 25  # what the economics reports count
    assert (row.job_title, row.resume_text, row.pace) == (
        original.job_title,
        original.resume_text,
        original.pace,
    )
    assert row.redo_question == "How did you test the migration before the cut-over?"
    assert "Acme I led the migration" in row.redo_context and "How did you test" not in row.redo_context
    assert lifecycle.limit_seconds(get_settings(), row.duration_minutes) == 300
    plan = in_session(
        lifecycle.prepare_call, settings=get_settings(), user_id=user.id, interview_id=started.id
    )
    assert "How did you test the migration before the cut-over?" in plan.instructions
    assert "<conversation_so_far>" in plan.instructions and "Acme I led the migration" in plan.instructions


def test_a_redo_that_never_connects_is_refunded_once(graded):
    user, interview_id, _ = graded
    started = start_redo(user.id, interview_id)
    age(started.id, minutes=10)
    closed = in_session(lifecycle.close_stale_sessions, settings=get_settings())
    assert [c.id for c in closed] == [started.id]
    assert in_session(lifecycle.close_stale_sessions, settings=get_settings()) == []
    assert in_session(lifecycle.fail_start, interview_id=started.id, message="again") is False
    assert balance_of(user.id) == Decimal("3.00") == ledger_total(user.id)


def test_coach_plans_redo_for_free(graded):
    user, interview_id, _ = graded
    make_premium(user.id)
    started = start_redo(user.id, interview_id)
    assert started.premium and started.charged == Decimal("0")
    assert balance_of(user.id) == Decimal("3.00")
    assert get(started.id).credits_charged_cents == 0


def test_a_redo_needs_its_price_and_no_other_live_session(graded):
    user, interview_id, _ = graded
    set_balance_cents(user.id, 20)
    with pytest.raises(InsufficientCredits):
        start_redo(user.id, interview_id)
    set_balance_cents(user.id, 100)
    start_redo(user.id, interview_id)
    with pytest.raises(InterviewInProgress):
        start_redo(user.id, interview_id, 1)
    other = make_user("eve@example.com")
    with pytest.raises(NotFound):
        start_redo(other.id, interview_id)
    with pytest.raises(NotFound):
        start_redo(user.id, interview_id, 9)


@pytest.mark.parametrize("n", [8])
def test_concurrent_redo_starts_never_overspend(graded, n):
    user, interview_id, _ = graded
    set_balance_cents(user.id, 50)  # two redos' worth
    for expected in (Decimal("0.25"), Decimal("0.00")):
        barrier = Barrier(n)

        def attempt(_: int, barrier: Barrier = barrier) -> object:
            barrier.wait()
            try:
                return start_redo(user.id, interview_id)
            except (InterviewInProgress, InsufficientCredits) as exc:
                return exc

        with ThreadPoolExecutor(max_workers=n) as pool:
            results = list(pool.map(attempt, range(n)))
        winners = [r for r in results if not isinstance(r, Exception)]
        assert len(winners) == 1, results
        assert balance_of(user.id) == expected == ledger_total(user.id)
        connect_without_upstream(winners[0].id)
        end(winners[0].id)
    with pytest.raises(InsufficientCredits):
        start_redo(user.id, interview_id)
    assert balance_of(user.id) == Decimal("0.00") == ledger_total(user.id)


def _answer_in_redo(redo_id: str) -> None:
    def add(*, session) -> None:  # type: ignore[no-untyped-def]
        t0 = utcnow()
        from datetime import timedelta

        for i, (role, text, a, b) in enumerate(
            [
                (
                    "interviewer",
                    "Let's try one again. How did you test the migration before the cut-over?",
                    0,
                    4,
                ),
                (
                    "candidate",
                    "We replayed a week of production traffic against both databases and "
                    "compared every row, then fixed three mismatches before the switch.",
                    5.0,
                    17.0,
                ),
                ("interviewer", "Thanks, that's all. Your feedback will be ready shortly. Goodbye.", 18, 21),
            ]
        ):
            session.add(
                TranscriptEntry(
                    session_id=redo_id,
                    role=role,
                    text=text,
                    item_id=f"r{i}",
                    position=float(i),
                    started_at=t0 + timedelta(seconds=a),
                    ended_at=t0 + timedelta(seconds=b),
                )
            )

    in_session(add)


def test_the_redo_is_graded_on_its_own_and_moves_the_queue(graded):
    user, interview_id, fake = graded
    started = start_redo(user.id, interview_id)
    connect_without_upstream(started.id)
    _answer_in_redo(started.id)
    end(started.id)
    assert asyncio.run(FeedbackWorker().run_once()).outcome == "completed"
    body = fake.completions[-1].body
    assert body["response_format"]["json_schema"]["name"] == "answer_regrade"
    assert "How did you test the migration" in body["messages"][-1]["content"]
    fb = in_session(
        lambda *, session: session.exec(select(Feedback).where(Feedback.session_id == started.id)).one()
    )
    [attempt] = fb.answers
    assert fb.format_version == 3 and attempt["score"] == 8 and attempt["original_score"] == 6
    assert attempt["improved"]["citations"], "cites the redo's own lines"
    assert [k["now"] for k in attempt["key_points"]] == [True, True, True]
    assert fb.metrics["answer"]["words"] > 10 and fb.metrics["answer"]["latency_seconds"] == 1.0
    [item] = items(user.id)
    assert (item.attempts, item.last_score, item.step, item.status) == (1, 8, 1, "active")
    assert in_session(queue.queue_summary, user_id=user.id).due == 0  # due again in a day


def test_export_has_attempts_and_queue_and_deleting_the_interview_empties_its_queue(graded):
    from vocahire.services.accounts.user_data import export_user_data
    from vocahire.services.interviews.history import list_user_interviews, soft_delete_interview

    user, interview_id, _ = graded
    started = start_redo(user.id, interview_id)
    data = in_session(export_user_data, user_id=user.id)
    assert [q["answer_number"] for q in data["practice_queue"]] == [2]
    assert [(i["kind"], i["redo_of"]) for i in data["interviews"]][-1] == ("redo", interview_id)
    assert [s.id for s in in_session(list_user_interviews, user_id=user.id)] == [interview_id]
    connect_without_upstream(started.id)
    end(started.id)
    in_session(soft_delete_interview, user_id=user.id, interview_id=interview_id)
    assert items(user.id) == []


def test_the_comparison_page_and_the_dashboard_after_a_graded_redo(graded):
    from vocahire.state.practice_views import compare_page_data, dashboard_queue

    user, interview_id, _ = graded
    before = in_session(dashboard_queue, user_id=user.id)
    assert (
        before["due"] == 1 and before["top"]["answer_number"] == 2 and before["top"]["last_score"] == "6/10"
    )
    started = start_redo(user.id, interview_id)
    connect_without_upstream(started.id)
    _answer_in_redo(started.id)
    end(started.id)
    assert asyncio.run(FeedbackWorker().run_once()).outcome == "completed"
    page = in_session(compare_page_data, user_id=user.id, interview_id=interview_id, answer_number=2)
    assert page["original"]["score"] == "6/10" and page["latest_change"] == "+2"
    [attempt] = page["attempts"]
    assert (
        attempt["label"] == "Try 2" and attempt["score"] == "8/10" and attempt["change_text"] == "2 points up"
    )
    assert all(p["covered"] for p in attempt["points"])
    assert {f["key"]: f["trend"] for f in attempt["figures"]}["fillers_per_minute"] in ("better", "same")
    assert page["queue_text"] == "In your practice queue: due again in 1 day."
    assert in_session(dashboard_queue, user_id=user.id)["due"] == 0
    with pytest.raises(NotFound):
        in_session(
            compare_page_data,
            user_id=make_user("eve@example.com").id,
            interview_id=interview_id,
            answer_number=2,
        )
