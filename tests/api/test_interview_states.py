"""The interview pages' handlers as a browser would call them: owner checks, validated events, acks."""

import asyncio
import contextlib
from decimal import Decimal

import pytest
import reflex as rx

from tests.fakes.realtime_fixtures import fake_realtime  # noqa: F401 - fixture
from tests.utils.documents import make_docx_of_tiny_paragraphs, make_pdf, make_pdf_with_inflating_stream
from tests.utils.live import connect_without_upstream, get, lines, start
from tests.utils.states import call
from tests.utils.uploads import running_app, upload_of
from tests.utils.users import balance_of, make_user, session_cookie_header
from vocahire.infra.database import in_session
from vocahire.services.accounts import sessions
from vocahire.services.interviews.resume_text import ResumeText, ResumeTooComplex
from vocahire.services.interviews.sideband import SidebandRegistry
from vocahire.services.interviews.transcript import FinalLine, owned_line_views, save_lines
from vocahire.state import interview as interview_state
from vocahire.state.interview import InterviewSetupState, LiveInterviewState
from vocahire.wording import (
    RESUME_ONE_FILE,
    RESUME_TOO_BIG,
    RESUME_TOO_COMPLEX,
    RESUME_UPLOAD_STOPPED,
    RESUME_WRONG_TYPE,
)

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

    cookie = session_cookie_header(user_id)
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


async def upload(app, token, user_id, *files):
    """One upload from the set-up page, run to its end as the app runs it (a background task)."""
    future = await app.send(
        token,
        InterviewSetupState,
        "upload_resume",
        user_id=user_id,
        path="/interview",
        chunks=upload_of(*files),
    )
    await asyncio.wait_for(future, timeout=30)
    async with app.state(token, InterviewSetupState) as state:
        return state


async def test_resume_upload_is_checked_on_the_server(db):
    user = make_user()
    async with running_app() as app:
        pdf = make_pdf(["Grace Hopper", "Compiler engineer at Remington Rand"])
        state = await upload(app, "tab-1", user.id, ("cv.pdf", pdf))
        assert "cv.pdf" in state.resume_summary and "Compiler engineer" in state._resume_text
        assert not state.resume_busy and state.resume_error == ""
        state = await upload(app, "tab-1", user.id, ("huge.pdf", b"%PDF" + b"0" * (6 * 1024 * 1024)))
        assert "5 MB" in state.resume_error and state._resume_text == "" and state.resume_summary == ""
        state = await upload(
            app, "tab-1", user.id, ("a.txt", b"one two three four five six"), ("b.txt", b"x")
        )
        assert "one file" in state.resume_error and not state.resume_busy
        anonymous = await upload(app, "tab-2", None, ("cv.pdf", pdf))
        assert "sign in" in anonymous.resume_error and anonymous.resume_summary == ""


async def test_reading_a_resume_leaves_the_state_free_and_always_ends(db, monkeypatch):
    """While the résumé is read, other events of the same page run (the lock isn't held) and the page
    shows "Reading your résumé…"; when the reading ends, so does that line."""
    user = make_user()
    reading, release = asyncio.Event(), asyncio.Event()

    async def slow_reader(filename, data):
        reading.set()
        await release.wait()
        return ResumeText(filename, "Grace Hopper, compiler engineer at Remington Rand", "text")

    monkeypatch.setattr(interview_state, "read_resume", slow_reader)
    async with running_app() as app:
        opened = await app.send("tab-1", InterviewSetupState, "load", user_id=user.id, path="/interview")
        await asyncio.wait_for(opened, timeout=10)
        app.namespace.updates.clear()
        pending = await app.send(
            "tab-1",
            InterviewSetupState,
            "upload_resume",
            user_id=user.id,
            path="/interview",
            chunks=upload_of(("cv.txt", b"Grace Hopper, compiler engineer at Remington Rand")),
        )
        await asyncio.wait_for(reading.wait(), timeout=10)
        # Another event of the same state completes while the reading is under way.
        other = await app.send("tab-1", InterviewSetupState, "load", user_id=user.id, path="/interview")
        await asyncio.wait_for(other, timeout=10)
        async with app.state("tab-1", InterviewSetupState) as state:
            assert state.resume_busy and not state.loading and state.balance == "3.00"
        assert not pending.done()
        release.set()
        await asyncio.wait_for(pending, timeout=10)
        async with app.state("tab-1", InterviewSetupState) as state:
            assert not state.resume_busy and "cv.txt" in state.resume_summary
        busy_flags = [d["resume_busy"] for d in app.sent("tab-1", InterviewSetupState) if "resume_busy" in d]
        assert busy_flags == [True, False], "the page saw 'Reading…' start and end"


@pytest.mark.parametrize(
    "failure,message",
    [
        (RuntimeError("a bug in a parser"), "Something went wrong on our side"),
        (ResumeTooComplex(), RESUME_TOO_COMPLEX),
        (asyncio.CancelledError(), RESUME_UPLOAD_STOPPED),
    ],
)
async def test_a_failed_reading_ends_with_a_message(db, monkeypatch, failure, message):
    user = make_user()

    async def failing_reader(filename, data):
        raise failure

    monkeypatch.setattr(interview_state, "read_resume", failing_reader)
    async with running_app() as app:
        with contextlib.suppress(asyncio.CancelledError):
            await upload(app, "tab-1", user.id, ("cv.txt", b"Grace Hopper, compiler engineer"))
        async with app.state("tab-1", InterviewSetupState) as state:
            assert not state.resume_busy and message in state.resume_error and state._resume_text == ""


@pytest.mark.parametrize(
    "name,make", [("cv.docx", make_docx_of_tiny_paragraphs), ("cv.pdf", make_pdf_with_inflating_stream)]
)
async def test_hostile_resumes_get_a_clear_message_and_start_stays_usable(db, name, make):
    user = make_user()
    async with running_app() as app:
        state = await upload(app, "tab-1", user.id, (name, make()))
        assert state.resume_error == RESUME_TOO_COMPLEX
        assert not state.resume_busy and state._resume_text == "" and state.resume_summary == ""


async def test_a_newer_upload_or_a_remove_replaces_a_reading_under_way(db, monkeypatch):
    user = make_user()
    gates: dict[str, asyncio.Event] = {}

    async def gated_reader(filename, data):
        gates[filename] = asyncio.Event()
        await gates[filename].wait()
        return ResumeText(filename, f"words words words words words from {filename}", "text")

    monkeypatch.setattr(interview_state, "read_resume", gated_reader)
    async with running_app() as app:

        async def start(name):
            return await app.send(
                "tab-1",
                InterviewSetupState,
                "upload_resume",
                user_id=user.id,
                path="/interview",
                chunks=upload_of((name, b"some words")),
            )

        old = await start("old.txt")
        while "old.txt" not in gates:
            await asyncio.sleep(0.01)
        new = await start("new.txt")
        while "new.txt" not in gates:
            await asyncio.sleep(0.01)
        gates["new.txt"].set()
        await asyncio.wait_for(new, timeout=10)
        gates["old.txt"].set()  # finishes last: changes nothing
        await asyncio.wait_for(old, timeout=10)
        async with app.state("tab-1", InterviewSetupState) as state:
            assert "new.txt" in state.resume_summary and "new.txt" in state._resume_text
        third = await start("third.txt")
        while "third.txt" not in gates:
            await asyncio.sleep(0.01)
        removed = await app.send(
            "tab-1", InterviewSetupState, "clear_resume", user_id=user.id, path="/interview"
        )
        await asyncio.wait_for(removed, timeout=10)
        gates["third.txt"].set()
        await asyncio.wait_for(third, timeout=10)
        async with app.state("tab-1", InterviewSetupState) as state:
            assert state.resume_summary == "" and state._resume_text == "" and not state.resume_busy


REJECTED_50_MB = [
    {
        "file": {"path": "./portfolio.pdf", "relativePath": "./portfolio.pdf"},
        "errors": [{"code": "file-too-large", "message": "File is larger than 5242880 bytes"}],
    }
]


async def test_a_file_too_big_for_the_browser_gets_the_size_message(db):
    """The dropzone refuses it, then sends an upload without a file: the size message stays."""
    user = make_user()
    async with running_app() as app:
        rejected = await app.send(
            "tab-1",
            InterviewSetupState,
            "resume_rejected",
            user_id=user.id,
            path="/interview",
            rejections=REJECTED_50_MB,
        )
        await asyncio.wait_for(rejected, timeout=10)
        state = await upload(app, "tab-1", user.id)  # the dropzone's on_drop, with no accepted file
        assert state.resume_error == RESUME_TOO_BIG and "5 MB" in state.resume_error
        assert not state.resume_busy


@pytest.mark.parametrize(
    "rejections,message",
    [
        (REJECTED_50_MB, RESUME_TOO_BIG),
        ([{"file": {"path": "cv.png"}, "errors": [{"code": "file-invalid-type"}]}], RESUME_WRONG_TYPE),
        (
            [{"errors": [{"code": "too-many-files"}]}, {"errors": [{"code": "too-many-files"}]}],
            RESUME_ONE_FILE,
        ),
        ("junk", RESUME_ONE_FILE),
        ([{"errors": [{"code": "x" * 10_000}]}], RESUME_ONE_FILE),
    ],
)
async def test_every_refusal_in_the_browser_says_why(rejections, message):
    state = state_at(InterviewSetupState, None, "/interview")
    await call(state, "resume_rejected", rejections)
    assert state.resume_error == message


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
    # Every line of it was saved already: the server says it records the call, so batches can wait.
    assert sent_to_browser(state) == {"ack_seq_rx_state_": 3, "server_records_rx_state_": True}
    assert [(e.item_id, e.text, e.source) for e in lines(started.id)] == [
        ("i1", "Tell me…", "browser"),
        ("c1", "I build APIs.", "browser"),
        ("i2", "Why APIs?", "browser"),
    ]
    # A late copy of an older batch changes nothing the browser sees.
    state._clean()
    await call(state, "on_lines", batch(started.id, 1, line("c1", "candidate", "I build APIs.", "i1")))
    assert sent_to_browser(state) == {}
    # A reload points the component at the saved lines' route; the tab's state never holds them.
    again = state_at(LiveInterviewState, user.id, f"/interview/{started.id}")
    await call(again, "load")
    assert again.lines == [] and again.lines_url == f"/api/interviews/{started.id}/lines"
    assert [
        (saved["item_id"], saved["text"])
        for saved in in_session(owned_line_views, user_id=user.id, interview_id=started.id)
    ] == [("i1", "Tell me…"), ("c1", "I build APIs."), ("i2", "Why APIs?")]


async def test_the_tab_holds_the_transcript_only_once_the_interview_is_over(db):
    user = make_user()
    started = start(user.id)
    connect_without_upstream(started.id)
    in_session(
        save_lines, interview_id=started.id, lines=[FinalLine("i1", "interviewer", "Tell me about yourself.")]
    )
    state = state_at(LiveInterviewState, user.id, f"/interview/{started.id}")
    await call(state, "load")
    assert state.lines == []  # live: the component reads them from lines_url
    await call(state, "on_status", {"session_id": started.id, "state": "live"})
    assert state.lines == []
    await call(state, "on_ended", {"session_id": started.id, "reason": "ended_by_candidate"})
    assert [line["text"] for line in state.lines] == [
        "Tell me about yourself."
    ]  # the ended page's transcript
    ended = state_at(LiveInterviewState, user.id, f"/interview/{started.id}")
    await call(ended, "load")
    assert [line["text"] for line in ended.lines] == ["Tell me about yourself."]


async def test_a_batch_from_a_tab_signed_out_elsewhere_saves_nothing(db):
    user = make_user()
    started = start(user.id)
    connect_without_upstream(started.id)
    state = state_at(LiveInterviewState, user.id, f"/interview/{started.id}")
    await call(state, "load")
    in_session(sessions.end_other_sessions, user_id=user.id)  # "Sign out everywhere"
    await call(state, "on_lines", batch(started.id, 1, line("i1", "interviewer", "Hello.")))
    assert lines(started.id) == [] and state.ack_seq == 0
    assert "signed out" in state.error


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
