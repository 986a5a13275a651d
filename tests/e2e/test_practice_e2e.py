"""The practice loop (issue 16) in Chromium, against the local Realtime fake: an interview, its feedback,
"Practise this answer again" on an answer card, the redo's live call (typed answer), its grading, the
comparison page with both tries and the score change, and the dashboard's queue moving on.

The build's feedback worker is off (``live_app``): the test runs the app's own worker code
(``FeedbackWorker.process``) on each job it claims, against the local OpenAI fake.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.conftest import LiveApp, shot, signed_in_context, wait_hydrated
from tests.fakes.openai_api import FakeOpenAI, Reply
from tests.fakes.openai_realtime import INTERVIEWER_LINES
from tests.utils import axe
from tests.utils.interviews import claim_job_of, get_interview
from tests.utils.users import make_user
from vocahire.settings import get_settings
from vocahire.workers.feedback_worker import FeedbackWorker

pytestmark = pytest.mark.e2e

KEY = "sk-test-e2e-practice-0123456789abcdef"
NO_MICROPHONE = (
    "navigator.mediaDevices.getUserMedia ="
    " () => Promise.reject(new DOMException('denied', 'NotAllowedError'));"
)
ANSWERS = (
    "I led the move of our billing service to PostgreSQL and, um, we basically shipped it on time.",
    "I tested the migration by, like, replaying some traffic before the cut-over.",
)
REDO_ANSWER = (
    "We finished the billing migration two weeks early with zero downtime: I planned the cut-over, "
    "wrote the dual-write layer and rehearsed the rollback twice."
)


@pytest.fixture(scope="module")
def chat_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as fake:
        # Answers score 6 and 5 (both join the queue); a redo's grading scores 7.
        fake.set_default(Reply.fitted(overall=62))
        yield fake


def grade(interview_id: str, chat_fake: FakeOpenAI) -> None:
    """What the feedback worker does with this interview's job, done here (the build's worker is off)."""
    settings = get_settings().model_copy(
        update={"openai_api_key": KEY, "openai_base_url": chat_fake.base_url}
    )
    job = claim_job_of(interview_id)

    async def run() -> str:
        worker = FeedbackWorker(settings=settings)
        async with worker._http():
            return (await worker.process(job)).outcome

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API keeps an event loop in this thread
        outcome = pool.submit(asyncio.run, run()).result()
    assert outcome == "completed", get_interview(interview_id).feedback_error


def answer_live(page: Any, answers: tuple[str, ...]) -> None:
    """Type each answer once the interviewer has spoken, then end the call."""
    page.wait_for_selector("#connection-state:has-text('Live')")
    for k, text in enumerate(answers):
        page.wait_for_selector(f'#transcript :text("{INTERVIEWER_LINES[k][:30]}")')
        page.fill("#text-answer", text)
        page.click("#send-answer")
        page.wait_for_selector(f'#transcript :text("{text[:30]}")')
    page.wait_for_selector(f'#transcript :text("{INTERVIEWER_LINES[len(answers)][:30]}")')
    page.click("#end-button")
    page.click("#confirm-end")
    page.wait_for_selector("#ended-panel")


def scan_both_themes(page: Any, name: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900 if width > 400 else 812})
    page.emulate_media(color_scheme="light")
    page.wait_for_timeout(400)
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 5
    shot(page, f"practice-{name}-{width}")
    axe.assert_no_serious(page, f"practice {name} ({width}, light)")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)
    shot(page, f"practice-{name}-{width}-dark")
    axe.assert_no_serious(page, f"practice {name} ({width}, dark)")
    page.emulate_media(color_scheme="light")


def test_redo_an_answer_then_compare_and_the_queue_moves_on(
    browser: Any, live_app_db: LiveApp, chat_fake: FakeOpenAI
) -> None:
    app, realtime = live_app_db.app, live_app_db.realtime
    user = make_user("practice-e2e@example.com", name="Ada Lovelace")
    context = signed_in_context(browser, app, user.id)
    context.add_init_script(NO_MICROPHONE)  # text mode: the candidate types
    page = context.new_page()
    page.set_default_timeout(30_000)

    # An interview with two answers, then its feedback: both answers score below 7.
    page.goto("/interview")
    wait_hydrated(page)
    page.wait_for_selector("#start-interview:not([disabled])")
    page.fill("#job_title", "Backend Engineer")
    page.fill("#job_description", "Design REST APIs in Python and scale PostgreSQL.")
    page.click("#start-interview")
    page.wait_for_url(re.compile(r"/interview/[0-9a-f]{32}"))
    interview_id = re.search(r"/interview/([0-9a-f]{32})", page.url).group(1)
    answer_live(page, ANSWERS)
    grade(interview_id, chat_fake)

    page.goto("/dashboard")
    wait_hydrated(page)
    assert page.locator("#practice-due").inner_text() == "2 answers due for practice"

    # "Practise this answer again" on the first answer card opens the redo's live page.
    page.goto(f"/feedback/{interview_id}")
    wait_hydrated(page)
    page.locator(".practise-answer").first.click()
    page.wait_for_url(re.compile(r"/interview/[0-9a-f]{32}"))
    redo_id = re.search(r"/interview/([0-9a-f]{32})", page.url).group(1)
    assert redo_id != interview_id
    row = get_interview(redo_id)
    assert (row.kind, row.redo_of, row.redo_answer) == ("redo", interview_id, 1)
    answer_live(page, (REDO_ANSWER,))
    # The call the app opened was the redo's: the question and the conversation before it.
    call = realtime.call(get_interview(redo_id).openai_call_id)
    assert row.redo_question and row.redo_question[:40] in call.instructions
    assert "practice redo of ONE question" in call.instructions
    grade(redo_id, chat_fake)
    assert chat_fake.completions[-1].body["response_format"]["json_schema"]["name"] == "answer_regrade"

    # The comparison page: the first try and the redo, with the score change.
    page.goto(f"/practice/{interview_id}/1")
    wait_hydrated(page)
    page.locator("#attempts").wait_for()
    original = page.locator("#attempt-original").inner_text()
    assert "6/10" in original and ANSWERS[0][:30] in original
    attempt = page.locator(f"#attempt-{redo_id}").inner_text()
    assert "7/10" in attempt and "1 point up" in attempt
    assert "due again in 1 day" in page.locator("#queue-text").inner_text()
    assert page.locator("#practise-again").is_visible()
    for width in (1280, 375):
        scan_both_themes(page, "compare", width)

    # The dashboard's queue moved on: the redone answer is due in a day, the other is due now.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/dashboard")
    wait_hydrated(page)
    assert page.locator("#practice-due").inner_text() == "1 answer due for practice"
    assert page.locator("#practice-top-question").inner_text()
    for width in (1280, 375):
        scan_both_themes(page, "dashboard", width)
    context.close()
