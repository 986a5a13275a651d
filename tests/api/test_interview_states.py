"""The interview pages' handlers as a browser would call them: owner checks, validated events, acks."""

from decimal import Decimal

import pytest
import reflex as rx

from tests.fakes.realtime_fixtures import fake_realtime  # noqa: F401 - fixture
from tests.utils.documents import make_pdf
from tests.utils.live import connect_without_upstream, get, lines, start
from tests.utils.states import call
from tests.utils.users import balance_of, make_user
from vocahire.services.accounts.session_tokens import SESSION_COOKIE, issue_session_token
from vocahire.services.interviews.sideband import SidebandRegistry
from vocahire.settings import get_settings
from vocahire.state.interview import InterviewSetupState, LiveInterviewState

FORM = {
    "job_title": "QA Engineer",
    "job_description": "",
    "interview_type": "behavioural",
    "difficulty": "easy",
    "duration_minutes": "10",
    "pace": "patient",
}


def state_at(cls, user_id, path="/"):
    import vocahire.vocahire  # noqa: F401 - registers every state

    cookie = f"{SESSION_COOKIE}={issue_session_token(user_id, get_settings())}" if user_id else ""
    root = rx.State(_reflex_internal_init=True)
    root._update_router_vars(
        {"headers": {"cookie": cookie, "origin": "http://localhost:3000"}, "asPath": path, "pathname": path},
        {},
    )
    return root.get_substate(cls.get_full_name().split(".")[1:])


def batch(interview_id, seq, *lines_, revisions=()):
    return {"session_id": interview_id, "seq": seq, "lines": list(lines_), "revisions": list(revisions)}


def line(item_id, role, text, previous=None):
    return {
        "item_id": item_id,
        "previous_item_id": previous,
        "role": role,
        "text": text,
        "started_at": None,
        "ended_at": None,
    }


def sent_to_browser(state) -> dict:
    """What the last handler changed in the live page's state, as it goes over the websocket."""
    return state.get_delta().get(state.get_full_name(), {})


async def test_without_openai_configured_the_form_says_so_and_cannot_start(db):
    user = make_user()
    state = state_at(InterviewSetupState, user.id, "/interview")
    await call(state, "load")
    assert not state.can_start and "isn't configured" in state.cost_label


async def test_setup_shows_balance_and_starts_once(db, env):
    env(OPENAI_API_KEY="sk-test-configured")
    user = make_user()
    state = state_at(InterviewSetupState, user.id, "/interview")
    await call(state, "load")
    assert (state.balance, state.can_start) == ("3.00", True)
    assert "1.00" in state.cost_label
    out = await call(state, "start_interview", FORM)
    redirect = [o for o in out if o is not None]
    assert redirect, "the start redirects to the live page"
    assert balance_of(user.id) == Decimal("2.00")
    # A second press (another tab, a double click) does not start a second one.
    again = state_at(InterviewSetupState, user.id, "/interview")
    await call(again, "start_interview", FORM)
    assert "already have an interview in progress" in again.error and again.live_interview_id
    assert balance_of(user.id) == Decimal("2.00")


async def test_setup_refuses_bad_forms_with_a_message(db):
    user = make_user()
    state = state_at(InterviewSetupState, user.id, "/interview")
    await call(state, "start_interview", {**FORM, "job_title": ""})
    assert "job title" in state.error and not state.starting
    assert balance_of(user.id) == Decimal("3.00")


async def test_resume_upload_is_checked_on_the_server(db):
    user = make_user()
    state = state_at(InterviewSetupState, user.id, "/interview")

    class Upload:
        def __init__(self, name, data):
            self.filename, self._data = name, data

        async def read(self, size=-1):
            return self._data[: size if size >= 0 else None]

    await call(
        state,
        "upload_resume",
        [Upload("cv.pdf", make_pdf(["Grace Hopper", "Compiler engineer at Remington Rand"]))],
    )
    assert "cv.pdf" in state.resume_summary and "Compiler engineer" in state._resume_text
    await call(state, "upload_resume", [Upload("huge.pdf", b"%PDF" + b"0" * (6 * 1024 * 1024))])
    assert "5 MB" in state.resume_error and state._resume_text == "" and state.resume_summary == ""
    await call(
        state, "upload_resume", [Upload("a.txt", b"one two three four five six"), Upload("b.txt", b"x")]
    )
    assert "one file" in state.resume_error


async def test_live_page_is_for_the_owner_only(db):
    owner, other = make_user(), make_user("eve@example.com")
    started = start(owner.id)
    mine = state_at(LiveInterviewState, owner.id, f"/interview/{started.id}")
    await call(mine, "load")
    assert mine.interview_id == started.id and mine.status == "starting" and not mine.not_found
    theirs = state_at(LiveInterviewState, other.id, f"/interview/{started.id}")
    await call(theirs, "load")
    assert theirs.not_found and theirs.job_title == "" and theirs.interview_id == ""
    # Events naming the owner's interview from the other user's connection do nothing.
    await call(theirs, "on_lines", batch(started.id, 1, line("i1", "interviewer", "Injected")))
    await call(theirs, "on_ended", {"session_id": started.id, "reason": "ended_by_candidate"})
    assert lines(started.id) == [] and get(started.id).status == "starting"


async def test_a_batch_is_saved_and_answered_with_its_sequence_number_only(db):
    user = make_user()
    started = start(user.id)
    connect_without_upstream(started.id)
    state = state_at(LiveInterviewState, user.id, f"/interview/{started.id}")
    await call(state, "load")
    state._clean()
    # The candidate's answer completed after the interviewer's next question: the browser shows both
    # already and sends them in the order they became final.
    await call(
        state,
        "on_lines",
        batch(
            started.id,
            2,
            line("i1", "interviewer", "Tell me about yourself."),
            line("i2", "interviewer", "Why APIs?", "c1"),
            line("c1", "candidate", "I build APIs.", "i1"),
        ),
    )
    assert sent_to_browser(state) == {"ack_seq_rx_state_": 2}  # no transcript echoed back
    assert state.lines == []
    assert [e.text for e in lines(started.id)] == ["Tell me about yourself.", "I build APIs.", "Why APIs?"]
    # Replayed after a reload (the browser's buffer, acknowledged lines included): nothing new, acked again.
    state._clean()
    await call(
        state,
        "on_lines",
        batch(
            started.id,
            3,
            line("c1", "candidate", "I build APIs.", "i1"),
            revisions=[{"item_id": "i1", "text": "Tell me…"}],
        ),
    )
    assert sent_to_browser(state) == {"ack_seq_rx_state_": 3}
    assert [(e.item_id, e.text, e.source) for e in lines(started.id)] == [
        ("i1", "Tell me…", "browser"),
        ("c1", "I build APIs.", "browser"),
        ("i2", "Why APIs?", "browser"),
    ]
    # A late copy of an older batch changes nothing the browser sees.
    state._clean()
    await call(state, "on_lines", batch(started.id, 1, line("c1", "candidate", "I build APIs.", "i1")))
    assert sent_to_browser(state) == {}
    # A reload hands the saved lines, in conversation order, to the component for its first render.
    again = state_at(LiveInterviewState, user.id, f"/interview/{started.id}")
    await call(again, "load")
    assert [(saved["item_id"], saved["text"]) for saved in again.lines] == [
        ("i1", "Tell me…"),
        ("c1", "I build APIs."),
        ("i2", "Why APIs?"),
    ]


async def test_the_page_events_never_reach_this_processs_sideband_tasks(db, monkeypatch):
    """Another worker may serve them: the browser's word and the end go through the database."""

    def elsewhere(*args, **kwargs):
        raise AssertionError("a page event used this process's sideband registry")

    for name in ("start", "get", "stop"):
        monkeypatch.setattr(SidebandRegistry, name, elsewhere)
    user = make_user()
    started = start(user.id)
    connect_without_upstream(started.id)
    state = state_at(LiveInterviewState, user.id, f"/interview/{started.id}")
    await call(state, "load")
    await call(state, "on_status", {"session_id": started.id, "state": "live"})
    assert state.connection == "live" and state.error == ""
    assert get(started.id).browser_connected_at is not None  # what the sideband, wherever it runs, reads
    await call(state, "on_lines", batch(started.id, 1, line("i1", "interviewer", "Hello.")))
    await call(state, "end_now")
    assert state.error == "" and state.status == "completed" and get(started.id).status == "completed"
    assert [saved["text"] for saved in state.lines] == ["Hello."]  # the ended page shows the saved transcript


@pytest.mark.parametrize(
    "junk",
    [
        None,
        "x",
        [],
        {"session_id": 5},
        {"seq": -1},
        {"session_id": "s", "seq": 1, "lines": [{"item_id": "../../x", "role": "candidate", "text": "a"}]},
        {"session_id": "s", "seq": 1, "lines": [{"item_id": "a", "role": "admin", "text": "a"}]},
        {"session_id": "s", "seq": 1, "lines": [{"item_id": "a", "role": "candidate", "text": "a" * 9000}]},
        {
            "session_id": "s",
            "seq": 1,
            "lines": [{"item_id": "a", "role": "candidate", "text": "a", "started_at": "yesterday"}],
        },
        {
            "session_id": "s",
            "seq": 1,
            "lines": [{"item_id": f"a{i}", "role": "candidate", "text": "a"} for i in range(51)],
        },
    ],
)
async def test_malformed_batches_change_nothing(db, junk):
    user = make_user()
    started = start(user.id)
    connect_without_upstream(started.id)
    state = state_at(LiveInterviewState, user.id, f"/interview/{started.id}")
    await call(state, "load")
    if isinstance(junk, dict) and junk.get("session_id") == "s":
        junk = {**junk, "session_id": started.id}
    await call(state, "on_lines", junk)
    await call(state, "on_status", junk)
    await call(state, "on_ended", junk)
    assert lines(started.id) == [] and state.ack_seq == 0 and get(started.id).status == "active"


async def test_ending_from_the_page_completes_and_links_to_feedback(fake_realtime):
    user = make_user()
    started = start(user.id)
    connect_without_upstream(started.id, call_id="rtc_gone")
    state = state_at(LiveInterviewState, user.id, f"/interview/{started.id}")
    await call(state, "load")
    await call(state, "on_ended", {"session_id": started.id, "reason": "ended_by_candidate"})
    assert state.status == "completed" and not state.is_live
    assert state.feedback_href == f"/feedback/{started.id}"
    assert get(started.id).feedback_status == "pending"
    assert fake_realtime.hangups == ["rtc_gone"]
