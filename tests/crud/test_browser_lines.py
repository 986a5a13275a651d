"""The browser's batches saved together: each tab gets its own answer, none is lost for another's sake."""

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import event

from tests.utils.live import connect_without_upstream, lines, start
from tests.utils.users import make_user
from vocahire.errors import NotAuthenticated, NotFound
from vocahire.infra.database import get_engine, in_session
from vocahire.services.accounts import sessions
from vocahire.services.accounts.session_tokens import verify_session_token
from vocahire.services.interviews import browser_lines
from vocahire.services.interviews.transcript import TAIL_LINES, BrowserBatch, FinalLine, save_lines
from vocahire.settings import get_settings


def _interview(email: str) -> tuple[int, str]:
    user = make_user(email)
    started = start(user.id)
    connect_without_upstream(started.id)
    return user.id, started.id


@pytest.fixture
def commits(db) -> Iterator[list[int]]:
    """How many transactions committed while the test ran."""
    seen: list[int] = []
    engine = get_engine()

    def on_commit(_conn) -> None:
        seen.append(1)

    event.listen(engine, "commit", on_commit)
    yield seen
    event.remove(engine, "commit", on_commit)


async def _all(*batches: BrowserBatch) -> list[int | BaseException]:
    return await asyncio.gather(*(browser_lines.save(b) for b in batches), return_exceptions=True)


def test_batches_arriving_together_go_in_one_transaction_each_with_its_own_answer(commits):
    tabs = [_interview(f"tab{n}@example.com") for n in range(5)]
    batches = [
        BrowserBatch(user_id, interview_id, [FinalLine("q1", "interviewer", f"Question for tab {n}")])
        for n, (user_id, interview_id) in enumerate(tabs)
    ]
    commits.clear()

    answers = asyncio.run(_all(*batches))

    assert answers == [1, 1, 1, 1, 1]
    assert len(commits) == 1
    # Later batches, while nothing is being saved, leave at once: one transaction each.
    more = [BrowserBatch(u, i, [FinalLine("a1", "candidate", "An answer.", "q1")]) for u, i in tabs[:2]]

    async def one_then_another() -> list[int]:
        return [await browser_lines.save(more[0]), await browser_lines.save(more[1])]

    assert asyncio.run(one_then_another()) == [1, 1]
    assert len(commits) == 3
    for n, (_, interview_id) in enumerate(tabs):
        assert [e.text for e in lines(interview_id)] == [f"Question for tab {n}", "An answer."][
            : 2 if n < 2 else 1
        ]


def test_a_refused_batch_is_only_its_own_answer(db):
    ada, adas_interview = _interview("ada@example.com")
    grace, graces_interview = _interview("grace@example.com")
    token = in_session(sessions.open_session, settings=get_settings(), user_id=grace)
    signed_out = verify_session_token(token, get_settings()).session_id
    in_session(sessions.end_session, user_id=grace, session_id=signed_out)

    answers = asyncio.run(
        _all(
            BrowserBatch(ada, adas_interview, [FinalLine("a", "interviewer", "Ada's question")]),
            BrowserBatch(ada, graces_interview, [FinalLine("x", "candidate", "Not Ada's interview")]),
            BrowserBatch(grace, graces_interview, [FinalLine("y", "candidate", "Gone")], (), signed_out),
            BrowserBatch(grace, graces_interview, [FinalLine("g", "interviewer", "Grace's question")]),
        )
    )

    assert answers[0] == 1 and answers[3] == 1
    assert isinstance(answers[1], NotFound)
    assert isinstance(answers[2], NotAuthenticated)
    assert [e.text for e in lines(adas_interview)] == ["Ada's question"]
    assert [e.text for e in lines(graces_interview)] == ["Grace's question"]


def test_a_batch_that_breaks_the_transaction_does_not_lose_the_others(commits):
    tabs = [_interview(f"tab{n}@example.com") for n in range(3)]
    good = [BrowserBatch(u, i, [FinalLine("q1", "interviewer", "Hello.")]) for u, i in tabs]
    broken_user, broken_interview = _interview("broken@example.com")
    # A line the database itself rejects (no role: NOT NULL), so the group's transaction fails as a whole.
    broken = BrowserBatch(broken_user, broken_interview, [FinalLine("b1", None, "No role")])  # type: ignore[arg-type]

    answers = asyncio.run(_all(good[0], broken, good[1], good[2]))

    assert answers[0] == 1 and answers[2] == 1 and answers[3] == 1
    assert isinstance(answers[1], Exception) and not isinstance(answers[1], int)
    for _, interview_id in tabs:
        assert [e.text for e in lines(interview_id)] == ["Hello."]
    assert lines(broken_interview) == []


def test_two_tabs_of_one_interview_in_one_group_keep_the_conversation_order(db):
    user_id, interview_id = _interview("ada@example.com")
    other_user, other_interview = _interview("grace@example.com")

    answers = asyncio.run(
        _all(
            BrowserBatch(other_user, other_interview, [FinalLine("z", "interviewer", "Elsewhere")]),
            BrowserBatch(user_id, interview_id, [FinalLine("a2", "candidate", "Answer", "q1")]),
            BrowserBatch(user_id, interview_id, [FinalLine("q1", "interviewer", "Question")]),
            BrowserBatch(user_id, interview_id, [FinalLine("q1", "interviewer", "Question (again)")]),
        )
    )

    assert answers == [1, 1, 1, 0]  # the same line from the second tab is stored once
    assert [e.text for e in lines(interview_id)] == ["Question", "Answer"]


def test_a_group_of_long_transcripts_places_each_line_after_its_own_predecessor(db):
    """Each interview of a group gets its own neighbourhood, an old predecessor outside the transcript's tail
    included."""
    first_user, first = _interview("long1@example.com")
    second_user, second = _interview("long2@example.com")
    for interview_id, word in ((first, "First"), (second, "Second")):
        long = [FinalLine("l0", "interviewer", f"{word} 0")]
        long += [
            FinalLine(f"l{n}", "candidate", f"{word} {n}", f"l{n - 1}") for n in range(1, TAIL_LINES * 2)
        ]
        in_session(save_lines, interview_id=interview_id, lines=long)
    last = f"l{TAIL_LINES * 2 - 1}"

    answers = asyncio.run(
        _all(
            BrowserBatch(first_user, first, [FinalLine("late", "candidate", "First late", "l3")]),
            BrowserBatch(second_user, second, [FinalLine("new", "candidate", "Second newest", last)]),
            BrowserBatch(second_user, second, [FinalLine("late", "candidate", "Second late", "l5")]),
            BrowserBatch(first_user, first, [FinalLine("new", "candidate", "First newest", last)]),
        )
    )

    assert answers == [1, 1, 1, 1]
    first_texts = [e.text for e in lines(first)]
    second_texts = [e.text for e in lines(second)]
    assert first_texts[3:6] == ["First 3", "First late", "First 4"] and first_texts[-1] == "First newest"
    assert (
        second_texts[5:8] == ["Second 5", "Second late", "Second 6"] and second_texts[-1] == "Second newest"
    )
    assert len(first_texts) == len(second_texts) == TAIL_LINES * 2 + 2
