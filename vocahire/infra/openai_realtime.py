"""OpenAI Realtime (GA interface only): the session configuration, creating a WebRTC call, hanging it up.

The browser's SDP offer is posted by the server, with the standard API key, as
``multipart/form-data`` (``sdp``, ``session``) to ``{OPENAI_BASE_URL}/realtime/calls``;
the answer SDP goes back to the browser and the call id comes from ``Location``.
The key never leaves the server. Every failure becomes ``UpstreamError`` (502)
or ``UpstreamTimeout`` (504) with a message the candidate can read.
"""

from __future__ import annotations

import functools
import json
import logging
import ssl
from dataclasses import dataclass
from typing import Any

import httpx

from vocahire.errors import UpstreamError, UpstreamTimeout
from vocahire.settings import Settings, VadEagerness

log = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 64 * 1024
PACE_SPEED = {"patient": 1.0, "brisk": 1.1}
BRISK_EAGERNESS: dict[VadEagerness, VadEagerness] = {
    "low": "medium",
    "medium": "high",
    "high": "high",
    "auto": "high",
}


@functools.cache
def _tls() -> ssl.SSLContext:
    """Built once: loading the CA bundle costs ~40 ms, more than the rest of a start."""
    return ssl.create_default_context()


def _client(settings: Settings) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=httpx.Timeout(settings.openai_timeout_seconds), verify=_tls())


@dataclass(frozen=True)
class CallAnswer:
    sdp: str
    call_id: str


def turn_detection(settings: Settings, pace: str = "patient") -> dict[str, Any]:
    """Semantic VAD (eagerness from settings; brisk is one step more eager) or tuned server VAD."""
    if settings.realtime_turn_detection == "semantic_vad":
        eagerness = settings.realtime_vad_eagerness
        if pace == "brisk":
            eagerness = BRISK_EAGERNESS[eagerness]
        return {
            "type": "semantic_vad",
            "eagerness": eagerness,
            "create_response": True,
            "interrupt_response": True,
        }
    silence = settings.realtime_vad_silence_ms
    if pace == "brisk":
        silence = max(150, silence // 2)
    return {
        "type": "server_vad",
        "threshold": settings.realtime_vad_threshold,
        "prefix_padding_ms": settings.realtime_vad_prefix_ms,
        "silence_duration_ms": silence,
        "create_response": True,
        "interrupt_response": True,
    }


def session_config(
    settings: Settings,
    *,
    instructions: str,
    pace: str = "patient",
    voice: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """The GA ``session`` object for ``/realtime/calls`` (GA rejects the beta field names); ``voice`` (else
    the server's) and ``language`` (ISO-639-1, the transcription's hint) are the interview's own."""
    audio_input: dict[str, Any] = {"turn_detection": turn_detection(settings, pace)}
    if settings.realtime_transcription_model:
        audio_input["transcription"] = {"model": settings.realtime_transcription_model}
        if language:
            audio_input["transcription"]["language"] = language
    return {
        "type": "realtime",
        "model": settings.realtime_model,
        "instructions": instructions,
        "output_modalities": ["audio"],
        "audio": {
            "input": audio_input,
            "output": {"voice": voice or settings.realtime_voice, "speed": PACE_SPEED.get(pace, 1.0)},
        },
    }


def _headers(settings: Settings) -> dict[str, str]:
    if not settings.openai_api_key:
        raise UpstreamError("Live interviews are not configured on this server (no OpenAI API key).")
    return {"Authorization": f"Bearer {settings.openai_api_key}"}


def _upstream_message(response: httpx.Response) -> str:
    """A readable reason; never the raw body (it could echo what we sent)."""
    if response.status_code == 429:
        return "The AI interviewer is busy right now (rate limited). Please try again in a minute."
    if response.status_code in (401, 403):
        return "The AI interviewer service refused our credentials. Please try again later."
    if response.status_code >= 500:
        return "The AI interviewer service had a problem starting your interview. Please try again."
    return "The AI interviewer service could not start your interview. Please try again."


def _call_id_from(location: str | None) -> str | None:
    if not location:
        return None
    call_id = location.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    if not call_id or len(call_id) > 200 or not all(c.isalnum() or c in "_-" for c in call_id):
        return None
    return call_id


def form_data(fields: dict[str, str]) -> tuple[bytes, str]:
    """``multipart/form-data`` of plain text fields (no filenames): the body and its content type.

    Encoded by httpx up front, so the request leaves in one write; passed as ``files=`` to the request,
    httpx streams each part's header, value and separator separately (about ten socket writes per start)."""
    form = httpx.Request("POST", "http://form.invalid", files={k: (None, v) for k, v in fields.items()})
    return form.read(), form.headers["content-type"]


async def create_call(
    settings: Settings, *, offer_sdp: str, session: dict[str, Any], client: httpx.AsyncClient | None = None
) -> CallAnswer:
    """POST the offer and session to ``/realtime/calls``; returns the answer SDP and the call id."""
    url = f"{settings.openai_base_url}/realtime/calls"
    # Plain form fields (no filename), as in OpenAI's own examples (`curl -F sdp=... -F session=...`).
    body, content_type = form_data({"sdp": offer_sdp, "session": json.dumps(session)})
    headers = {**_headers(settings), "Content-Type": content_type}
    timeout = httpx.Timeout(settings.openai_timeout_seconds)
    try:
        if client is None:
            async with _client(settings) as own:
                response = await own.post(url, headers=headers, content=body)
        else:
            response = await client.post(url, headers=headers, content=body, timeout=timeout)
    except httpx.TimeoutException:
        raise UpstreamTimeout(
            "The AI interviewer service did not answer in time. Please try again."
        ) from None
    except httpx.HTTPError as exc:
        log.warning("realtime call creation failed: %s", type(exc).__name__)
        raise UpstreamError("We couldn't reach the AI interviewer service. Please try again.") from None
    if response.status_code not in (200, 201):
        log.warning("realtime call creation refused: HTTP %s", response.status_code)
        raise UpstreamError(_upstream_message(response))
    answer = response.text if len(response.content) <= MAX_ANSWER_BYTES else ""
    call_id = _call_id_from(response.headers.get("location"))
    if not answer.startswith("v=0") or "m=" not in answer or call_id is None:
        log.warning(
            "realtime call creation returned a malformed answer (call id present: %s)", call_id is not None
        )
        raise UpstreamError("The AI interviewer service sent an unusable answer. Please try again.")
    return CallAnswer(sdp=answer, call_id=call_id)


async def hangup_call(settings: Settings, call_id: str, client: httpx.AsyncClient | None = None) -> bool:
    """End a call (``POST /realtime/calls/{id}/hangup``); False when it was already gone or unreachable."""
    url = f"{settings.openai_base_url}/realtime/calls/{call_id}/hangup"
    timeout = httpx.Timeout(settings.openai_timeout_seconds)
    try:
        if client is None:
            async with _client(settings) as own:
                response = await own.post(url, headers=_headers(settings))
        else:
            response = await client.post(url, headers=_headers(settings), timeout=timeout)
    except (httpx.HTTPError, UpstreamError) as exc:
        log.warning("realtime hangup failed: %s", type(exc).__name__)
        return False
    return response.status_code < 300


def sideband_url(settings: Settings, call_id: str) -> str:
    """``{OPENAI_BASE_URL as ws(s)}/realtime?call_id=...``."""
    base = settings.openai_base_url
    base = (
        "wss://" + base[len("https://") :]
        if base.startswith("https://")
        else "ws://" + base[len("http://") :]
    )
    return f"{base}/realtime?call_id={call_id}"
