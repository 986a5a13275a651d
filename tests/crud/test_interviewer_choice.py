"""The interviewer chosen at set-up, end to end through the services: stored, sent to the (fake) OpenAI,
remembered for next time; the sideband's polite cut-in asked for and recorded."""

import asyncio
import json
from datetime import timedelta

from openai.types.realtime import (
    RealtimeSessionCreateRequest,
)  # imported here: the fake's first check is quick
from sqlmodel import select

from tests.fakes.realtime_fixtures import fake_realtime  # noqa: F401 - fixture
from tests.utils.live import OFFER_SDP, end, get, lines, start
from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.models import TranscriptEntry, utcnow
from vocahire.services.feedback.speech_metrics import compute_speech_metrics, lines_from_entries
from vocahire.services.interviews import calls as interview_calls
from vocahire.services.interviews import lifecycle as interviews
from vocahire.services.interviews import sideband as realtime_sideband
from vocahire.services.interviews.cut_in import record_cut_in
from vocahire.services.interviews.sideband import SidebandCall, registry
from vocahire.settings import get_settings


async def test_a_spanish_challenging_interview_sends_its_voice_language_and_style(fake_realtime):
    user = make_user()
    started = start(user.id, language="es", voice="coral", style="challenging", cut_in="on")
    await interview_calls.connect_call(user_id=user.id, interview_id=started.id, offer_sdp=OFFER_SDP)
    create = fake_realtime.creates[-1]
    assert create.status == 201 and fake_realtime.problems == []
    session = create.session
    typed = RealtimeSessionCreateRequest.model_validate(session)
    assert typed.audio.output.voice == "coral" and typed.audio.input.transcription.language == "es"
    assert session["audio"]["output"]["voice"] == "coral"
    assert session["audio"]["input"]["transcription"]["language"] == "es"
    assert "Conduct the whole interview in Spanish (Español)" in session["instructions"]
    assert "push back once per answer" in session["instructions"]
    row = get(started.id)
    assert (row.language, row.voice, row.style, row.cut_in_enabled) == ("es", "coral", "challenging", True)


async def test_without_a_choice_the_servers_voice_and_english_are_sent(fake_realtime):
    user = make_user()
    started = start(user.id)
    await interview_calls.connect_call(user_id=user.id, interview_id=started.id, offer_sdp=OFFER_SDP)
    session = fake_realtime.creates[-1].session
    assert session["audio"]["output"]["voice"] == "alloy"
    assert session["audio"]["input"]["transcription"]["language"] == "en"
    assert fake_realtime.problems == []


def test_the_last_choice_is_remembered_per_candidate(db):
    user, other = make_user(), make_user(email="grace@example.com")
    assert in_session(interviews.last_interviewer_choice, user_id=user.id) is None
    first = start(user.id, language="ja", voice="marin", style="friendly")
    end(first.id)
    second = start(user.id, language="de", voice="cedar", style="challenging", cut_in="off")
    end(second.id)
    start(other.id, language="fr")
    choice = in_session(interviews.last_interviewer_choice, user_id=user.id)
    assert (choice.language, choice.voice, choice.style, choice.cut_in) == (
        "de",
        "cedar",
        "challenging",
        False,
    )


def test_a_cut_in_is_counted_and_marks_the_interviewers_line(db):
    user = make_user()
    started = start(user.id)
    in_session(
        lambda *, session: session.add(
            TranscriptEntry(
                session_id=started.id, role="interviewer", text="Let me stop you there.", item_id="i1"
            )
        )
    )
    in_session(record_cut_in, interview_id=started.id, item_ids=["i1"])
    assert get(started.id).cut_ins == 1
    marked = in_session(
        lambda *, session: (
            session.exec(select(TranscriptEntry).where(TranscriptEntry.session_id == started.id)).one().cut_in
        )
    )
    assert marked is True


class RecordingSocket:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send(self, text: str) -> None:
        self.sent.append(json.loads(text))


async def test_the_sideband_asks_for_one_cut_in_in_the_interviews_language_and_records_it(db, monkeypatch):
    monkeypatch.setattr(realtime_sideband, "CUT_IN_TICK_SECONDS", 0.02)
    user = make_user()
    started = start(user.id, language="es", style="challenging")
    call = SidebandCall(
        registry,
        started.id,
        "rtc_x",
        utcnow() + timedelta(minutes=5),
        get_settings(),
        language="es",
        cut_in_seconds=0.2,
    )
    call.cut_in.grace_seconds = 0.1  # the real 30 s grace is covered by tests/unit/test_cut_in_timing.py
    socket = RecordingSocket()
    call.ws = socket  # type: ignore[assignment]
    watch = asyncio.create_task(call._cut_in_watch())
    try:
        await call._on_message(json.dumps({"type": "input_audio_buffer.speech_started", "item_id": "u1"}))
        await asyncio.sleep(0.6)
        assert [e["type"] for e in socket.sent] == ["input_audio_buffer.commit", "response.create"]
        assert "Let me stop you there" in socket.sent[1]["response"]["instructions"]
        assert socket.sent[1]["response"]["instructions"].endswith("Speak Spanish.")
        await call._on_message(json.dumps({"type": "response.created", "response": {"id": "resp_cut"}}))
        done = {"type": "response.done", "response": {"id": "resp_cut", "output": [{"id": "item_cut"}]}}
        await call._on_message(json.dumps(done))
        await asyncio.sleep(0.2)
        assert len(socket.sent) == 2  # one per answer
    finally:
        watch.cancel()
    assert get(started.id).cut_ins == 1


def test_history_and_feedback_show_the_interviewer_and_its_cut_ins(db):
    from vocahire.services.feedback.report import load_feedback_report
    from vocahire.state.history_views import history_rows

    user = make_user()
    started = start(user.id, language="es", voice="coral", style="challenging")
    in_session(record_cut_in, interview_id=started.id, item_ids=[])
    end(started.id)
    rows = in_session(history_rows, user_id=user.id)
    label = "Spanish (Español) · Coral voice · Challenging interviewer · 1 cut-in"
    assert rows[0]["interviewer_label"] == label
    report = in_session(load_feedback_report, user_id=user.id, interview_id=started.id)
    assert (report.language, report.voice, report.style, report.cut_ins) == ("es", "coral", "challenging", 1)


async def test_over_the_real_sideband_a_long_answer_gets_one_cut_in_which_the_transcript_marks(
    fake_realtime, monkeypatch
):
    """Against the local Realtime fake: the candidate keeps talking; the server commits what was said and
    asks once for the interjection, in Spanish; the interviewer's line is marked and counted."""
    import functools

    from vocahire.services.interviews import voices
    from vocahire.services.interviews.cut_in import CutInClock

    monkeypatch.setattr(realtime_sideband, "CUT_IN_TICK_SECONDS", 0.05)
    monkeypatch.setattr(realtime_sideband, "GREETING_FALLBACK_SECONDS", 0.1)
    monkeypatch.setattr(realtime_sideband, "CutInClock", functools.partial(CutInClock, grace_seconds=0.5))
    quick = voices.Style("challenging", "Challenging", voices.STYLE_BY_CODE["challenging"].instructions, 1)
    monkeypatch.setitem(voices.STYLE_BY_CODE, "challenging", quick)
    registry.enabled = True
    try:
        user = make_user()
        started = start(user.id, language="es", style="challenging")
        await interview_calls.connect_call(user_id=user.id, interview_id=started.id, offer_sdp=OFFER_SDP)
        call = fake_realtime.call()

        def sent() -> list[dict]:
            return [e for source, e in call.received if source == "sideband"]

        # The greeting is asked for and spoken; then the candidate starts a long answer.
        assert await wait_for(lambda: sent() and call.active_response is None and len(lines(started.id)) >= 1)
        await call.emit(
            {"type": "input_audio_buffer.speech_started", "item_id": "item_long", "audio_start_ms": 0}
        )
        assert await wait_for(lambda: get(started.id).cut_ins == 1)
        kinds = [e["type"] for e in sent()]
        assert kinds == ["response.create", "input_audio_buffer.commit", "response.create"]
        cut_in = sent()[2]["response"]["instructions"]
        assert "Let me stop you there" in cut_in and cut_in.endswith("Speak Spanish.")
        assert await wait_for(lambda: any(e.cut_in for e in lines(started.id)))
        marked = [e for e in lines(started.id) if e.cut_in]
        assert len(marked) == 1 and marked[0].role == "interviewer"
        figures = compute_speech_metrics(lines_from_entries(lines(started.id)), language="es")
        assert figures.turn_taking.interviewer_cut_ins == 1
        await asyncio.sleep(1.0)
        assert len(sent()) == 3  # one per answer
    finally:
        await registry.shutdown()
        registry.enabled = False


async def wait_for(predicate, timeout: float = 15.0) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if await asyncio.to_thread(predicate):
            return True
        await asyncio.sleep(0.1)
    return bool(await asyncio.to_thread(predicate))


def test_the_pace_trend_leaves_out_interviews_paced_in_characters(db):
    """History charts words a minute: a Japanese interview's characters a minute aren't on that scale."""
    from sqlalchemy import update

    from tests.utils.interviews import claim_job_of, make_interview
    from vocahire.models import InterviewSession
    from vocahire.services.feedback import jobs
    from vocahire.services.interviews.history import progress_series

    user = make_user()
    ids = []
    for language, pace in (("en", 140.0), ("ja", 310.0)):
        interview_id = make_interview(user.id, job_title=f"Analyst ({language})")
        in_session(
            lambda *, session, i=interview_id, lang=language: session.execute(
                update(InterviewSession).where(InterviewSession.id == i).values(language=lang)
            )
        )
        assert in_session(
            jobs.complete_job,
            job=claim_job_of(interview_id),
            overall_score=70,
            categories=[],
            strengths=[],
            improvements=[],
            questions=[],
            metrics={"summary": {"wpm": pace, "fillers_per_minute": 1.5}},
            model="test-model",
        )
        ids.append(interview_id)
    points = {p.interview_id: p for p in in_session(progress_series, user_id=user.id)}
    assert points[ids[0]].figures["wpm"] == 140.0
    assert points[ids[1]].figures["wpm"] is None
    assert points[ids[1]].figures["fillers_per_minute"] == 1.5  # the other figures still chart
