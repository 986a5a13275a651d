"""The live interview in Chromium: set up, start, hear the AI interviewer, see both sides' lines live, end.

The app is pointed at the local fake OpenAI Realtime (aiortc answers Chromium's
offer, plays speech or a chime, and scripts the conversation); Chromium's fake
microphone provides the candidate's audio. The interviews are short
(``INTERVIEW_LIMIT_SECONDS``) so the server's own hang-up at the limit is seen too.
The whole interview also runs against a build served by two backend workers with
Reflex's state in Redis: the page's events and the call's sideband task may then
live in different processes.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import refresh_settings
from tests.e2e.conftest import PREVIEW_VOICE, AppServer, shot, sign_up, wait_hydrated
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


def interview_settings(realtime_fake: FakeRealtime) -> dict[str, str]:
    return {
        "OPENAI_API_KEY": realtime_fake.api_key,
        "OPENAI_BASE_URL": realtime_fake.base_url,
        "INTERVIEW_LIMIT_SECONDS": str(LIMIT_SECONDS),
        "INTERVIEW_CLOSING_SECONDS": "6",
        "FEEDBACK_WORKER_ENABLED": "false",
    }


@pytest.fixture(scope="module")
def interview_app(e2e_app_factory: Any, realtime_fake: FakeRealtime) -> AppServer:
    return e2e_app_factory(**interview_settings(realtime_fake))


@pytest.fixture(scope="module")
def scaled_interview_app(
    e2e_app_factory: Any, realtime_fake: FakeRealtime, scale_out_env: dict[str, str]
) -> AppServer:
    return e2e_app_factory(**interview_settings(realtime_fake), **scale_out_env)


def use_database_of(app: AppServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppServer]:
    monkeypatch.setenv("DATABASE_URL", app.database_url)
    monkeypatch.setenv("SESSION_SECRET", app.env["SESSION_SECRET"])
    refresh_settings()
    yield app
    monkeypatch.undo()
    refresh_settings()


@pytest.fixture
def app_data(interview_app: AppServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppServer]:
    yield from use_database_of(interview_app, monkeypatch)


@pytest.fixture(params=["1 worker", "2 workers + Redis"])
def any_build(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppServer]:
    """The whole interview runs on both: one process, and two workers sharing state through Redis."""
    app = request.getfixturevalue("interview_app" if request.param == "1 worker" else "scaled_interview_app")
    yield from use_database_of(app, monkeypatch)


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


class EventSocket:
    """The page's Reflex websocket, passed through Playwright: what the server sent, and batches held back."""

    def __init__(self, page: Any) -> None:
        self.from_server: list[str] = []
        self.held: list[str] = []
        self.holding = False
        self._server: Any = None
        page.route_web_socket(re.compile(r"/_event"), self._route)

    def _route(self, ws: Any) -> None:
        server = self._server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if self.holding and isinstance(message, str) and ".on_lines" in message:
                self.held.append(message)  # the app's connection is "slow": the batch hasn't arrived yet
            else:
                server.send(message)

        def to_page(message: str | bytes) -> None:
            if isinstance(message, str):
                self.from_server.append(message)
            ws.send(message)

        ws.on_message(from_page)
        server.on_message(to_page)

    def release(self) -> None:
        self.holding = False
        held, self.held = self.held, []
        for message in held:
            self._server.send(message)

    def echoed(self, text: str) -> bool:
        return any(text in frame for frame in self.from_server)


def backend_workers(app: AppServer) -> int:
    """The app's worker processes (Granian spawns them: ``REFLEX_BACKEND_START_METHOD=spawn``)."""
    group = os.getpgid(app.process.pid)
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.getpgid(int(pid)) == group and b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                count += 1
        except OSError:
            continue
    return count


def pending_in_browser(page: Any, interview_id: str) -> dict[str, Any] | None:
    raw = page.evaluate(f"window.localStorage.getItem('vocahire.pending.{interview_id}')")
    return json.loads(raw) if raw else None


def test_a_whole_interview_in_the_browser(
    browser: Any, any_build: AppServer, realtime_fake: FakeRealtime
) -> None:
    app = any_build
    if "REDIS_URL" in app.env:
        assert backend_workers(app) == 2
    page = new_page(browser, app)
    socket = EventSocket(page)
    email = "live@example.com"
    sign_up(page, email)
    socket.holding = True  # from now on no batch of lines reaches the server until released
    interview_id = start_interview(page)
    page.wait_for_selector("#connection-state:has-text('Live')")
    assert page.locator("#ai-notice").inner_text().startswith("AI interviewer · mock interview")

    # The interviewer speaks first, once the browser's call is up (its word recorded on the interview
    # row by whichever worker served it), and the browser really receives its audio (the meter moves).
    page.wait_for_selector("#transcript .transcript-line[data-role='interviewer']")
    assert wait_for(lambda: f"sideband {interview_id}: the browser's call is up" in app.log_tail(400), 10)
    assert f"sideband {interview_id}: no word from the browser" not in app.log_tail(400)
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

    # The candidate's (fake microphone) answer and the next question appear live, in conversation order
    # (the answer's transcription completes after the next question), shown by the browser itself: no
    # batch of lines has reached the server, and nothing of the transcript came back from it.
    page.wait_for_selector(f"#transcript :text('{CANDIDATE_LINES[0][:30]}')")
    page.wait_for_selector(f"#transcript :text('{INTERVIEWER_LINES[1][:30]}')")
    texts = page.locator("#transcript .transcript-line").all_inner_texts()
    assert (
        texts[0].startswith("Interviewer")
        and CANDIDATE_LINES[0] in texts[1]
        and INTERVIEWER_LINES[1] in texts[2]
    )
    assert socket.held, "the browser sent its batches (held back here)"
    waiting = pending_in_browser(page, interview_id)
    assert waiting and CANDIDATE_LINES[0] in [line["text"] for line in waiting["lines"]]
    assert not any(socket.echoed(text) for text in (INTERVIEWER_LINES[0], CANDIDATE_LINES[0]))
    assert realtime_fake.call().audio_frames_in > 0  # the candidate's microphone reached "OpenAI"

    # The batches arrive: the server answers each with its sequence number; the browser's buffer empties.
    socket.release()
    assert wait_for(lambda: pending_in_browser(page, interview_id) is None, 15)
    assert socket.echoed("ack_seq")
    assert not any(socket.echoed(text) for text in (INTERVIEWER_LINES[0], CANDIDATE_LINES[0]))
    assert page.locator("#transcript .transcript-line").all_inner_texts()[:3] == texts[:3]
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
    ended = page.locator("#transcript .transcript-line").all_inner_texts()
    assert CANDIDATE_LINES[0] in ended[1] and INTERVIEWER_LINES[1] in ended[2]  # the saved transcript
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
    page.context.close()


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
        "navigator.mediaDevices.getUserMedia ="
        " () => Promise.reject(new DOMException('denied', 'NotAllowedError'));"
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
    first_line = page.locator("#transcript .transcript-line").first.get_attribute("data-item")
    offline = {
        "seq": 1000,
        "item_id": "item_said_offline",
        "previous_item_id": first_line,
        "role": "candidate",
        "text": "A line said while the app was offline.",
        "started_at": None,
        "ended_at": None,
    }
    buffer = {"seq": 1000, "lines": [offline], "revisions": []}
    page.evaluate(f"window.localStorage.setItem('{key}', {json.dumps(json.dumps(buffer))})")
    # The saved lines come from the app's owner-only route, not through the page's state.
    with page.expect_response(lambda r: r.url.endswith(f"/api/interviews/{interview_id}/lines")) as read:
        page.reload()
    assert read.value.status == 200 and read.value.json()["lines"][0]["item_id"] == first_line
    wait_hydrated(page)
    page.wait_for_selector(
        "#reconnect-button"
    )  # a reload mid-interview offers to reconnect, never starts twice
    # Shown from the buffer, after the line it follows; saved once; acknowledged, so forgotten.
    page.wait_for_selector(f"#transcript :text('{offline['text']}')")
    page.wait_for_selector(f"#transcript .transcript-line[data-item='{first_line}']")
    assert offline["text"] in page.locator("#transcript .transcript-line").nth(1).inner_text()
    assert wait_for(lambda: ("candidate", offline["text"]) in db_lines(interview_id), 15)
    assert wait_for(lambda: page.evaluate(f"window.localStorage.getItem('{key}')") is None, 10)
    page.reload()
    wait_hydrated(page)
    page.wait_for_selector("#reconnect-button")
    page.wait_for_selector(f"#transcript .transcript-line[data-item='{offline['item_id']}']")
    shot(page, "interview-live-reloaded")  # the saved lines, read from the lines route after a reload
    shown = page.locator("#transcript .transcript-line").all_inner_texts()
    assert sum(offline["text"] in text for text in shown) == 1  # from the saved lines now, not twice
    assert offline["text"] in shown[1]
    assert [t for _, t in db_lines(interview_id)].count(offline["text"]) == 1
    page.click("#end-button")
    page.click("#confirm-end")
    page.wait_for_selector("#ended-panel")
    assert interview_of(interview_id).status == "completed"


def test_a_spanish_challenging_interview_from_the_browsers_language(
    browser: Any, app_data: AppServer, realtime_fake: FakeRealtime
) -> None:
    """Set-up offers the browser's language; the session sent carries it, the voice and the style."""
    context = browser.new_context(
        base_url=app_data.url, viewport={"width": 1280, "height": 900}, locale="es-ES"
    )
    context.grant_permissions(["microphone"], origin=app_data.url)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    sign_up(page, "espanol@example.com")
    page.goto("/interview")
    wait_hydrated(page)
    page.wait_for_selector("#start-interview:not([disabled])")
    assert "Spanish (Español)" in page.locator("#language").inner_text()
    assert page.locator("#play-voice-sample").count() == 0  # this build has no clip of the default voice
    page.click("#voice")
    page.get_by_role("option", name="Coral").click()
    # Coral has a preview clip in this build: it plays from the app's own static files, no upstream call.
    play = page.get_by_role("button", name="Play a sample of the Coral voice")
    with page.expect_response(lambda r: r.url.endswith(f"/voices/{PREVIEW_VOICE}.mp3")) as clip:
        play.click()
    assert clip.value.ok and clip.value.url.startswith(app_data.url)
    page.wait_for_function("document.getElementById('voice-sample').currentTime > 0")
    page.click("label[for='style-challenging']")
    shot(page, "interview-setup-interviewer-choice")
    creates = len(realtime_fake.creates)
    page.fill("#job_title", "Analista de datos")
    page.click("label[for='duration_minutes-10']")
    page.click("#start-interview")
    page.wait_for_url(re.compile(r"/interview/[0-9a-f]{32}"))
    interview_id = re.search(r"/interview/([0-9a-f]{32})", page.url).group(1)
    assert wait_for(lambda: len(realtime_fake.creates) > creates, 20)
    session = realtime_fake.creates[-1].session
    assert session["audio"]["output"]["voice"] == "coral"
    assert session["audio"]["input"]["transcription"]["language"] == "es"
    assert "Conduct the whole interview in Spanish" in session["instructions"]
    assert "push back once per answer" in session["instructions"]
    row = interview_of(interview_id)
    assert (row.language, row.voice, row.style, row.cut_in_enabled) == ("es", "coral", "challenging", True)
    page.wait_for_selector("#connection-state:has-text('Live')")
    page.click("#end-button")
    page.click("#confirm-end")
    page.wait_for_selector("#ended-panel")
    # Next time set-up offers the same interviewer.
    page.goto("/interview")
    wait_hydrated(page)
    page.wait_for_selector("#start-interview:not([disabled])")
    assert "Coral" in page.locator("#voice").inner_text()
    assert page.locator("#style-challenging").get_attribute("data-state") == "checked"
    context.close()
