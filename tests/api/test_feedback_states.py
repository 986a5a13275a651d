"""The feedback and history pages' handlers, called as the owner's browser and as someone else's."""

from __future__ import annotations

import asyncio
import base64

import pytest

from tests.fakes.openai_api import FakeOpenAI, Reply
from tests.utils.interviews import get_interview, make_interview
from tests.utils.states import call, state_for
from tests.utils.users import make_user
from vocahire.state.feedback import FeedbackState, interview_id_from_path
from vocahire.state.history import HistoryState
from vocahire.workers.feedback_worker import FeedbackWorker

KEY = "sk-test-states-0123456789abcdef"


@pytest.fixture
def fake(db, env):
    with FakeOpenAI(api_key=KEY) as fake:
        env(OPENAI_API_KEY=KEY, OPENAI_BASE_URL=fake.base_url)
        yield fake


def feedback_state(user_id, interview_id) -> FeedbackState:
    state = state_for(FeedbackState, user_id)
    root = state.parent_state
    cookie = root.router.headers.cookie
    root._update_router_vars(
        {
            "pathname": "/feedback/[session_id]",
            "asPath": f"/feedback/{interview_id}",
            "headers": {"cookie": cookie},
        },
        {},
    )
    return state


def test_interview_ids_come_only_from_a_feedback_path():
    assert interview_id_from_path("/feedback/abc123") == "abc123"
    assert interview_id_from_path("/feedback/abc123?x=1") == "abc123"
    for path in ("/feedback/", "/feedback/../../etc", "/history", "/feedback/a/b", "/feedback/" + "a" * 65):
        assert interview_id_from_path(path) == ""


def test_the_owner_sees_feedback_and_someone_else_gets_not_found_with_no_data(fake):
    owner, other = make_user(), make_user("eve@example.com", name="Eve")
    interview_id = make_interview(owner.id)
    asyncio.run(FeedbackWorker().run_once())

    mine = feedback_state(owner.id, interview_id)
    result = asyncio.run(call(mine, "load"))
    assert result == [None]  # completed: no watcher needed
    assert not mine.not_found and mine.job_title == "Backend Engineer" and mine.overall_score == 72
    assert len(mine.strengths) == 3 and mine.figures and mine.transcript

    theirs = feedback_state(other.id, interview_id)
    asyncio.run(call(theirs, "load"))
    assert theirs.not_found
    assert (
        theirs.job_title == "" and theirs.transcript == [] and theirs.figures == [] and theirs.strengths == []
    )


def test_loading_a_job_in_progress_starts_the_live_watcher(fake):
    owner = make_user()
    interview_id = make_interview(owner.id)
    state = feedback_state(owner.id, interview_id)
    (next_event,) = asyncio.run(call(state, "load"))
    assert state.working and "queued" in state.status_text
    assert next_event.fn.__name__ == "watch"


def test_try_again_requeues_a_failed_job_for_its_owner_only(fake):
    owner, other = make_user(), make_user("eve@example.com", name="Eve")
    interview_id = make_interview(owner.id)
    fake.enqueue(Reply.bad_request())
    asyncio.run(FeedbackWorker().run_once())

    theirs = feedback_state(other.id, interview_id)
    theirs.interview_id = interview_id  # even if a client could point the page at it
    asyncio.run(call(theirs, "try_again"))
    assert get_interview(interview_id).feedback_status == "failed"

    mine = feedback_state(owner.id, interview_id)
    asyncio.run(call(mine, "load"))
    assert mine.feedback_status == "failed" and "HTTP 400" in mine.feedback_error
    asyncio.run(call(mine, "try_again"))
    assert get_interview(interview_id).feedback_status == "pending" and mine.feedback_status == "pending"


def downloaded(spec) -> tuple[str, str]:
    """(filename, decoded text) of an ``rx.download`` event."""
    args = {name._js_expr: value._var_value for name, value in spec.args}
    url = args["url"]
    text = base64.b64decode(url.split("base64,", 1)[1]).decode() if "base64," in url else url
    return args.get("filename", ""), text


def test_download_is_the_owners_markdown(fake):
    owner, other = make_user(), make_user("eve@example.com", name="Eve")
    interview_id = make_interview(owner.id)
    asyncio.run(FeedbackWorker().run_once())
    mine = feedback_state(owner.id, interview_id)
    asyncio.run(call(mine, "load"))
    (spec,) = asyncio.run(call(mine, "download_markdown"))
    filename, text = downloaded(spec)
    assert filename.startswith("vocahire-feedback-backend-engineer-") and filename.endswith(".md")
    assert text.startswith("# Interview feedback: Backend Engineer") and "## Strengths" in text

    theirs = feedback_state(other.id, interview_id)
    theirs.interview_id = interview_id
    (spec,) = asyncio.run(call(theirs, "download_markdown"))
    assert "url" not in {name._js_expr for name, _ in spec.args}  # a toast, not a file


def test_history_lists_and_deletes_only_the_callers_interviews(fake):
    owner, other = make_user(), make_user("eve@example.com", name="Eve")
    keep, drop = make_interview(owner.id), make_interview(owner.id)
    theirs = make_interview(other.id)

    state = state_for(HistoryState, owner.id)
    asyncio.run(call(state, "load"))
    assert {r["id"] for r in state.rows} == {keep, drop}
    assert state.rows[0]["status_label"] == "Feedback queued"

    asyncio.run(call(state, "delete_interview", theirs))
    assert get_interview(theirs).deleted_at is None
    asyncio.run(call(state, "delete_interview", drop))
    assert [r["id"] for r in state.rows] == [keep]
    assert get_interview(drop).deleted_at is not None

    asyncio.run(call(state, "choose_metric", "fillers_per_minute"))
    assert state.metric == "fillers_per_minute" and state.metric_label == "Filler words per minute"
    asyncio.run(call(state, "choose_metric", "__class__"))
    assert state.metric == "fillers_per_minute"
