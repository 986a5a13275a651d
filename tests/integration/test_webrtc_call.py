"""A real WebRTC call through the app's signalling route: aiortc plays the browser, the fake plays OpenAI.

The "browser" sends microphone audio and opens ``oai-events``; the app exchanges
its offer; once the browser's word that its call is up is on the interview row
(as the live page's event records it, on whichever worker), the sideband greets;
the browser hears the interviewer, sees the transcript events on its data
channel, and the server saves the lines.
"""

import asyncio
import json
import time

import httpx
import pytest

from tests.fakes.openai_realtime import (
    CANDIDATE_LINES,
    INTERVIEWER_LINES,
    FakeRealtime,
    _make_track,
    speech_pcm,
)
from tests.utils.live import get, lines, start
from tests.utils.users import make_user, session_cookie_for
from vocahire.api import make_api
from vocahire.services.interviews import calls as interview_calls
from vocahire.services.interviews.sideband import registry


@pytest.fixture
def webrtc_fake(sqlite_db, env):
    with FakeRealtime(webrtc=True) as fake:
        fake.chars_per_second = 60.0
        fake.candidate_turns = 1
        env(OPENAI_API_KEY=fake.api_key, OPENAI_BASE_URL=fake.base_url)
        yield fake


async def test_browser_hears_the_interviewer_and_every_line_is_saved(webrtc_fake):
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

    fake = webrtc_fake
    user = make_user()
    started = start(user.id, job_title="Mobile Developer")

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    microphone = _make_track()
    microphone.say(speech_pcm("candidate", 30.0))  # a steady "voice" so the fake hears a live microphone
    pc.addTrack(microphone)
    channel = pc.createDataChannel("oai-events")
    events: list[dict] = []
    channel.on("message", lambda m: events.append(json.loads(m)))
    opened = asyncio.Event()
    channel.on("open", opened.set)
    heard = {"frames": 0, "loud": 0}
    listeners: list[asyncio.Future] = []

    @pc.on("track")
    def on_track(track):
        async def listen():
            try:
                while True:
                    frame = await track.recv()
                    heard["frames"] += 1
                    if any(bytes(frame.planes[0])[:400:2]):
                        heard["loud"] += 1
            except Exception:
                return

        listeners.append(asyncio.ensure_future(listen()))

    await pc.setLocalDescription(await pc.createOffer())
    transport = httpx.ASGITransport(app=make_api())
    async with httpx.AsyncClient(
        transport=transport, base_url="http://localhost:3000", cookies=session_cookie_for(user.id)
    ) as client:
        t0 = time.monotonic()
        response = await client.post(
            "/api/webrtc-exchange", json={"session_id": started.id, "sdp": pc.localDescription.sdp}
        )
        assert response.status_code == 200, response.text
        await pc.setRemoteDescription(RTCSessionDescription(sdp=response.json()["sdp"], type="answer"))
        await asyncio.wait_for(opened.wait(), 10)
        connected_after = time.monotonic() - t0
        assert await interview_calls.browser_connected(user_id=user.id, interview_id=started.id)

        async def until(predicate, timeout=20.0):
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not predicate():
                await asyncio.sleep(0.1)
            return predicate()

        assert await until(lambda: any(e["type"] == "response.output_audio_transcript.done" for e in events))
        assert await until(lambda: heard["loud"] > 10), heard  # the interviewer's voice arrived as audio
        assert await until(lambda: len(lines(started.id)) >= 3)
        saved = [(e.role, e.text) for e in lines(started.id)]
        assert saved[:3] == [
            ("interviewer", INTERVIEWER_LINES[0]),
            ("candidate", CANDIDATE_LINES[0]),
            ("interviewer", INTERVIEWER_LINES[1]),
        ]
        kinds = {e["type"] for e in events}
        assert {
            "output_audio_buffer.started",
            "response.output_audio_transcript.delta",
            "conversation.item.input_audio_transcription.completed",
            "input_audio_buffer.speech_started",
        } <= kinds
        assert fake.call().audio_frames_in > 0
        assert "Mobile Developer" in fake.call().instructions
        print(f"offer POST -> data channel open: {connected_after * 1000:.0f} ms")
    await pc.close()
    await registry.shutdown()
    assert get(started.id).status == "active"
