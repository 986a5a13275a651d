"""Saving transcript lines: once per item id whoever sends it, in conversation order, revisions applied."""

import threading
from collections.abc import Callable
from datetime import timedelta
from functools import partial

import pytest

from tests.utils.live import connect_without_upstream, end, lines, start
from tests.utils.users import make_user
from vocahire.errors import NotAuthenticated, NotFound
from vocahire.infra.database import in_session
from vocahire.models import utcnow
from vocahire.services.accounts import sessions
from vocahire.services.accounts.session_tokens import verify_session_token
from vocahire.services.interviews.transcript import (
    TAIL_LINES,
    FinalLine,
    LineRevision,
    apply_changes,
    revise_line,
    save_browser_batch,
    save_lines,
)
from vocahire.settings import get_settings


def _interview(email: str = "ada@example.com") -> tuple[int, str]:
    user = make_user(email)
    started = start(user.id)
    connect_without_upstream(started.id)
    return user.id, started.id


def browser(user_id, interview_id, *lines_, revisions=()):
    return in_session(
        save_browser_batch,
        user_id=user_id,
        interview_id=interview_id,
        lines=list(lines_),
        revisions=list(revisions),
    )


def test_the_same_item_saved_twice_is_stored_once(db):
    user_id, interview_id = _interview()
    line = FinalLine("item_1", "interviewer", "Hello.")
    assert in_session(save_lines, interview_id=interview_id, lines=[line]) == 1
    assert in_session(save_lines, interview_id=interview_id, lines=[line, line]) == 0
    assert browser(user_id, interview_id, FinalLine("item_1", "interviewer", "Hello (browser).")) == 0
    saved = lines(interview_id)
    assert [(e.item_id, e.text, e.source) for e in saved] == [("item_1", "Hello.", "sideband")]


def test_a_late_transcription_lands_before_the_reply_that_was_saved_first(db):
    user_id, interview_id = _interview()
    # The sideband saved the question and the interviewer's reply; the candidate's answer (between them)
    # completed its transcription afterwards and reaches the server through the browser's batch.
    in_session(
        save_lines,
        interview_id=interview_id,
        lines=[FinalLine("a", "interviewer", "Q1"), FinalLine("c", "interviewer", "Q2", "b")],
    )
    assert browser(user_id, interview_id, FinalLine("b", "candidate", "A1", "a")) == 1
    in_session(save_lines, interview_id=interview_id, lines=[FinalLine("d", "candidate", "A2", "c")])
    browser(user_id, interview_id, FinalLine("z", "candidate", "orphan", "unknown"))
    assert [e.text for e in lines(interview_id)] == ["Q1", "A1", "Q2", "A2", "orphan"]
    assert {e.item_id: e.source for e in lines(interview_id)}["b"] == "browser"


def test_the_sideband_and_the_browser_place_lines_by_the_same_rule(db):
    _, by_sideband = _interview()
    user_id, by_browser = _interview("grace@example.com")
    arrival = [
        FinalLine("q1", "interviewer", "Tell me about a project."),
        FinalLine("q2", "interviewer", "How did you test it?", "a1"),
        FinalLine("a1", "candidate", "I led the billing migration.", "q1"),
    ]
    in_session(save_lines, interview_id=by_sideband, lines=arrival)
    browser(user_id, by_browser, *arrival)
    expected = ["Tell me about a project.", "I led the billing migration.", "How did you test it?"]
    assert [e.text for e in lines(by_sideband)] == expected == [e.text for e in lines(by_browser)]


def at_the_same_moment(*savers: Callable[[], object]) -> None:
    start_together = threading.Barrier(len(savers))

    def run(save: Callable[[], object]) -> None:
        start_together.wait()
        save()

    threads = [threading.Thread(target=run, args=(save,)) for save in savers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_the_sideband_and_a_browser_batch_saving_at_the_same_moment_still_keep_order(db):
    for attempt in range(5):
        user_id, interview_id = _interview(f"race{attempt}@example.com")
        in_session(save_lines, interview_id=interview_id, lines=[FinalLine("a", "interviewer", "Q1")])
        at_the_same_moment(
            partial(
                in_session,
                save_lines,
                interview_id=interview_id,
                lines=[FinalLine("c", "interviewer", "Q2", "b")],
            ),
            partial(browser, user_id, interview_id, FinalLine("b", "candidate", "A1", "a")),
        )
        assert [e.text for e in lines(interview_id)] == ["Q1", "A1", "Q2"]


def test_a_replayed_browser_buffer_adds_nothing(db):
    user_id, interview_id = _interview()
    batch = [FinalLine("a", "interviewer", "Hello."), FinalLine("b", "candidate", "Hi!", "a")]
    assert browser(user_id, interview_id, *batch) == 2
    assert browser(user_id, interview_id, *reversed(batch)) == 0  # after a reload, in any order
    assert [(e.item_id, e.text) for e in lines(interview_id)] == [("a", "Hello."), ("b", "Hi!")]


def test_browser_batches_are_for_the_owner_and_live_interviews_only(db):
    user_id, interview_id = _interview()
    stranger = make_user("eve@example.com")
    with pytest.raises(NotFound):
        browser(stranger.id, interview_id, FinalLine("x", "candidate", "Injected"))
    end(interview_id, now=utcnow() - timedelta(hours=1))  # ended long ago: a stale buffer is refused
    assert browser(user_id, interview_id, FinalLine("late", "candidate", "Too late")) == 0
    assert lines(interview_id) == []


def test_browser_times_far_from_the_interview_are_dropped(db):
    user_id, interview_id = _interview()
    now = utcnow()
    browser(
        user_id,
        interview_id,
        FinalLine("a", "candidate", "Fine.", None, now - timedelta(seconds=5), now),
        FinalLine("b", "candidate", "Clock off.", "a", now - timedelta(days=3), now + timedelta(days=3)),
    )
    saved = {e.item_id: e for e in lines(interview_id)}
    assert saved["a"].started_at is not None and saved["a"].ended_at is not None
    assert saved["b"].started_at is None and saved["b"].ended_at is None


def test_revisions_shorten_interrupted_lines_and_extend_ends(db):
    user_id, interview_id = _interview()
    t0 = utcnow()
    line = FinalLine(
        "a",
        "interviewer",
        "Tell me about the whole architecture in detail.",
        None,
        t0,
        t0 + timedelta(seconds=1),
    )
    in_session(
        apply_changes,
        interview_id=interview_id,
        changes=[line, LineRevision("a", text="Tell me about…", ended_at=t0 + timedelta(seconds=2))],
    )
    saved = lines(interview_id)[0]
    assert saved.text == "Tell me about…" and saved.ended_at == t0 + timedelta(seconds=2)
    # A browser may only shorten, never lengthen or rewrite history with a longer text.
    browser(
        user_id,
        interview_id,
        revisions=[LineRevision("a", text="Tell me about the whole architecture in detail, and more")],
    )
    assert lines(interview_id)[0].text == "Tell me about…"
    browser(user_id, interview_id, revisions=[LineRevision("a", text="Tell me…")])
    assert lines(interview_id)[0].text == "Tell me…"
    # An end before the start is ignored; unknown items are ignored.
    assert not in_session(
        revise_line, interview_id=interview_id, revision=LineRevision("a", ended_at=t0 - timedelta(seconds=5))
    )
    assert not in_session(revise_line, interview_id=interview_id, revision=LineRevision("nope", text="x"))


def test_lines_of_one_interview_never_collide_with_another(db):
    _, first = _interview()
    other = make_user("other@example.com")
    second = start(other.id).id
    same = FinalLine("item_1", "interviewer", "Hello.")
    assert in_session(save_lines, interview_id=first, lines=[same]) == 1
    assert in_session(save_lines, interview_id=second, lines=[same]) == 1


def test_a_line_goes_right_after_its_predecessor_however_long_the_transcript(db):
    user_id, interview_id = _interview()
    long = [FinalLine("l0", "interviewer", "Line 0")]
    long += [FinalLine(f"l{n}", "candidate", f"Line {n}", f"l{n - 1}") for n in range(1, TAIL_LINES * 2)]
    in_session(save_lines, interview_id=interview_id, lines=long)
    # An answer to a question far back (outside the transcript's tail), and one to the latest line.
    assert browser(user_id, interview_id, FinalLine("late", "candidate", "Late answer", "l3")) == 1
    assert (
        browser(user_id, interview_id, FinalLine("new", "candidate", "Newest", f"l{TAIL_LINES * 2 - 1}")) == 1
    )
    texts = [e.text for e in lines(interview_id)]
    assert texts[:6] == ["Line 0", "Line 1", "Line 2", "Line 3", "Late answer", "Line 4"]
    assert texts[-1] == "Newest" and len(texts) == TAIL_LINES * 2 + 2


def test_a_browser_batch_checks_the_account_and_its_session_in_the_same_transaction(db):
    user_id, interview_id = _interview()
    token = in_session(sessions.open_session, settings=get_settings(), user_id=user_id)
    session_id = verify_session_token(token, get_settings()).session_id
    line = FinalLine("a", "interviewer", "Hello.")

    def save(*lines_: FinalLine) -> int:
        return in_session(
            save_browser_batch,
            user_id=user_id,
            interview_id=interview_id,
            lines=list(lines_),
            revisions=[],
            auth_session_id=session_id,
        )

    assert save(line) == 1
    in_session(sessions.end_session, user_id=user_id, session_id=session_id)  # signed out elsewhere
    with pytest.raises(NotAuthenticated):
        save(FinalLine("b", "candidate", "Hi!", "a"))
    assert [e.item_id for e in lines(interview_id)] == ["a"]
