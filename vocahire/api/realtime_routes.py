"""The live call's two routes: WebRTC signalling, and the transcript saved so far.

``POST /api/webrtc-exchange`` with ``{"session_id": ..., "sdp": <offer>}`` and the
session cookie: the browser's offer in, OpenAI's answer out; the API key stays on the server.
401 signed out, 404 for an interview that isn't the caller's, 409 when it can't (re)connect now,
422 for a bad offer, 502/504 when OpenAI fails (the credit of a first start is refunded then).
Answers ``{"sdp": <answer>}``.

``GET /api/interviews/{id}/lines`` with the session cookie: the lines saved so far, in conversation
order (``{"lines": [{"item_id", "previous_item_id", "role", "text"}, ...]}``), which the call component
reads when the live page opens. The page's own state never holds them, so an open tab costs the server
no transcript (issue 19). 401 signed out, 404 for an interview that isn't the caller's.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from vocahire import routes
from vocahire.api.errors import json_route
from vocahire.errors import Forbidden, InvalidInput
from vocahire.infra.database import run_db
from vocahire.services.accounts.identity import Credential, require_caller
from vocahire.services.interviews import transcript
from vocahire.services.interviews.calls import MAX_OFFER_BYTES, check_offer, connect_call
from vocahire.settings import get_settings

MAX_BODY_BYTES = MAX_OFFER_BYTES + 4 * 1024
NO_STORE = {"cache-control": "no-store"}


def _same_site(request: Request) -> bool:
    """Browsers send Origin on POST: only the app's own origins may use the signed-in user's cookie here."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    allowed = get_settings().allowed_origins
    origin = origin.rstrip("/")
    return "*" in allowed or origin in allowed or origin == str(request.base_url).rstrip("/")


async def _read_json(request: Request) -> dict[str, object]:
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise InvalidInput("That request is too large.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise InvalidInput("That request is too large.")
    try:
        data = json.loads(body)
    except ValueError:
        raise InvalidInput('Send JSON: {"session_id": ..., "sdp": ...}.') from None
    if not isinstance(data, dict):
        raise InvalidInput('Send JSON: {"session_id": ..., "sdp": ...}.')
    return data


@json_route
async def webrtc_exchange(request: Request) -> JSONResponse:
    """Exchange the browser's SDP offer for the answer of a new OpenAI Realtime call."""
    user_id, auth_session_id = await _caller(request)
    if not _same_site(request):
        raise Forbidden("That request came from another site and was refused.")
    data = await _read_json(request)
    offer = check_offer(data.get("sdp"))
    answer = await connect_call(
        user_id=user_id, interview_id=data.get("session_id"), offer_sdp=offer, auth_session_id=auth_session_id
    )
    return JSONResponse({"sdp": answer}, headers=NO_STORE)


@json_route
async def interview_lines(request: Request) -> JSONResponse:
    """The owner's saved lines of one interview (the call component's first render)."""
    user_id, auth_session_id = await _caller(request)
    lines = await run_db(
        transcript.owned_line_views,
        user_id=user_id,
        interview_id=request.path_params["interview_id"],
        auth_session_id=auth_session_id,
    )
    return JSONResponse({"lines": lines}, headers=NO_STORE)


async def _caller(request: Request) -> tuple[int, str | None]:
    """Who is asking (``require_caller``): the session id, when there is one, is checked by the route's own
    statement."""
    return await require_caller(Credential.from_headers(request.headers))


def realtime_routes() -> list[Route]:
    return [
        Route(routes.API_WEBRTC_EXCHANGE, webrtc_exchange, methods=["POST"]),
        Route(routes.API_INTERVIEW_LINES, interview_lines, methods=["GET"]),
    ]
