"""What the owner sees of an interview's feedback and history, and that nobody else sees any of it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update

from tests.fakes.openai_api import FakeOpenAI, Reply, sample_feedback
from tests.utils.interviews import T0, completed_interview_with_feedback, get_interview, make_interview
from tests.utils.users import make_user
from vocahire.errors import Conflict, NotFound
from vocahire.infra.database import in_session
from vocahire.models import Feedback
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
    line = data["transcript"][1]
    assert (line["role"], line["who"], line["clock"], line["answer"]) == (
        "candidate",
        "You",
        "00:05",
        "Answer 1",
    )
    assert (
        "".join(s["text"] for s in line["segments"]).startswith("Um, sure. At Acme") and line["points"] == []
    )
    # Fillers and job-description terms are marked already, each with words a screen reader hears.
    marked = {(seg["text"], seg["cls"], seg["sr"]) for seg in line["segments"] if seg["cls"]}
    assert ("Um", "hl-filler", " (filler word)") in marked
    assert ("PostgreSQL", "hl-term", " (job description term)") in marked
    assert ("basically", "hl-filler", " (filler word)") in marked
    assert in_session(feedback_status, user_id=user.id, interview_id=interview_id) == ("pending", 0)


def test_completed_feedback_page_and_markdown(fake):
    user = make_user()
    interview_id = make_interview(user.id)
    fake.set_default(Reply.valid(sample_feedback(questions=2, overall=78)))
    generate()

    data = in_session(feedback_page_data, user_id=user.id, interview_id=interview_id)
    assert data["has_feedback"] and data["anchored"] and data["overall_score"] == 78
    assert data["score_band"] == "Strong" and data["type_label"] == "Mixed"
    assert [c["label"] for c in data["categories"]] == [
        "Relevance",
        "Specific evidence",
        "Motivation and fit",
        "Structure",
        "Clarity and confidence",
    ]
    assert data["categories"][0]["score_text"].endswith("/10")
    # Every point links to the line it quotes; that line lists the points citing it, its words marked.
    first = data["strengths"][0]
    assert first["text"] == "Clear ownership of the migration." and first["target"].startswith("line-")
    cited = next(t for t in data["transcript"] if t["id"] == first["target"])
    assert {"id": "strength-1", "label": "Strength 1"} in cited["points"]
    assert any("hl-cited" in seg["cls"] for seg in cited["segments"])
    assert data["fix_first"]["text"] and data["fix_first"]["target"]
    # One note per answer: the real question (not the greeting), a score, length and pace.
    notes = data["answer_notes"]
    assert [n["question"] for n in notes] == [
        "Tell me about a project you led.",
        "How did you test the migration before the cut-over?",
    ]
    assert notes[0]["score"] == "7/10" and notes[0]["wpm"] != "—" and notes[0]["duration"] == "20 s"
    assert notes[0]["what_worked"]["target"] and notes[0]["key_points"]
    assert data["answers"][0]["fillers"] == 2 and data["answers"][0]["worst_fillers"]  # "Um", "basically"
    assert "python" in data["keywords_mentioned"] and "ci/cd" in data["keywords_missing"]

    md = feedback_markdown(data)
    assert md.startswith("# Interview feedback: Backend Engineer")
    assert "## Overall: 78/100 (Strong)" in md and "## Fix this first" in md
    assert "not a real job interview" in md
    assert "**A stronger answer:**" in md and "dual-write layer" in md
    assert "### 1. Tell me about a project you led." in md and "**7/10**" in md
    assert "| Speaking pace |" in md
    assert "**[00:05] You:** Um, sure." in md


def test_feedback_stored_before_citations_still_renders(fake):
    """A format-1 row (five categories out of 100, plain strings, notes per question) shows as it did:
    no links, no citations, nothing marked as cited."""
    user = make_user()
    interview_id = completed_interview_with_feedback(user.id, score=64)
    in_session(
        lambda *, session: session.execute(
            update(Feedback)
            .where(Feedback.session_id == interview_id)
            .values(
                categories=[
                    {"key": "structure_star", "label": "Structure (STAR)", "score": 55, "reason": "Ok."}
                ],
                questions=[
                    {
                        "question": "Hi, I'm your AI interviewer. Tell me about a project you led.",
                        "what_worked": "Clear goal.",
                        "what_to_change": "Say what you did.",
                        "sample_answer": "I led...",
                    }
                ],
            )
        )
    )
    data = in_session(feedback_page_data, user_id=user.id, interview_id=interview_id)
    assert data["has_feedback"] and not data["anchored"] and data["overall_score"] == 64
    assert data["categories"][0]["score_text"] == "55/100" and data["categories"][0]["score"] == 55
    assert data["categories"][0]["target"] == ""
    assert data["strengths"] == [{"id": "strength-1", "text": "Clear structure", "target": "", "cites": 0}]
    assert data["fix_first"]["text"] == "" and data["answer_notes"] == []
    assert data["questions"][0]["what_worked"] == "Clear goal."
    assert not any(t["points"] for t in data["transcript"])
    assert not any("hl-cited" in seg["cls"] for t in data["transcript"] for seg in t["segments"])
    md = feedback_markdown(data)
    assert "## Question by question" in md and "1. Clear structure" in md


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
    assert points[0]["wpm"] is not None and points[0]["talk_ratio_percent"] is not None
    # Per interview type: the rubric's categories (out of 10) and the answers' average score.
    (mixed,) = in_session(history_views.type_progress, user_id=user.id)
    assert mixed["type"] == "mixed" and mixed["names"][0] == "Relevance" and mixed["count"] == 3
    assert [p["c1"] for p in mixed["points"]] == [4, 5, 7] and mixed["points"][2]["answers"] == 7.5

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
