"""The voice preview clips: recorded once by a script from OpenAI's speech API (here a local stand-in),
then offered on the set-up page only for the voices that have one."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import ROOT
from vocahire.services.interviews import voice_previews
from vocahire.services.interviews.voices import VOICES

SCRIPT = ROOT / "scripts" / "record_voice_previews.py"
KEY = "sk-test-voices"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("record_voice_previews", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


record = _load_script()


def mp3_of(voice: str) -> bytes:
    return b"ID3\x04\x00" + f"clip of {voice}".encode()


Reply = tuple[int, str, bytes]  # status, content type, body


@dataclass
class FakeSpeech:
    """OpenAI's ``POST /v1/audio/speech`` on 127.0.0.1: records each request, answers with ``reply``."""

    reply: Callable[[dict[str, Any]], Reply] = lambda body: (200, "audio/mpeg", mp3_of(body["voice"]))
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""

    @property
    def voices(self) -> list[str]:
        return [r["json"]["voice"] for r in self.requests]


@pytest.fixture
def speech(env: Callable[..., None]) -> Iterator[FakeSpeech]:
    fake = FakeSpeech()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append(
                {"path": self.path, "authorization": self.headers.get("Authorization"), "json": body}
            )
            status, content_type, payload = fake.reply(body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    env(OPENAI_API_KEY=KEY, OPENAI_BASE_URL=fake.base_url)
    yield fake
    server.shutdown()
    server.server_close()


def api_error(status: int, message: str) -> Reply:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}
    return status, "application/json", json.dumps(body).encode()


# --- the recording script ---------------------------------------------------------------------------


def test_each_voice_is_recorded_with_the_documented_request(speech: FakeSpeech, tmp_path: Path, capsys):
    assert record.main(["--out-dir", str(tmp_path)]) == 0

    assert speech.voices == list(VOICES)
    for request in speech.requests:
        assert request["path"] == "/v1/audio/speech"
        assert request["authorization"] == f"Bearer {KEY}"
        assert request["json"] == {
            "model": "gpt-4o-mini-tts",
            "voice": request["json"]["voice"],
            "input": voice_previews.PREVIEW_TEXT,
            "response_format": "mp3",
        }
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{v}.mp3" for v in VOICES)  # no .part left
    assert (tmp_path / "coral.mp3").read_bytes() == mp3_of("coral")
    assert "coral: recorded" in capsys.readouterr().out


def test_only_the_voices_asked_for(speech: FakeSpeech, tmp_path: Path):
    assert record.main(["--out-dir", str(tmp_path), "--voice", "marin", "--voice", "cedar"]) == 0
    assert speech.voices == ["marin", "cedar"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cedar.mp3", "marin.mp3"]


def test_a_clip_on_disk_is_kept_unless_forced(speech: FakeSpeech, tmp_path: Path, capsys):
    (tmp_path / "ash.mp3").write_bytes(b"the clip we liked")

    assert record.main(["--out-dir", str(tmp_path), "--voice", "ash", "--voice", "sage"]) == 0
    assert speech.voices == ["sage"]
    assert (tmp_path / "ash.mp3").read_bytes() == b"the clip we liked"
    assert "ash: kept" in capsys.readouterr().out

    assert record.main(["--out-dir", str(tmp_path), "--voice", "ash", "--force"]) == 0
    assert speech.voices == ["sage", "ash"]
    assert (tmp_path / "ash.mp3").read_bytes() == mp3_of("ash")


def test_a_refused_key_stops_the_run_with_the_apis_message(speech: FakeSpeech, tmp_path: Path, capsys):
    speech.reply = lambda body: api_error(401, "Incorrect API key provided: sk-test***ices.")

    assert record.main(["--out-dir", str(tmp_path)]) == 1

    err = capsys.readouterr().err
    assert "alloy: error: HTTP 401: Incorrect API key provided: sk-test***ices." in err
    assert f"{len(VOICES)} of {len(VOICES)} voices failed" in err
    assert speech.voices == ["alloy"]  # the same key would fail for every voice
    assert list(tmp_path.iterdir()) == []


def test_one_failing_voice_fails_the_run_but_not_the_others(speech: FakeSpeech, tmp_path: Path, capsys):
    def reply(body: dict[str, Any]) -> Reply:
        if body["voice"] == "ballad":
            return api_error(500, "The server had an error while processing your request.")
        return 200, "audio/mpeg", mp3_of(body["voice"])

    speech.reply = reply
    assert (
        record.main(["--out-dir", str(tmp_path), "--voice", "ash", "--voice", "ballad", "--voice", "coral"])
        == 1
    )
    assert "ballad: error: HTTP 500: The server had an error" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ash.mp3", "coral.mp3"]


def test_an_answer_that_is_not_audio_writes_nothing(speech: FakeSpeech, tmp_path: Path, capsys):
    speech.reply = lambda body: (200, "text/html; charset=utf-8", b"<html>captive portal</html>")

    assert record.main(["--out-dir", str(tmp_path), "--voice", "verse"]) == 1
    assert "verse: error: expected audio, got text/html" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_without_a_key_nothing_is_asked(speech: FakeSpeech, env, tmp_path: Path, capsys):
    env(OPENAI_API_KEY=None)

    assert record.main(["--out-dir", str(tmp_path)]) == 2
    assert "OPENAI_API_KEY is not set" in capsys.readouterr().err
    assert speech.requests == []


def test_the_script_runs_from_the_command_line(speech: FakeSpeech, tmp_path: Path):
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--voice", "echo", "--out-dir", str(tmp_path)],
        env={"PATH": "/usr/bin:/bin", "OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": speech.base_url},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "echo.mp3").read_bytes() == mp3_of("echo")


# --- which voices have a preview ------------------------------------------------------------------


def test_a_recorded_clip_gets_its_public_path(speech: FakeSpeech, tmp_path: Path):
    clips = voice_previews.clips_dir(tmp_path)
    assert record.main(["--out-dir", str(clips), "--voice", "coral"]) == 0

    assert voice_previews.preview_path("coral", root=tmp_path) == "/voices/coral.mp3"
    assert voice_previews.find_previews(tmp_path) == {"coral": "/voices/coral.mp3"}


def test_no_clip_no_preview(tmp_path: Path):
    clips = voice_previews.clips_dir(tmp_path)
    clips.mkdir(parents=True)
    (clips / "ash.mp3").write_bytes(b"")  # an empty file is not a clip
    (clips / "fable.mp3").write_bytes(mp3_of("fable"))  # not a voice the app offers

    assert voice_previews.preview_path("alloy", root=tmp_path) is None
    assert voice_previews.preview_path("ash", root=tmp_path) is None
    assert voice_previews.preview_path("fable", root=tmp_path) is None
    assert voice_previews.preview_path("../../etc/passwd", root=tmp_path) is None
    assert voice_previews.find_previews(tmp_path / "elsewhere") == {}


def test_the_app_knows_the_clips_of_its_own_checkout():
    assert voice_previews.REPO_ROOT == ROOT
    assert voice_previews.find_previews(ROOT) == voice_previews.PREVIEWS
    for voice in VOICES:
        assert voice_previews.preview_path(voice) == voice_previews.PREVIEWS.get(voice)


# --- the set-up page ------------------------------------------------------------------------------


@pytest.fixture
def setup_page() -> ModuleType:
    from vocahire.pages import interview_setup

    return interview_setup


def test_the_picker_offers_a_sample_of_a_voice_with_a_clip(setup_page, monkeypatch):
    monkeypatch.setattr(setup_page, "VOICE_PREVIEWS", {"coral": "/voices/coral.mp3"})

    page = str(setup_page._interviewer())

    assert 'jsx("audio",{id:"voice-sample",preload:"none"' in page
    assert '["coral"] : "/voices/coral.mp3"' in page
    assert '"Play a sample of the Coral voice"' in page  # the button's accessible name follows the voice
    assert ".hasOwnProperty(" in page  # shown only while the chosen voice has a clip
    assert "Play a sample" in page and 'type:"button"' in page  # a real button: keyboard reachable


def test_the_picker_has_no_sample_control_when_no_clip_exists(setup_page, monkeypatch):
    monkeypatch.setattr(setup_page, "VOICE_PREVIEWS", {})

    page = str(setup_page._interviewer())

    assert "voice-sample" not in page
    assert "Play a sample" not in page
    assert "Interviewer's voice" in page
