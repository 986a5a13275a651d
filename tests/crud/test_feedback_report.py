"""What the owner sees of an interview's feedback and history, and that nobody else sees any of it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.fakes.openai_api import FakeOpenAI, Reply, sample_feedback
from tests.utils.interviews import T0, get_interview, make_interview
from tests.utils.users import make_user
from vocahire.errors import Conflict, NotFound
from vocahire.infra.database import in_session
from vocahire.services.feedback.report import feedback_status
from vocahire.services.interviews import history
from vocahire.state import history_views
from vocahire.state.feedback_views import feedback_markdown, feedback_page_data
from vocahire.workers.feedback_worker import FeedbackWorker

KEY = "sk-test-report-0123456789abcdef"


@pytest.fixture
def fake(db, env):
    with FakeOpenAI(api_key=KEY) as fake:
        env(OPENAI_API_KEY=KEY, OPENAI_BASE_URL=fake.base_url)
        yield fake


def generate() -> None:
    assert asyncio.run(FeedbackWorker().run_once()).outcome == "completed"


def test_while_generating_the_owner_already_sees_measured_figures_and_transcript(fake):
    user = make_user()
    interview_id = make_interview(user.id)
    data = in_session(feedback_page_data, user_id=user.id, interview_id=interview_id)
    assert data["feedback_status"] == "pending" and not data["has_feedback"]
    assert {f["key"] for f in data["figures"]} >= {
        "wpm",
        "fillers_per_minute",
        "median_latency_seconds",
        "talk_ratio_percent",
    }
    assert data["transcript"][1] == {
        "role": "candidate",
        "who": "You",
        "clock": "00:05",
        "text": data["transcript"][1]["text"],
    }
    assert data["transcript"][1]["text"].startswith("Um, sure. At Acme")
    assert in_session(feedback_status, user_id=user.id, interview_id=interview_id) == ("pending", 0)


def test_completed_feedback_page_and_markdown(fake):
    user = make_user()
    interview_id = make_interview(user.id)
    fake.set_default(Reply.valid(sample_feedback(questions=2, overall=78)))
    generate()

    data = in_session(feedback_page_data, user_id=user.id, interview_id=interview_id)
    assert data["has_feedback"] and data["overall_score"] == 78 and data["score_band"] == "Strong"
    assert [c["short"] for c in data["categories"]] == [
        "Relevance",
        "Structure",
        "Clarity",
        "Technical depth",
        "Confidence",
    ]
    assert len(data["questions"]) == 2 and data["questions"][0]["number"] == 1
    assert data["answers"][0]["fillers"] == 2 and data["answers"][0]["worst_fillers"]  # "Um", "basically"
    assert "python" in data["keywords_mentioned"]

    md = feedback_markdown(data)
    assert md.startswith("# Interview feedback: Backend Engineer")
    assert "## Overall: 78/100 (Strong)" in md
    assert "not a real job interview" in md
    assert "**A stronger answer:**" in md and "dual-write layer" in md
    assert "| Speaking pace |" in md
    assert "**[00:05] You:** Um, sure." in md


@pytest.mark.parametrize("who", ["stranger", "deleted", "junk"])
def test_nobody_but_the_owner_sees_an_interview(fake, who):
    owner = make_user()
    stranger = make_user("mallory@example.com", name="Mallory")
    interview_id = make_interview(owner.id)
    user_id, target = owner.id, interview_id
    if who == "stranger":
        user_id = stranger.id
    elif who == "deleted":
        in_session(history.soft_delete_interview, user_id=owner.id, interview_id=interview_id)
    else:
        target = {"$ne": None}  # type: ignore[assignment]
    with pytest.raises(NotFound):
        in_session(feedback_page_data, user_id=user_id, interview_id=target)
    with pytest.raises(NotFound):
        in_session(feedback_status, user_id=user_id, interview_id=target)


def test_history_lists_progress_oldest_first_and_soft_delete_hides(fake):
    user = make_user()
    other = make_user("bob@example.com", name="Bob")
    ids = []
    for day, score in enumerate((55, 68, 81)):
        ids.append(make_interview(user.id, started_at=T0 + timedelta(days=day)))
        fake.enqueue(Reply.valid(sample_feedback(overall=score)))
        generate()
    make_interview(user.id, started_at=T0 + timedelta(days=5))  # queued, no feedback yet
    make_interview(other.id)

    rows = in_session(history.list_user_interviews, user_id=user.id)
    assert [r.score for r in rows] == [None, 81, 68, 55]
    points = in_session(history_views.progress_points, user_id=user.id)
    assert [p["overall"] for p in points] == [55, 68, 81]
    assert [p["label"] for p in points] == ["20 Nov", "21 Nov", "22 Nov"]
    assert (
        points[0]["relevance"] == 45
        and points[0]["wpm"] is not None
        and points[0]["talk_ratio_percent"] is not None
    )

    with pytest.raises(NotFound):
        in_session(history.soft_delete_interview, user_id=other.id, interview_id=ids[1])
    in_session(history.soft_delete_interview, user_id=user.id, interview_id=ids[1])
    assert [r.score for r in in_session(history.list_user_interviews, user_id=user.id)] == [None, 81, 55]
    assert [p["overall"] for p in in_session(history_views.progress_points, user_id=user.id)] == [55, 81]
    assert get_interview(ids[1]).deleted_at is not None  # hidden, not erased
    with pytest.raises(NotFound):
        in_session(history.soft_delete_interview, user_id=user.id, interview_id=ids[1])


def test_an_interview_in_progress_cannot_be_deleted(fake):
    user = make_user()
    live = make_interview(user.id, status="active", queue=False)
    with pytest.raises(Conflict):
        in_session(history.soft_delete_interview, user_id=user.id, interview_id=live)


def test_every_charted_figure_has_a_name_on_the_history_page():
    assert list(history_views.PROGRESS_METRICS) == list(history.PROGRESS_FIGURES)
