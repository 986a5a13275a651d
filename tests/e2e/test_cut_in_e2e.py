"""The polite cut-in (issue 17) in Chromium, timed by the real server against the local Realtime fake.

A candidate whose browser speaks Spanish sets up a challenging interviewer (cut-in after 90 s) and then
talks on without a pause: the fake keeps reporting speech until the app commits the audio. The
server's sideband must ask exactly once, no earlier than 90 s into the answer, for a short interjection
in Spanish; the transcript keeps what was said up to it and marks the interviewer's line, history counts
the cut-in, and the feedback page labels it and writes the date the Spanish way.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest

from tests.e2e.conftest import LiveApp, shot, signed_in_context, wait_hydrated
from tests.utils.interviews import claim_job_of, get_interview
from tests.utils.live import lines
from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.services.feedback import jobs
from vocahire.services.feedback.locale_format import format_day
from vocahire.services.interviews.voices import STYLE_BY_CODE

pytestmark = pytest.mark.e2e

LONG_ANSWER = (
    "Bueno, en mi último puesto lideré la migración del sistema de facturación, y antes de eso trabajé "
    "tres años en el equipo de datos, donde también coordiné la integración con los proveedores y"
)


def sideband_sent(call: Any) -> list[dict[str, Any]]:
    return [event for source, event in list(call.received) if source == "sideband"]


def test_a_long_spanish_answer_gets_one_polite_cut_in_past_the_styles_limit(
    browser: Any, live_app_db: LiveApp
) -> None:
    app, realtime = live_app_db.app, live_app_db.realtime
    limit = STYLE_BY_CODE["challenging"].cut_in_seconds
    assert limit == 90
    user = make_user("corte@example.com", name="Lucía Pérez")
    context = signed_in_context(browser, app, user.id, locale="es-ES")
    page = context.new_page()
    page.set_default_timeout(30_000)

    page.goto("/interview")
    wait_hydrated(page)
    page.wait_for_selector("#start-interview:not([disabled])")
    assert "Spanish (Español)" in page.locator("#language").inner_text()
    page.click("label[for='style-challenging']")
    assert page.locator("#cut_in-on").get_attribute("data-state") == "checked"
    page.fill("#job_title", "Analista de datos")
    page.click("label[for='duration_minutes-10']")
    page.click("#start-interview")
    page.wait_for_url(re.compile(r"/interview/[0-9a-f]{32}"))
    interview_id = re.search(r"/interview/([0-9a-f]{32})", page.url).group(1)
    assert realtime.wait_for(lambda: get_interview(interview_id).openai_call_id, 30)
    call = realtime.call(get_interview(interview_id).openai_call_id)
    call.scripted_answers = False  # no scripted short answers: this candidate gives one long one
    page.wait_for_selector("#connection-state:has-text('Live')")
    # The greeting is spoken (and nothing else is in progress) before the candidate starts.
    assert realtime.wait_for(lambda: call.turn >= 1 and call.active_response is None, 30)
    time.sleep(1.0)
    assert realtime.wait_for(lambda: call.active_response is None, 30)
    before = len(sideband_sent(call))

    speaking = time.monotonic()
    answer = asyncio.run_coroutine_threadsafe(call.long_answer(LONG_ANSWER), realtime.loop)
    item_id = answer.result(timeout=limit + 60)  # returns once the app commits the audio: the cut-in
    waited = time.monotonic() - speaking
    assert limit <= waited < limit + 10, waited

    # Exactly one cut-in: commit what was said, then one response asking to interject, in Spanish.
    assert realtime.wait_for(lambda: len(sideband_sent(call)) >= before + 2, 10)
    asked = sideband_sent(call)[before:]
    assert [e["type"] for e in asked[:2]] == ["input_audio_buffer.commit", "response.create"]
    instructions = asked[1]["response"]["instructions"]
    assert "Let me stop you there" in instructions and instructions.endswith("Speak Spanish.")

    # The transcript: the candidate's words up to the cut-in, then the interviewer's marked line.
    assert realtime.wait_for(lambda: get_interview(interview_id).cut_ins == 1, 20)
    assert realtime.wait_for(lambda: any(e.cut_in for e in lines(interview_id)), 20)
    saved = lines(interview_id)
    said = next(i for i, e in enumerate(saved) if e.item_id == item_id)
    assert saved[said].role == "candidate" and saved[said].text == LONG_ANSWER
    marked = [e for e in saved if e.cut_in]
    assert len(marked) == 1 and marked[0].role == "interviewer" and saved.index(marked[0]) > said
    page.wait_for_selector(f"#transcript .transcript-line:has-text('{LONG_ANSWER[:40]}')")
    page.wait_for_selector(f"#transcript .transcript-line:has-text('{marked[0].text[:30]}')")
    time.sleep(3.0)  # a tick or three later: still one per answer
    assert sum(e["type"] == "input_audio_buffer.commit" for e in sideband_sent(call)) == 1

    page.click("#end-button")
    page.click("#confirm-end")
    page.wait_for_selector("#ended-panel")

    # History counts it; the feedback page labels the interviewer's line and writes the date in Spanish.
    page.goto("/history")
    wait_hydrated(page)
    row = page.locator(".interviewer").first
    row.wait_for()
    label = row.inner_text()
    assert label.startswith("Spanish (Español)") and label.endswith("Challenging interviewer · 1 cut-in")
    stored = in_session(
        jobs.complete_job,
        job=claim_job_of(interview_id),
        overall_score=64,
        categories=[],
        strengths=["Concrete scope"],
        improvements=["Get to the point sooner"],
        questions=[],
        metrics={},
        model="test-model",
    )
    assert stored
    page.goto(f"/feedback/{interview_id}")
    wait_hydrated(page)
    mark = page.locator(".transcript-line .cut-in-mark")
    mark.first.wait_for()
    assert mark.count() == 1 and mark.first.inner_text() == "Cut in on a long answer"
    cut_line = page.locator(".transcript-line", has=page.locator(".cut-in-mark"))
    assert marked[0].text[:30] in cut_line.inner_text()
    assert "1 cut-in" in page.locator("#interviewer-label").inner_text()
    assert format_day(get_interview(interview_id).created_at, "es") in page.inner_text("main")
    cut_line.scroll_into_view_if_needed()
    shot(page, "feedback-cut-in-spanish")
    context.close()
