"""A local stand-in for OpenAI's Realtime API (GA): WebRTC calls, the sideband websocket, hangup.

- ``POST /v1/realtime/calls`` (multipart ``sdp`` + ``session``): checks the key, the
  absence of the beta header, and the GA session shape (the ``openai`` package's
  typed model plus exact field names, since the model accepts unknown keys);
  answers the SDP with a real aiortc peer (``RTCConfiguration(iceServers=[])``,
  127.0.0.1 host candidate) that receives the browser's audio and sends the
  interviewer's (espeak-ng speech when installed, else a tone); ``Location``
  carries the call id. ``webrtc=False`` answers with a canned SDP instead
  (service tests and benchmarks, where the offer isn't a real one).
- ``GET /v1/realtime?call_id=...`` (websocket, standard key): the sideband; gets
  the same server events as the ``oai-events`` data channel and accepts the same
  client events (``response.create``, ``response.cancel``, ``conversation.item.create``).
- ``POST /v1/realtime/calls/{id}/hangup``: ends the call (closes peer and sidebands).

A scripted conversation: each ``response.create`` makes the interviewer say the
next line (deltas, done, audio buffer started/stopped, response done with its ``usage``); while the
browser's microphone track delivers audio, the candidate "answers" after each
turn (speech started/stopped, the item, then the interviewer's reply, and only
then the candidate's transcription: completions arrive out of order like the
real thing). Fault modes for the next call creations: ``"500"``, ``"429"``,
``"timeout"``, ``"malformed"``, ``"no_location"``. Runs in its own thread and
event loop on 127.0.0.1 with a free port.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import fractions
import json
import math
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
import wave
from collections import deque
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

T = TypeVar("T")

GA_SESSION_KEYS = {
    "type",
    "model",
    "instructions",
    "output_modalities",
    "audio",
    "include",
    "max_output_tokens",
    "prompt",
    "tool_choice",
    "tools",
    "tracing",
    "truncation",
}
GA_AUDIO_KEYS = {"input", "output"}
GA_INPUT_KEYS = {"format", "noise_reduction", "transcription", "turn_detection"}
GA_OUTPUT_KEYS = {"format", "speed", "voice"}
BETA_ONLY_KEYS = {
    "modalities",
    "voice",
    "input_audio_format",
    "output_audio_format",
    "input_audio_transcription",
    "turn_detection",
    "temperature",
}

INTERVIEWER_LINES = [
    (
        "Hello, I'm your AI interviewer, and this is a mock interview for practice. "
        "Tell me about a project you are proud of."
    ),
    "Thanks. What was the hardest technical decision in that project, and why?",
    "How did you measure whether it was a success?",
    "Good. What would you do differently next time?",
]
CANDIDATE_LINES = [
    "I led the migration of our billing service to PostgreSQL and we finished two weeks early.",
    "Choosing dual writes over a big-bang cut-over, because we could not afford downtime.",
    "We tracked error rates and query latency, and latency dropped by forty percent.",
    "I would involve the support team earlier.",
]
CLOSING_LINE = "That's all the time we have. Thank you, your feedback will be ready shortly. Goodbye!"
CANNED_ANSWER_SDP = (
    "v=0\r\no=- 4227147428 1719357865 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
    "a=group:BUNDLE 0 1\r\na=msid-semantic:WMS *\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=ice-ufrag:kZ2q\r\na=ice-pwd:uoD16Di5OGx3VbqgA3ymjEQV\r\n"
    "a=setup:active\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\na=sctp-port:5000\r\n"
)
SAMPLE_RATE = 48_000
FRAME_SAMPLES = 960  # 20 ms


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


# --- audio ----------------------------------------------------------------------------------------


def speech_pcm(text: str, seconds: float) -> bytes:
    """48 kHz mono s16 PCM: espeak-ng saying ``text`` when installed, else a soft two-tone chime."""
    if shutil.which("espeak-ng"):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "line.wav"
            try:
                subprocess.run(
                    ["espeak-ng", "-s", "185", "-w", str(out), text],
                    check=True,
                    timeout=20,
                    capture_output=True,
                )
                return _resample_wav(out)
            except (subprocess.SubprocessError, OSError, wave.Error):
                pass
    samples = array.array("h")
    total = int(SAMPLE_RATE * seconds)
    for n in range(total):
        t = n / SAMPLE_RATE
        envelope = min(1.0, n / 2400, (total - n) / 2400)
        samples.append(
            int(6000 * envelope * (math.sin(2 * math.pi * 440 * t) + 0.5 * math.sin(2 * math.pi * 660 * t)))
        )
    return samples.tobytes()


def _resample_wav(path: Path) -> bytes:
    with wave.open(str(path)) as w:
        rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        raw = w.readframes(w.getnframes())
    if width != 2:
        raise wave.Error("expected 16-bit audio")
    src = array.array("h", raw)
    if channels == 2:
        src = src[::2]
    out = array.array("h")
    ratio = rate / SAMPLE_RATE
    for n in range(int(len(src) / ratio)):
        out.append(src[min(len(src) - 1, int(n * ratio))])
    return out.tobytes()


def _make_track() -> Any:
    import av
    from aiortc.mediastreams import MediaStreamTrack

    class SpeechTrack(MediaStreamTrack):
        """The interviewer's voice: queued PCM in real time, silence in between."""

        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self._queue: deque[bytes] = deque()
            self._pts = 0
            self._start: float | None = None
            self.frames_sent = 0
            self.speech_frames_sent = 0

        def say(self, pcm: bytes) -> None:
            step = FRAME_SAMPLES * 2
            for i in range(0, len(pcm), step):
                self._queue.append(pcm[i : i + step].ljust(step, b"\x00"))

        def clear(self) -> None:
            self._queue.clear()

        async def recv(self) -> Any:
            if self._start is None:
                self._start = time.monotonic()
            wait = self._start + self._pts / SAMPLE_RATE - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            chunk = self._queue.popleft() if self._queue else b"\x00\x00" * FRAME_SAMPLES
            if self._queue or chunk.strip(b"\x00"):
                self.speech_frames_sent += 1
            frame = av.AudioFrame(format="s16", layout="mono", samples=FRAME_SAMPLES)
            frame.planes[0].update(chunk)
            frame.sample_rate = SAMPLE_RATE
            frame.pts = self._pts
            frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
            self._pts += FRAME_SAMPLES
            self.frames_sent += 1
            return frame

    return SpeechTrack()


def _loopback_only() -> None:
    """aiortc skips 127.0.0.1 when gathering; on a loopback-only test host that is the one that works."""
    import aioice.ice

    if not getattr(aioice.ice.get_host_addresses, "_vocahire_loopback", False):

        def loopback(use_ipv4: bool, use_ipv6: bool) -> list[str]:
            return ["127.0.0.1"] if use_ipv4 else []

        loopback._vocahire_loopback = True  # type: ignore[attr-defined]
        aioice.ice.get_host_addresses = loopback


# --- one call -------------------------------------------------------------------------------------


@dataclass
class FakeCall:
    fake: FakeRealtime
    id: str
    session: dict[str, Any]
    offer_sdp: str
    pc: Any = None
    track: Any = None
    channel: Any = None
    sidebands: list[web.WebSocketResponse] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    last_item: str | None = None
    turn: int = 0
    active_response: str | None = None
    ended: bool = False
    hung_up: bool = False
    audio_frames_in: int = 0
    last_audio_in: float = 0.0
    interrupt_next: float | None = (
        None  # fraction of the next interviewer line after which the candidate cuts in
    )
    answered_turns: int = 0
    scripted_answers: bool = True  # False: the candidate answers only when a test says (``long_answer``)
    channel_open: asyncio.Event = field(default_factory=asyncio.Event)
    commit_requested: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @property
    def instructions(self) -> str:
        return str(self.session.get("instructions", ""))

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def emit(self, event: dict[str, Any]) -> None:
        if self.ended:
            return
        event = {"event_id": _id("event"), **event}
        self.sent.append(event)
        text = json.dumps(event)
        if self.channel is not None and self.channel.readyState == "open":
            self.channel.send(text)
        for ws in list(self.sidebands):
            if not ws.closed:
                with contextlib.suppress(ConnectionError):
                    await ws.send_str(text)

    # --- client events (data channel or sideband) ---
    async def on_client_event(self, source: str, event: dict[str, Any]) -> None:
        self.received.append((source, event))
        kind = event.get("type")
        if kind == "response.create":
            if self.active_response is not None:
                await self.emit(
                    {
                        "type": "error",
                        "error": {
                            "type": "invalid_request_error",
                            "code": "conversation_already_has_active_response",
                            "message": "Conversation already has an active response in progress.",
                        },
                    }
                )
                return
            instructions = ((event.get("response") or {}).get("instructions")) or ""
            text = CLOSING_LINE if "time is up" in instructions.lower() else self.next_line()
            self.spawn(self.respond(text))
        elif kind == "response.cancel":
            self.active_response = None
        elif kind == "conversation.item.create":
            item = dict(event.get("item") or {})
            item.setdefault("id", _id("item"))
            item.setdefault("type", "message")
            previous = event.get("previous_item_id", self.last_item)
            await self.emit({"type": "conversation.item.added", "previous_item_id": previous, "item": item})
            await self.emit({"type": "conversation.item.done", "previous_item_id": previous, "item": item})
            self.last_item = item["id"]
        elif kind == "input_audio_buffer.commit":  # the polite cut-in commits what was said so far
            self.commit_requested.set()
        elif kind not in (
            "session.update",
            "output_audio_buffer.clear",
            "conversation.item.truncate",
            "conversation.item.retrieve",
        ):
            await self.emit(
                {
                    "type": "error",
                    "error": {
                        "type": "invalid_request_error",
                        "code": "unknown_event",
                        "message": f"Unknown event type {kind!r}.",
                    },
                }
            )

    def next_line(self) -> str:
        line = INTERVIEWER_LINES[min(self.turn, len(INTERVIEWER_LINES) - 1)]
        self.turn += 1
        return line

    # --- the interviewer speaks ---
    async def respond(self, text: str) -> None:
        response_id, item_id = _id("resp"), _id("item")
        self.active_response = response_id
        previous, self.last_item = self.last_item, item_id
        seconds = max(0.4, len(text) / self.fake.chars_per_second)
        item = {"id": item_id, "type": "message", "role": "assistant", "status": "in_progress", "content": []}
        await self.emit(
            {
                "type": "response.created",
                "response": {
                    "id": response_id,
                    "object": "realtime.response",
                    "status": "in_progress",
                    "output": [],
                },
            }
        )
        await self.emit({"type": "conversation.item.added", "previous_item_id": previous, "item": item})
        await self.emit(
            {
                "type": "response.output_item.added",
                "response_id": response_id,
                "output_index": 0,
                "item": item,
            }
        )
        if self.track is not None:
            self.track.say(await asyncio.to_thread(speech_pcm, text, seconds))
        await self.emit({"type": "output_audio_buffer.started", "response_id": response_id})
        started = time.monotonic()
        words = text.split(" ")
        for i, word in enumerate(words):
            await self.emit(
                {
                    "type": "response.output_audio_transcript.delta",
                    "response_id": response_id,
                    "item_id": item_id,
                    "output_index": 0,
                    "content_index": 0,
                    "delta": word + (" " if i < len(words) - 1 else ""),
                }
            )
            await asyncio.sleep(min(0.03, seconds / len(words) / 2))
        await self.emit(
            {
                "type": "response.output_audio_transcript.done",
                "response_id": response_id,
                "item_id": item_id,
                "output_index": 0,
                "content_index": 0,
                "transcript": text,
            }
        )
        cut = self.interrupt_next
        self.interrupt_next = None
        if cut is not None:
            await asyncio.sleep(max(0.0, seconds * cut - (time.monotonic() - started)))
            heard_ms = int((time.monotonic() - started) * 1000)
            if self.track is not None:
                self.track.clear()
            user_item = _id("item")
            await self.emit(
                {
                    "type": "input_audio_buffer.speech_started",
                    "item_id": user_item,
                    "audio_start_ms": heard_ms,
                }
            )
            await self.emit({"type": "output_audio_buffer.cleared", "response_id": response_id})
            await self.emit(
                {
                    "type": "conversation.item.truncated",
                    "item_id": item_id,
                    "content_index": 0,
                    "audio_end_ms": heard_ms,
                }
            )
            await self.emit(
                {
                    "type": "response.done",
                    "response": {
                        "id": response_id,
                        "status": "cancelled",
                        "usage": self.response_usage(text, cut),
                        "output": [
                            {
                                **item,
                                "status": "incomplete",
                                "content": [{"type": "output_audio", "transcript": text}],
                            }
                        ],
                    },
                }
            )
            self.active_response = None
            self.spawn(self.candidate_answers(user_item=user_item, already_started=True))
            return
        await asyncio.sleep(max(0.0, seconds - (time.monotonic() - started)))
        done_item = {**item, "status": "completed", "content": [{"type": "output_audio", "transcript": text}]}
        await self.emit({"type": "output_audio_buffer.stopped", "response_id": response_id})
        await self.emit({"type": "conversation.item.done", "previous_item_id": previous, "item": done_item})
        await self.emit(
            {
                "type": "response.done",
                "response": {
                    "id": response_id,
                    "object": "realtime.response",
                    "status": "completed",
                    "output": [done_item],
                    "usage": self.response_usage(text),
                },
            }
        )
        self.active_response = None
        if (
            text != CLOSING_LINE
            and self.scripted_answers
            and self.microphone_live()
            and self.answered_turns < self.fake.candidate_turns
        ):
            self.spawn(self.candidate_answers())

    def response_usage(self, text: str, spoken: float = 1.0) -> dict[str, Any]:
        """GA ``response.usage``: the conversation so far is input (mostly cached after the first turn)."""
        k, turn = self.fake.usage_scale, self.turn
        text_in, audio_in = 400 + 60 * turn, 120 * self.answered_turns
        cached_text, cached_audio = (384 if turn > 1 else 0), 120 * max(0, self.answered_turns - 1)
        text_out, audio_out = len(text.split()) * 4 // 3, int(len(text) * 1.6 * spoken)
        return {
            "total_tokens": k * (text_in + audio_in + text_out + audio_out),
            "input_tokens": k * (text_in + audio_in),
            "output_tokens": k * (text_out + audio_out),
            "input_token_details": {
                "text_tokens": k * text_in,
                "audio_tokens": k * audio_in,
                "image_tokens": 0,
                "cached_tokens": k * (cached_text + cached_audio),
                "cached_tokens_details": {
                    "text_tokens": k * cached_text,
                    "audio_tokens": k * cached_audio,
                    "image_tokens": 0,
                },
            },
            "output_token_details": {"text_tokens": k * text_out, "audio_tokens": k * audio_out},
        }

    def transcription_usage(self, text: str) -> dict[str, Any]:
        """A transcription billed by tokens (``gpt-4o-mini-transcribe``)."""
        k = self.fake.usage_scale
        audio, out = 10 * len(text.split()), len(text.split()) * 4 // 3
        return {
            "type": "tokens",
            "input_tokens": k * audio,
            "output_tokens": k * out,
            "total_tokens": k * (audio + out),
            "input_token_details": {"audio_tokens": k * audio, "text_tokens": 0},
        }

    def microphone_live(self) -> bool:
        return self.fake.simulate_candidate or (
            self.audio_frames_in > 0 and time.monotonic() - self.last_audio_in < 2.0
        )

    # --- the candidate answers (VAD + asynchronous transcription) ---
    async def candidate_answers(self, user_item: str | None = None, already_started: bool = False) -> None:
        text = CANDIDATE_LINES[min(self.answered_turns, len(CANDIDATE_LINES) - 1)]
        self.answered_turns += 1
        user_item = user_item or _id("item")
        if not already_started:
            await asyncio.sleep(self.fake.candidate_pause)
            await self.emit(
                {"type": "input_audio_buffer.speech_started", "item_id": user_item, "audio_start_ms": 1000}
            )
        await asyncio.sleep(self.fake.candidate_speech_seconds)
        if self.ended:
            return
        await self.emit(
            {"type": "input_audio_buffer.speech_stopped", "item_id": user_item, "audio_end_ms": 3000}
        )
        await self.commit_user_item(user_item)
        # The reply starts before the transcription completes (out-of-order completion).
        self.spawn(self.respond(self.next_line()))
        await asyncio.sleep(self.fake.transcription_delay)
        for word in text.split(" ")[:3]:
            await self.emit(
                {
                    "type": "conversation.item.input_audio_transcription.delta",
                    "item_id": user_item,
                    "content_index": 0,
                    "delta": word + " ",
                }
            )
        await self.transcribed(user_item, text)

    async def transcribed(self, user_item: str, text: str) -> None:
        await self.emit(
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": user_item,
                "content_index": 0,
                "transcript": text,
                "usage": self.transcription_usage(text),
            }
        )

    async def commit_user_item(self, user_item: str) -> None:
        """The candidate's audio becomes a conversation item (its transcription follows)."""
        previous, self.last_item = self.last_item, user_item
        await self.emit(
            {"type": "input_audio_buffer.committed", "item_id": user_item, "previous_item_id": previous}
        )
        await self.emit(
            {
                "type": "conversation.item.added",
                "previous_item_id": previous,
                "item": {
                    "id": user_item,
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_audio", "transcript": None}],
                },
            }
        )

    async def long_answer(self, text: str) -> str:
        """The candidate talks on without a pause until the app commits the audio buffer (the polite
        cut-in); then what they said so far becomes their line. Returns the line's item id."""
        user_item = _id("item")
        self.commit_requested.clear()
        await self.emit(
            {"type": "input_audio_buffer.speech_started", "item_id": user_item, "audio_start_ms": 0}
        )
        await self.commit_requested.wait()
        await self.commit_user_item(user_item)
        await self.transcribed(user_item, text)
        return user_item

    async def drop_sidebands(self) -> None:
        """The sideband connections break (not a normal close): the app reconnects to the same call."""
        for ws in list(self.sidebands):
            await ws.close(code=1011, message=b"server error")

    # --- the end ---
    async def end(self) -> None:
        if self.ended:
            return
        self.ended = True
        for ws in list(self.sidebands):
            await ws.close(code=1000, message=b"call ended")
        if self.pc is not None:
            await self.pc.close()
        for task in list(self._tasks):
            task.cancel()


# --- the server -----------------------------------------------------------------------------------


@dataclass
class RecordedCreate:
    headers: dict[str, str]
    fields: dict[str, str]
    session: dict[str, Any] | None
    status: int


class FakeRealtime:
    """The fake; ``with FakeRealtime() as fake:`` starts and stops it. ``fake.base_url`` ends in ``/v1``."""

    def __init__(self, api_key: str = "sk-test-realtime-key", *, webrtc: bool = True) -> None:
        self.api_key = api_key
        self.webrtc = webrtc
        self.calls: dict[str, FakeCall] = {}
        self.creates: list[RecordedCreate] = []
        self.hangups: list[str] = []
        self.sideband_opens: list[str] = []
        self.problems: list[str] = []
        self.faults: deque[str] = deque()
        self.timeout_delay = 5.0
        self.chars_per_second = 40.0
        self.candidate_pause = 0.4
        self.candidate_speech_seconds = 0.6
        self.transcription_delay = 0.3
        self.candidate_turns = 3
        self.simulate_candidate = False  # answer even without browser audio (sideband-only tests)
        # Usage in response.done / transcriptions is multiplied by this (a test makes a call expensive).
        self.usage_scale = 1
        # A sideband that reconnects to a call first gets every event the call sent so far again.
        self.replay_on_reconnect = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- control ---
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def fail_next(self, mode: str, times: int = 1) -> None:
        assert mode in ("500", "429", "timeout", "malformed", "no_location"), mode
        self.faults.extend([mode] * times)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, call_id: str | None = None) -> FakeCall:
        if call_id is None:
            return list(self.calls.values())[-1]
        return self.calls[call_id]

    def wait_for(self, predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(interval)
        return bool(predicate())

    def start(self) -> FakeRealtime:
        if self.webrtc:
            _loopback_only()
        ready = threading.Event()

        def serve() -> None:
            self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self._start_site())
            ready.set()
            self.loop.run_forever()

        self._thread = threading.Thread(target=serve, name="fake-openai-realtime", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake OpenAI realtime server did not start")
        return self

    def stop(self) -> None:
        if self.loop is None:
            return

        async def shutdown() -> None:
            for call in list(self.calls.values()):
                await call.end()
            if self._runner is not None:
                await self._runner.cleanup()

        try:
            self.run(shutdown(), timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            if self._thread is not None:
                self._thread.join(5)
            self.loop = None

    def __enter__(self) -> FakeRealtime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _start_site(self) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post("/v1/realtime/calls", self._create_call)
        app.router.add_post("/v1/realtime/calls/{call_id}/hangup", self._hangup)
        app.router.add_get("/v1/realtime", self._sideband)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    # --- helpers ---
    @staticmethod
    def _error(
        status: int,
        message: str,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> web.Response:
        return web.json_response(
            {"error": {"message": message, "type": type_, "param": param, "code": code}},
            status=status,
            headers=headers,
        )

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.api_key}"

    def check_session(self, session: Any) -> list[str]:
        """What the real GA API would refuse in a session object."""
        from openai.types.realtime import RealtimeSessionCreateRequest
        from pydantic import ValidationError

        if not isinstance(session, dict):
            return ["session must be a JSON object"]
        problems = [f"Unknown parameter: 'session.{k}'." for k in sorted(set(session) - GA_SESSION_KEYS)]
        problems += [
            f"Beta parameter not supported: 'session.{k}'." for k in sorted(set(session) & BETA_ONLY_KEYS)
        ]
        if session.get("type") != "realtime":
            problems.append("Missing required parameter: 'session.type' (must be 'realtime').")
        audio = session.get("audio") or {}
        problems += [f"Unknown parameter: 'session.audio.{k}'." for k in sorted(set(audio) - GA_AUDIO_KEYS)]
        problems += [
            f"Unknown parameter: 'session.audio.input.{k}'."
            for k in sorted(set(audio.get("input") or {}) - GA_INPUT_KEYS)
        ]
        problems += [
            f"Unknown parameter: 'session.audio.output.{k}'."
            for k in sorted(set(audio.get("output") or {}) - GA_OUTPUT_KEYS)
        ]
        if "realtime-preview" in str(session.get("model", "")):
            problems.append(f"The model '{session.get('model')}' does not exist.")
        try:
            RealtimeSessionCreateRequest.model_validate(session)
        except ValidationError as exc:
            problems.append(f"Invalid session: {exc.errors()[0].get('msg')}")
        return problems

    # --- routes ---
    async def _create_call(self, request: web.Request) -> web.StreamResponse:
        headers = dict(request.headers.items())
        record = RecordedCreate(headers=headers, fields={}, session=None, status=0)
        self.creates.append(record)

        def finish(response: web.StreamResponse) -> web.StreamResponse:
            record.status = response.status
            return response

        if not self._authorised(request):
            return finish(self._error(401, "Incorrect API key provided.", code="invalid_api_key"))
        if "OpenAI-Beta" in request.headers:
            self.problems.append("OpenAI-Beta header sent")
            return finish(self._error(400, "The beta interface has been shut down.", code="beta_shut_down"))
        if not request.content_type.startswith("multipart/form-data"):
            self.problems.append(f"content type {request.content_type}")
            return finish(self._error(400, "Expected multipart/form-data with 'sdp' and 'session'."))
        form = await request.post()
        record.fields = {
            k: v if isinstance(v, str) else v.file.read().decode("utf-8", "replace") for k, v in form.items()
        }
        sdp = record.fields.get("sdp", "")
        try:
            session = json.loads(record.fields.get("session") or "null")
        except ValueError:
            session = None
        record.session = session if isinstance(session, dict) else None
        problems = self.check_session(session)
        if not sdp.startswith("v=0"):
            problems.append("Missing required parameter: 'sdp'.")
        if problems:
            self.problems += problems
            return finish(self._error(400, problems[0], param="session"))
        fault = self.faults.popleft() if self.faults else None
        if fault == "500":
            return finish(
                self._error(
                    500, "The server had an error while processing your request.", type_="server_error"
                )
            )
        if fault == "429":
            return finish(
                self._error(
                    429,
                    "Rate limit reached.",
                    type_="requests",
                    code="rate_limit_exceeded",
                    headers={"Retry-After": "3"},
                )
            )
        if fault == "timeout":
            await asyncio.sleep(self.timeout_delay)
            return finish(self._error(504, "Timed out.", type_="server_error"))
        if fault == "malformed":
            return finish(web.Response(status=201, text="<html>oops</html>", content_type="text/html"))
        call = FakeCall(self, _id("rtc"), session, sdp)
        answer = await self._answer(call) if self.webrtc else CANNED_ANSWER_SDP
        self.calls[call.id] = call
        response_headers = {} if fault == "no_location" else {"Location": f"/v1/realtime/calls/{call.id}"}
        return finish(
            web.Response(status=201, text=answer, content_type="application/sdp", headers=response_headers)
        )

    async def _answer(self, call: FakeCall) -> str:
        from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        call.pc = pc
        call.track = _make_track()
        pc.addTrack(call.track)

        @pc.on("datachannel")
        def on_channel(channel: Any) -> None:
            if channel.label != "oai-events":
                return
            call.channel = channel

            @channel.on("message")
            def on_message(message: Any) -> None:
                try:
                    event = json.loads(message)
                except (ValueError, TypeError):
                    return
                if isinstance(event, dict):
                    call.spawn(call.on_client_event("datachannel", event))

            if channel.readyState == "open":
                call.channel_open.set()
            channel.on("open", call.channel_open.set)

        @pc.on("track")
        def on_track(track: Any) -> None:
            if track.kind != "audio":
                return

            async def drain() -> None:
                try:
                    while True:
                        await track.recv()
                        call.audio_frames_in += 1
                        call.last_audio_in = time.monotonic()
                except Exception:
                    return

            call.spawn(drain())

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc.connectionState in ("failed", "closed"):
                await call.end()

        await pc.setRemoteDescription(RTCSessionDescription(sdp=call.offer_sdp, type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        return pc.localDescription.sdp

    async def _hangup(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return self._error(401, "Incorrect API key provided.", code="invalid_api_key")
        call_id = request.match_info["call_id"]
        self.hangups.append(call_id)
        call = self.calls.get(call_id)
        if call is None or call.ended:
            return self._error(404, f"Call {call_id} not found.", code="call_not_found")
        call.hung_up = True
        await call.end()
        return web.Response(status=200)

    async def _sideband(self, request: web.Request) -> web.StreamResponse:
        if not self._authorised(request):
            return self._error(401, "Incorrect API key provided.", code="invalid_api_key")
        if "OpenAI-Beta" in request.headers:
            self.problems.append("OpenAI-Beta header sent on the sideband")
        call = self.calls.get(request.query.get("call_id", ""))
        if call is None or call.ended:
            return self._error(404, "Call not found.", code="call_not_found")
        ws = web.WebSocketResponse(heartbeat=None)
        await ws.prepare(request)
        self.sideband_opens.append(call.id)
        call.sidebands.append(ws)
        await ws.send_str(
            json.dumps(
                {
                    "type": "session.created",
                    "event_id": _id("event"),
                    "session": {**call.session, "id": _id("sess"), "object": "realtime.session"},
                }
            )
        )
        if self.replay_on_reconnect and self.sideband_opens.count(call.id) > 1:
            for event in list(call.sent):
                await ws.send_str(json.dumps(event))
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    event = json.loads(message.data)
                except ValueError:
                    continue
                if isinstance(event, dict):
                    await call.on_client_event("sideband", event)
        finally:
            if ws in call.sidebands:
                call.sidebands.remove(ws)
        return ws
