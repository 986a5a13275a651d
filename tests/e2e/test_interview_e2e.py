"""The live interview in Chromium: set up, start, hear the AI interviewer, see both sides' lines live, end.

The app is pointed at the local fake OpenAI Realtime (aiortc answers Chromium's
offer, plays speech or a chime, and scripts the conversation); Chromium's fake
microphone provides the candidate's audio. The interviews are short
(``INTERVIEW_LIMIT_SECONDS``) so the server's own hang-up at the limit is seen too.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import refresh_settings
from tests.e2e.conftest import AppServer, shot, sign_up, wait_hydrated
from tests.fakes.openai_realtime import CANDIDATE_LINES, CLOSING_LINE, INTERVIEWER_LINES, FakeRealtime
from tests.utils.users import balance_of
from vocahire.infra.database import in_session
from vocahire.models import InterviewSession, User

pytestmark = pytest.mark.e2e

LIMIT_SECONDS = 40
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def realtime_fake() -> Iterator[FakeRealtime]:
    with FakeRealtime(api_key="sk-test-e2e-realtime-0123456789") as fake:
        fake.chars_per_second = 30.0
        fake.candidate_turns = 2
        yield fake


@pytest.fixture(scope="module")
def interview_app(e2e_app_factory: Any, realtime_fake: FakeRealtime) -> AppServer:
    return e2e_app_factory(
        OPENAI_API_KEY=realtime_fake.api_key,
        OPENAI_BASE_URL=realtime_fake.base_url,
        INTERVIEW_LIMIT_SECONDS=str(LIMIT_SECONDS),
        INTERVIEW_CLOSING_SECONDS="6",
        FEEDBACK_WORKER_ENABLED="false",
    )


@pytest.fixture
def app_data(interview_app: AppServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppServer]:
    monkeypatch.setenv("DATABASE_URL", interview_app.database_url)
    monkeypatch.setenv("SESSION_SECRET", interview_app.env["SESSION_SECRET"])
    refresh_settings()
    yield interview_app
    monkeypatch.undo()
    refresh_settings()


def new_page(browser: Any, app: AppServer, width: int = 1280, height: int = 900) -> Any:
    context = browser.new_context(base_url=app.url, viewport={"width": width, "height": height})
    context.grant_permissions(["microphone"], origin=app.url)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    return page


@pytest.fixture
def page(browser: Any, app_data: AppServer) -> Iterator[Any]:
    pg = new_page(browser, app_data)
    yield pg
    pg.context.close()


def user_id_of(email: str) -> int:
    from sqlalchemy import select

    return in_session(
        lambda *, session: session.execute(select(User.id).where(User.email == email)).scalar_one()
    )


def interview_of(interview_id: str) -> InterviewSession:
    return in_session(lambda *, session: session.get(InterviewSession, interview_id))


def db_lines(interview_id: str) -> list[tuple[str, str]]:
    from vocahire.services.interviews.transcript import list_lines

    return [(e.role, e.text) for e in in_session(list_lines, interview_id=interview_id)]


def wait_for(predicate: Any, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return bool(predicate())


def start_interview(page: Any, title: str = "Backend Engineer") -> str:
    page.goto("/interview")
    wait_hydrated(page)
    page.wait_for_selector("#start-interview:not([disabled])")
    page.fill("#job_title", title)
    page.fill("#job_description", "Design REST APIs in Python and scale PostgreSQL.")
    page.click("label[for='duration_minutes-10']")
    page.click("#start-interview")
    page.wait_for_url(re.compile(r"/interview/[0-9a-f]{32}"))
    return re.search(r"/interview/([0-9a-f]{32})", page.url).group(1)


def test_setup_page_explains_cost_and_microphone(page: Any, app_data: AppServer) -> None:
    sign_up(page, "setup@example.com")
    page.goto("/interview")
    wait_hydrated(page)
    page.wait_for_selector("#setup-cost")
    assert page.locator("#setup-balance").inner_text() == "3.00"
    assert "1.00 VocahireCredits" in page.locator("#setup-cost").inner_text()
    assert "microphone" in page.locator("#microphone-note").inner_text()
    shot(page, "interview-setup-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "interview-setup-phone")


def test_a_whole_interview_in_the_browser(
    page: Any, app_data: AppServer, realtime_fake: FakeRealtime
) -> None:
    email = "live@example.com"
    sign_up(page, email)
    interview_id = start_interview(page)
    page.wait_for_selector("#connection-state:has-text('Live')")
    assert page.locator("#ai-notice").inner_text().startswith("AI interviewer · mock interview")

    # The interviewer speaks first, and the browser really receives its audio (the level meter moves).
    page.wait_for_selector("#transcript .transcript-line[data-role='interviewer']")
    assert (
        wait_for(
            lambda: page.evaluate(
                "parseFloat(document.querySelector('#speaker-interviewer div div').style.width || '0') > 0"
            ),
            15,
        )
        or realtime_fake.call().track.speech_frames_sent > 0
    )
    assert (
        page.evaluate("document.getElementById('interviewer-audio').srcObject.getAudioTracks().length") == 1
    )
    assert INTERVIEWER_LINES[0] in page.locator("#transcript").inner_text()
    shot(page, "interview-live-desktop")

    # The candidate's (fake microphone) answer and the next question appear live, in order.
    page.wait_for_selector(f"#transcript :text('{CANDIDATE_LINES[0][:30]}')")
    page.wait_for_selector(f"#transcript :text('{INTERVIEWER_LINES[1][:30]}')")
    texts = page.locator("#transcript .transcript-line").all_inner_texts()
    assert (
        texts[0].startswith("Interviewer")
        and CANDIDATE_LINES[0] in texts[1]
        and INTERVIEWER_LINES[1] in texts[2]
    )
    assert realtime_fake.call().audio_frames_in > 0  # the candidate's microphone reached "OpenAI"
    page.set_viewport_size({"width": 375, "height": 812})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "interview-live-phone")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)
    shot(page, "interview-live-phone-dark")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.click("#end-button")
    page.click("#confirm-end")
    page.wait_for_selector("#ended-panel")
    assert page.locator("#feedback-link").get_attribute("href") == f"/feedback/{interview_id}"
    shot(page, "interview-ended")

    row = interview_of(interview_id)
    assert (
        row.status == "completed"
        and row.end_reason == "ended_by_candidate"
        and row.feedback_status == "pending"
    )
    saved = db_lines(interview_id)
    assert saved[:3] == [
        ("interviewer", INTERVIEWER_LINES[0]),
        ("candidate", CANDIDATE_LINES[0]),
        ("interviewer", INTERVIEWER_LINES[1]),
    ]
    assert balance_of(user_id_of(email)) == Decimal("2.00")
    call = realtime_fake.call(row.openai_call_id)
    assert call.id in realtime_fake.hangups  # the server hung the call up
    session = call.session
    assert "Backend Engineer" in session["instructions"] and session["type"] == "realtime"
    assert realtime_fake.creates[-1].headers["Authorization"] == f"Bearer {realtime_fake.api_key}"
    assert realtime_fake.api_key not in page.content()
    page.goto("/dashboard")
    page.wait_for_selector("#balance-amount")
    page.get_by_text("2.00").first.wait_for()


def test_closing_the_page_keeps_every_line(
    browser: Any, app_data: AppServer, realtime_fake: FakeRealtime
) -> None:
    page = new_page(browser, app_data)
    sign_up(page, "closer@example.com")
    interview_id = start_interview(page, "Product Manager")
    page.wait_for_selector(f"#transcript :text('{CANDIDATE_LINES[0][:30]}')")
    seen = page.locator("#transcript .transcript-line").count()
    page.context.close()  # the tab is gone mid-interview
    assert wait_for(lambda: len(db_lines(interview_id)) >= seen, 10)
    assert db_lines(interview_id)[:2] == [
        ("interviewer", INTERVIEWER_LINES[0]),
        ("candidate", CANDIDATE_LINES[0]),
    ]
    # The call drops; the server ends the interview (after the reconnection grace, or at the limit).
    assert wait_for(lambda: interview_of(interview_id).status == "completed", LIMIT_SECONDS + 40)
    assert interview_of(interview_id).feedback_status == "pending"


def test_the_server_ends_the_call_at_the_time_limit(
    page: Any, app_data: AppServer, realtime_fake: FakeRealtime
) -> None:
    sign_up(page, "limit@example.com")
    interview_id = start_interview(page, "Nurse")
    page.wait_for_selector("#connection-state:has-text('Live')")
    page.wait_for_selector("#ended-panel", timeout=(LIMIT_SECONDS + 30) * 1000)
    row = interview_of(interview_id)
    assert row.end_reason == "time_limit" and row.status == "completed"
    assert (
        LIMIT_SECONDS - 7 <= row.duration_seconds <= LIMIT_SECONDS + 16
    )  # hung up once the goodbye was said, by the limit at the latest
    call = realtime_fake.call(row.openai_call_id)
    assert call.id in realtime_fake.hangups
    assert any(
        "Time is up" in ((e.get("response") or {}).get("instructions") or "") for _, e in call.received
    )
    assert db_lines(interview_id)[-1] == ("interviewer", CLOSING_LINE)
    assert "time was up" in page.locator("#ended-panel").inner_text()
    shot(page, "interview-time-limit")


def test_without_a_microphone_the_candidate_can_type(
    browser: Any, app_data: AppServer, realtime_fake: FakeRealtime
) -> None:
    page = new_page(browser, app_data)
    page.add_init_script(
        "navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));"
    )
    sign_up(page, "typist@example.com")
    interview_id = start_interview(page, "Copywriter")
    page.wait_for_selector("#mic-message")
    assert "Microphone access was blocked" in page.locator("#mic-message").inner_text()
    page.wait_for_selector("#connection-state:has-text('Live')")
    page.wait_for_selector("#transcript .transcript-line[data-role='interviewer']")
    page.fill("#text-answer", "I write clear, persuasive copy for B2B software.")
    page.click("#send-answer")
    page.wait_for_selector("#transcript :text('I write clear, persuasive copy')")
    page.wait_for_selector(f"#transcript :text('{INTERVIEWER_LINES[1][:30]}')")
    shot(page, "interview-text-mode")
    assert ("candidate", "I write clear, persuasive copy for B2B software.") in db_lines(interview_id)
    page.click("#end-button")
    page.click("#confirm-end")
    page.wait_for_selector("#ended-panel")
    page.context.close()


def test_someone_elses_interview_is_not_shown(browser: Any, app_data: AppServer) -> None:
    owner = new_page(browser, app_data)
    sign_up(owner, "owner@example.com")
    interview_id = start_interview(owner, "Secret Agent")
    owner.wait_for_selector("#connection-state:has-text('Live')")
    stranger = new_page(browser, app_data)
    sign_up(stranger, "stranger@example.com")
    stranger.goto(f"/interview/{interview_id}")
    wait_hydrated(stranger)
    stranger.get_by_text("Interview not found").wait_for()
    assert "Secret Agent" not in stranger.content()
    owner.click("#end-button")
    owner.click("#confirm-end")
    owner.wait_for_selector("#ended-panel")
    owner.context.close()
    stranger.context.close()


def test_lines_buffered_in_the_browser_are_replayed_once(page: Any, app_data: AppServer) -> None:
    sign_up(page, "offline@example.com")
    interview_id = start_interview(page, "Data Engineer")
    page.wait_for_selector("#transcript .transcript-line[data-role='interviewer']")
    key = f"vocahire.pending.{interview_id}"
    # Acknowledged lines are not kept in the browser.
    assert wait_for(lambda: page.evaluate(f"window.localStorage.getItem('{key}')") is None, 10)
    # A line the app's connection could not deliver (still in the buffer when the tab went away).
    offline = {
        "seq": 1000,
        "item_id": "item_said_offline",
        "previous_item_id": None,
        "role": "candidate",
        "text": "A line said while the app was offline.",
        "position": 0.5,
        "started_at": None,
        "ended_at": None,
    }
    page.evaluate(
        f"window.localStorage.setItem('{key}', JSON.stringify({{seq: 1000, lines: [{json.dumps(offline)}], revisions: []}}))"
    )
    page.reload()
    wait_hydrated(page)
    page.wait_for_selector(
        "#reconnect-button"
    )  # a reload mid-interview offers to reconnect, never starts twice
    assert wait_for(lambda: ("candidate", offline["text"]) in db_lines(interview_id), 15)
    assert wait_for(lambda: page.evaluate(f"window.localStorage.getItem('{key}')") is None, 10)
    page.reload()
    wait_hydrated(page)
    page.wait_for_selector("#reconnect-button")
    assert [t for _, t in db_lines(interview_id)].count(offline["text"]) == 1
    page.click("#end-button")
    page.click("#confirm-end")
    page.wait_for_selector("#ended-panel")
    assert interview_of(interview_id).status == "completed"
