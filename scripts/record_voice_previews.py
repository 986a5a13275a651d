"""Record the interviewer voices' preview clips into assets/voices/ with OpenAI's speech API.

Usage: ``.venv/bin/python scripts/record_voice_previews.py [--force] [--voice NAME ...] [--out-dir DIR]``.
Needs ``OPENAI_API_KEY`` (and ``OPENAI_BASE_URL`` when not api.openai.com), read through
``vocahire.settings``. Each voice is one ``POST {OPENAI_BASE_URL}/audio/speech`` with
``{"model", "voice", "input", "response_format": "mp3"}`` and a bearer key; the answer is the MP3 itself.
Clips already on disk are kept unless ``--force``; a clip is written whole or not at all. Exits 1 when any
voice failed (or 2 without a key), so a run that printed errors never looks like success.

Checked in December 2026 against OpenAI's text-to-speech guide, the ``openai`` SDK's ``SpeechCreateParams``
and Azure's copy of the ``createSpeech`` reference: the request shape above is the documented one, and
``gpt-4o-mini-tts`` takes every voice in ``VOICES`` (its built-in voices are alloy, ash, ballad, coral,
echo, fable, onyx, nova, sage, shimmer, verse, marin and cedar). Two things to know:

- A speech-model clip is the same named voice but not the Realtime model's own rendering of it, so it is
  close to, not exactly, what the live interviewer sounds like.
- ``tts-1``, ``tts-1-hd`` and ``gpt-4o-mini-tts`` are deprecated and shut down on 6 January 2027; the
  named replacement (``gpt-realtime-2.1-mini``) is a Realtime API model that ``/audio/speech`` does not
  take (the dated snapshots go too). ``--model`` picks another speech model; recording after the
  shutdown means recording through the Realtime API instead, which this script does not do.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a file: the app is beside us

from vocahire.services.interviews.voice_previews import PREVIEW_TEXT, clips_dir
from vocahire.services.interviews.voices import VOICES
from vocahire.settings import SettingsError, get_settings

DEFAULT_MODEL = "gpt-4o-mini-tts"


class RecordingError(Exception):
    """One voice's clip could not be recorded; the message is the one line the user reads."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _api_message(response: httpx.Response) -> str:
    """The API's ``error.message``, else the start of the body, else the reason phrase."""
    try:
        error = response.json().get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
    except (ValueError, AttributeError):
        pass
    text = " ".join(response.text.split())[:200]
    return text or response.reason_phrase


def fetch_clip(client: httpx.Client, *, model: str, voice: str) -> bytes:
    """One voice's clip as MP3 bytes; ``RecordingError`` says why not."""
    try:
        response = client.post(
            "/audio/speech",
            json={"model": model, "voice": voice, "input": PREVIEW_TEXT, "response_format": "mp3"},
        )
    except httpx.HTTPError as exc:
        raise RecordingError(f"request failed: {exc.__class__.__name__}: {exc}") from exc
    if response.status_code != 200:
        raise RecordingError(
            f"HTTP {response.status_code}: {_api_message(response)}", status=response.status_code
        )
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if not content_type.startswith("audio/"):
        raise RecordingError(f"expected audio, got {content_type or 'no content type'}")
    if not response.content:
        raise RecordingError("the answer was empty")
    return response.content


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename it over: never a half-written clip."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Record the interviewer voices' preview clips.")
    parser.add_argument("--force", action="store_true", help="record again clips that already exist")
    parser.add_argument(
        "--voice",
        action="append",
        choices=VOICES,
        metavar="NAME",
        help=f"only this voice (repeatable); one of {', '.join(VOICES)}",
    )
    parser.add_argument("--out-dir", type=Path, default=clips_dir(), help="default: assets/voices")
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"speech model (default {DEFAULT_MODEL})")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    try:
        settings = get_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not settings.openai_api_key:
        print("error: OPENAI_API_KEY is not set (the clips come from OpenAI's speech API)", file=sys.stderr)
        return 2
    wanted = list(dict.fromkeys(args.voice or VOICES))
    failed: list[str] = []
    with httpx.Client(
        base_url=settings.openai_base_url,
        headers={"Authorization": f"Bearer {settings.openai_api_key}"},
        timeout=settings.openai_timeout_seconds,
    ) as client:
        for index, voice in enumerate(wanted):
            path = args.out_dir / f"{voice}.mp3"
            if path.exists() and not args.force:
                print(f"{voice}: kept {path} (exists; --force records it again)")
                continue
            try:
                data = fetch_clip(client, model=args.model, voice=voice)
                write_atomically(path, data)
            except (RecordingError, OSError) as exc:
                print(f"{voice}: error: {exc}", file=sys.stderr)
                failed.append(voice)
                if isinstance(exc, RecordingError) and exc.status == 401:
                    skipped = wanted[index + 1 :]  # the same key fails for every voice
                    if skipped:
                        print(f"not tried (the key was refused): {', '.join(skipped)}", file=sys.stderr)
                    failed.extend(skipped)
                    break
                continue
            print(f"{voice}: recorded {path} ({len(data) / 1000:.1f} kB)")
    if failed:
        print(f"{len(failed)} of {len(wanted)} voices failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
