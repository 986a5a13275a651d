"""A candidate's feedback appears by itself after the interview; history charts their progress.

The app runs with its feedback worker on, pointed at the local OpenAI chat fake;
completed interviews are written straight into its database (the live interview
itself is covered by its own tests).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import refresh_settings
from tests.e2e.conftest import OUTPUT, AppServer, shot, sign_up, wait_hydrated
from tests.fakes.openai_api import FakeOpenAI, Reply, sample_feedback
from tests.utils.interviews import T0, get_interview, make_interview
from vocahire.infra.database import in_session
from vocahire.models import User

pytestmark = pytest.mark.e2e

KEY = "sk-test-e2e-feedback-0123456789abcdef"
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def chat_fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY) as fake:
        yield fake


@pytest.fixture(scope="module")
def feedback_app(e2e_app_factory: Any, chat_fake: FakeOpenAI) -> AppServer:
    return e2e_app_factory(
        OPENAI_API_KEY=KEY, OPENAI_BASE_URL=chat_fake.base_url, FEEDBACK_WORKER_ENABLED="true"
    )


@pytest.fixture
def app_data(
    feedback_app: AppServer, chat_fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AppServer]:
    """This process's services read and write the app's database."""
    monkeypatch.setenv("DATABASE_URL", feedback_app.database_url)
    monkeypatch.setenv("SESSION_SECRET", feedback_app.env["SESSION_SECRET"])
    refresh_settings()
    chat_fake.reset()
    yield feedback_app
    monkeypatch.undo()
    refresh_settings()


def new_page(browser: Any, app: AppServer, width: int = 1280) -> Any:
    context = browser.new_context(
        base_url=app.url, viewport={"width": width, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


@pytest.fixture
def page(browser: Any, app_data: AppServer) -> Iterator[Any]:
    pg = new_page(browser, app_data)
    yield pg
    pg.context.close()


def screens(page: Any, name: str, count: int) -> None:
    """Viewport-sized screenshots down the page (a phone-length full-page PNG is too tall to read)."""
    OUTPUT.mkdir(exist_ok=True)
    height = page.viewport_size["height"]
    for i in range(count):
        page.evaluate(f"window.scrollTo(0, {i * (height - 80)})")
        page.wait_for_timeout(150)
        page.screenshot(path=str(OUTPUT / f"{name}-{i + 1}.png"))
    page.evaluate("window.scrollTo(0, 0)")


def user_id(email: str) -> int:
    return in_session(
        lambda *, session: session.execute(select(User.id).where(User.email == email)).scalar_one()
    )


def wait_for_status(interview_id: str, status: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while get_interview(interview_id).feedback_status != status:
        assert time.monotonic() < deadline, f"feedback never reached {status!r}"
        time.sleep(0.3)


def open_tab(page: Any, name: str) -> None:
    """Open one of the details tabs (questions, speech) and wait until it shows."""
    page.click(f"#tab-{name}")
    page.wait_for_selector(f"#tab-{name}[aria-selected=true]")
    page.wait_for_selector(f"[role=tabpanel][data-state=active][id$=content-{name}]", state="visible")


def arc_length(page: Any) -> float:
    """The score ring's coloured arc, as drawn (the first number of its stroke-dasharray)."""
    return float(page.locator("#score-arc").get_attribute("stroke-dasharray").split()[0])


def ring_circumference(page: Any) -> float:
    return page.evaluate("2 * Math.PI * document.querySelector('#score-arc').r.baseVal.value")


def test_the_feedback_page_turns_from_generating_into_full_feedback_by_itself(page, chat_fake):
    sign_up(page, "feedback-e2e@example.com")
    chat_fake.set_default(Reply.valid(sample_feedback(questions=2, overall=76), delay=6))
    interview_id = make_interview(user_id("feedback-e2e@example.com"))

    page.goto(f"/feedback/{interview_id}")
    wait_hydrated(page)
    status = page.locator("#feedback-status")
    status.wait_for()
    assert "Writing your feedback" in status.inner_text()
    # While it is written: the measured figures are open, the transcript beside them.
    assert page.locator("#measured-figures").is_visible()
    assert page.locator("#transcript").get_by_text("sure. At Acme").is_visible()
    shot(page, "feedback-generating")

    page.locator("#overall-score").wait_for(timeout=WAIT_MS)  # no reload: pushed from the server
    assert page.locator("#overall-score").inner_text() == "76"
    assert status.count() == 0
    assert page.locator("#strengths").get_by_text("Clear ownership of the migration.").is_visible()
    assert page.locator("#improvements").get_by_text("Open with the result, then the story.").is_visible()
    # The feedback arrived: its notes per question open by themselves.
    assert page.locator("#tab-questions").get_attribute("aria-selected") == "true"
    assert page.locator(".question-card").count() == 2
    assert page.get_by_text("A stronger answer").first.is_visible()
    assert page.locator("#category-chart svg.recharts-surface[role=application]").count() == 1
    assert page.get_by_text("not a hiring decision").is_visible()
    # The ring is 76% drawn, and says so to a screen reader.
    assert arc_length(page) == pytest.approx(0.76 * ring_circumference(page), abs=0.2)
    assert "Overall score: 76 out of 100" in page.locator("#score-ring").inner_text()
    # One h1; numbers are not headings.
    assert page.locator("h1").count() == 1
    assert not [
        h for h in page.locator("h1, h2, h3, h4").all_inner_texts() if h.strip().replace(".", "").isdigit()
    ]
    # Why each score: folded away, a click opens it.
    assert not page.get_by_text("Reason for communication.").is_visible()
    page.locator("#category-reasons summary").click()
    assert page.get_by_text("Reason for communication.").is_visible()
    page.locator("#category-reasons summary").click()

    open_tab(page, "speech")
    assert page.locator("#measured-figures").get_by_text("Speaking pace").is_visible()
    assert page.locator("#answers-table").is_visible() and not page.locator("#answer-cards").is_visible()
    open_tab(page, "questions")
    page.wait_for_timeout(500)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2600, f"the feedback page is {height} px long at 1280 px"
    shot(page, "feedback-complete")

    (sent,) = chat_fake.completions
    assert sent.model == "gpt-4.1-mini" and sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["response_format"]["json_schema"]["strict"] is True

    with page.expect_download() as info:
        page.click("#download-feedback")
    download = info.value
    assert download.suggested_filename.endswith(".md")
    with open(download.path(), encoding="utf-8") as f:
        assert "# Interview feedback: Backend Engineer" in f.read()

    page.set_viewport_size({"width": 375, "height": 812})
    page.wait_for_timeout(500)
    assert page.evaluate("document.documentElement.scrollWidth") <= 380  # nothing wider than a phone
    shot(page, "feedback-phone")
    screens(page, "feedback-phone", 4)
    # On a phone the answers are cards, one under the other, every figure labelled.
    open_tab(page, "speech")
    cards = page.locator("#answer-cards .answer-card")
    assert cards.count() >= 1 and cards.first.is_visible() and not page.locator("#answers-table").is_visible()
    assert "Pace (wpm)" in cards.first.inner_text() and "Time to start" in cards.first.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 380
    cards.first.scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "feedback-phone-answers.png"))

    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)
    screens(page, "feedback-phone-dark", 2)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(media="print", color_scheme="light")
    pdf = OUTPUT / "feedback-print.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)  # what "Print / PDF" saves
    printed = " ".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    # Every tab and the folded reasons are printed, one after the other.
    assert "Strengths" in printed and "A stronger answer" in printed and "Speaking pace" in printed
    assert "At Acme I led" in printed and "Reason for communication" in printed
    assert "Pricing" not in printed and "Download (.md)" not in printed  # no navigation, no buttons


def test_the_score_ring_is_as_full_as_the_score(page, chat_fake):
    """A 30/100 report draws under half the ring, an 80/100 report most of it."""
    sign_up(page, "feedback-ring@example.com")
    uid = user_id("feedback-ring@example.com")
    arcs = {}
    for score in (30, 80):
        chat_fake.enqueue(Reply.valid(sample_feedback(overall=score)))
        interview_id = make_interview(uid, job_title=f"Ring {score}")
        wait_for_status(interview_id, "completed")
        page.goto(f"/feedback/{interview_id}")
        wait_hydrated(page)
        page.locator("#overall-score").wait_for()
        assert page.locator("#overall-score").inner_text() == str(score)
        arcs[score] = arc_length(page)
        full = ring_circumference(page)
        page.locator("#score-ring").screenshot(path=str(OUTPUT / f"feedback-ring-{score}.png"))
    assert arcs[30] == pytest.approx(0.30 * full, abs=0.2) and arcs[80] == pytest.approx(0.80 * full, abs=0.2)
    assert arcs[80] > 2.5 * arcs[30]


def test_a_failed_job_offers_try_again_and_then_completes(page, chat_fake):
    sign_up(page, "feedback-retry@example.com")
    chat_fake.enqueue(Reply.bad_request("Invalid value for 'model'."))
    interview_id = make_interview(user_id("feedback-retry@example.com"))
    wait_for_status(interview_id, "failed")

    page.goto(f"/feedback/{interview_id}")
    wait_hydrated(page)
    page.locator("#feedback-failed").wait_for()
    assert "HTTP 400" in page.locator("#feedback-failed").inner_text()
    assert page.locator("#measured-figures").is_visible()
    shot(page, "feedback-failed")

    page.click("#try-again")
    page.locator("#overall-score").wait_for(timeout=WAIT_MS)
    assert page.locator("#feedback-failed").count() == 0


def test_someone_elses_interview_is_not_found_and_shows_nothing(browser, app_data):
    owner_page = new_page(browser, app_data)
    sign_up(owner_page, "owner-e2e@example.com")
    interview_id = make_interview(
        user_id("owner-e2e@example.com"), job_title="Secret Role at Initech", queue=False
    )
    owner_page.context.close()

    page = new_page(browser, app_data)
    sign_up(page, "snoop-e2e@example.com")
    page.goto(f"/feedback/{interview_id}")
    wait_hydrated(page)
    page.get_by_text("Interview not found").wait_for()
    assert "Secret Role" not in page.content()
    assert "At Acme I led" not in page.content()
    shot(page, "feedback-not-found")
    page.context.close()


def test_history_lists_interviews_and_charts_progress(page, chat_fake):
    sign_up(page, "history-e2e@example.com")
    page.goto("/history")
    wait_hydrated(page)
    page.get_by_text("No interviews yet").wait_for()
    shot(page, "history-empty")

    uid = user_id("history-e2e@example.com")
    ids = []
    for day, score in enumerate((58, 66, 74, 83)):
        chat_fake.enqueue(Reply.valid(sample_feedback(overall=score)))
        ids.append(
            make_interview(uid, started_at=T0 + timedelta(days=day), job_title=f"Backend Engineer #{day + 1}")
        )
        wait_for_status(ids[-1], "completed")

    page.goto("/history")
    wait_hydrated(page)
    page.locator("#scores-chart svg.recharts-surface[role=application]").wait_for()
    page.locator("#metric-chart svg.recharts-surface[role=application]").wait_for()
    assert page.locator(".history-row").count() == 4
    assert page.locator("#latest-overall").inner_text() == "83"
    assert page.get_by_text("+25 since your first scored interview").is_visible()
    assert page.locator("#scores-chart .recharts-line").count() == 1  # overall (categories: by type)
    # Per interview type: the rubric's five categories and the answers' average, out of 10.
    assert page.locator("#type-chart .recharts-line").count() == 6
    assert page.locator("#progress-by-type").get_by_role("button", name="Mixed").is_visible()
    page.wait_for_timeout(500)
    shot(page, "history-desktop")

    page.get_by_role("button", name="Fillers").click()
    page.get_by_text("Filler words per minute").first.wait_for()
    page.locator("#metric-chart svg.recharts-surface[role=application]").wait_for()

    page.set_viewport_size({"width": 375, "height": 812})
    page.wait_for_timeout(500)
    assert page.evaluate("document.documentElement.scrollWidth") <= 380
    shot(page, "history-phone")
    screens(page, "history-phone", 2)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator(".history-row").first.get_by_role("button", name="Delete interview").click()
    page.locator(".confirm-delete").click()
    page.get_by_text("Interview deleted.").wait_for()
    page.wait_for_function("document.querySelectorAll('.history-row').length === 3")
    assert get_interview(ids[-1]).deleted_at is not None
