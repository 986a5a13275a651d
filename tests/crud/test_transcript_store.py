"""Saving transcript lines: once per item id whoever sends it, in conversation order, revisions applied."""

from datetime import timedelta

from tests.utils.live import connect_without_upstream, lines, start
from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.models import utcnow
from vocahire.services.interviews.transcript import (
    FinalLine,
    LineRevision,
    apply_changes,
    revise_line,
    save_browser_lines,
    save_lines,
)


def _interview():
    user = make_user()
    started = start(user.id)
    connect_without_upstream(started.id)
    return started.id


def test_the_same_item_saved_twice_is_stored_once(db):
    interview_id = _interview()
    line = FinalLine("item_1", "interviewer", "Hello.", None, 1.0)
    assert in_session(save_lines, interview_id=interview_id, lines=[line]) == 1
    assert in_session(save_lines, interview_id=interview_id, lines=[line, line]) == 0
    assert (
        in_session(
            save_browser_lines,
            interview_id=interview_id,
            lines=[FinalLine("item_1", "interviewer", "Hello (browser).", None, 9.0)],
        )
        == 0
    )
    saved = lines(interview_id)
    assert [(e.item_id, e.text, e.source) for e in saved] == [("item_1", "Hello.", "sideband")]


def test_browser_lines_fill_gaps_after_their_predecessor(db):
    interview_id = _interview()
    in_session(
        save_lines,
        interview_id=interview_id,
        lines=[FinalLine("a", "interviewer", "Q1", None, 1.0), FinalLine("c", "interviewer", "Q2", "b", 3.0)],
    )
    # The sideband missed the candidate's answer; the browser had it.
    in_session(
        save_browser_lines,
        interview_id=interview_id,
        lines=[
            FinalLine("b", "candidate", "A1", "a", 2.0),
            FinalLine("d", "candidate", "A2", "c", 4.0),
            FinalLine("z", "candidate", "orphan", "unknown", 1.0),
        ],
    )
    assert [e.text for e in lines(interview_id)] == ["Q1", "A1", "Q2", "A2", "orphan"]
    assert {e.item_id: e.source for e in lines(interview_id)}["b"] == "browser"


def test_browser_lines_alone_keep_their_own_order(db):
    interview_id = _interview()
    in_session(
        save_browser_lines,
        interview_id=interview_id,
        lines=[
            FinalLine("b", "candidate", "second", "a", 2.0),
            FinalLine("a", "interviewer", "first", None, 1.0),
        ],
    )
    assert [e.text for e in lines(interview_id)] == ["second", "first"] or [
        e.text for e in lines(interview_id)
    ] == ["first", "second"]


def test_revisions_shorten_interrupted_lines_and_extend_ends(db):
    interview_id = _interview()
    t0 = utcnow()
    line = FinalLine(
        "a",
        "interviewer",
        "Tell me about the whole architecture in detail.",
        None,
        1.0,
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
    assert not in_session(
        revise_line,
        interview_id=interview_id,
        revision=LineRevision("a", text="Tell me about the whole architecture in detail, and more"),
    )
    assert lines(interview_id)[0].text == "Tell me about…"
    # An end before the start is ignored; unknown items are ignored.
    assert not in_session(
        revise_line, interview_id=interview_id, revision=LineRevision("a", ended_at=t0 - timedelta(seconds=5))
    )
    assert not in_session(revise_line, interview_id=interview_id, revision=LineRevision("nope", text="x"))


def test_lines_of_one_interview_never_collide_with_another(db):
    first, second = _interview(), None
    other = make_user("other@example.com")
    second = start(other.id).id
    same = FinalLine("item_1", "interviewer", "Hello.", None, 1.0)
    assert in_session(save_lines, interview_id=first, lines=[same]) == 1
    assert in_session(save_lines, interview_id=second, lines=[same]) == 1
