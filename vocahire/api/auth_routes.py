"""Built-in accounts over plain HTML form posts: the server sets the httpOnly session cookie."""

from __future__ import annotations

import anyio.to_thread
from python_multipart.multipart import parse_options_header
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Message

from vocahire import routes
from vocahire.api.errors import (
    DATABASE_ERRORS,
    MALFORMED_REQUEST,
    PAYLOAD_TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    RejectedRequestError,
)
from vocahire.errors import (
    EmailTaken,
    InvalidEmail,
    MissingEmail,
    NotAuthenticated,
    TooManyAttempts,
    WeakPassword,
)
from vocahire.infra.database import in_session
from vocahire.services.accounts import lifecycle
from vocahire.services.accounts.session_tokens import SESSION_COOKIE
from vocahire.settings import Settings, get_settings

MAX_FORM_BYTES = 16 * 1024
FORM_TYPES = (b"application/x-www-form-urlencoded", b"multipart/form-data")


def _origin_allowed(request: Request, settings: Settings) -> bool:
    """Refuse cross-site form posts (login CSRF); browsers always send Origin on POST."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    allowed = settings.allowed_origins
    return (
        "*" in allowed
        or origin.rstrip("/") in allowed
        or origin.rstrip("/") == str(request.base_url).rstrip("/")
    )


async def _read_body(request: Request) -> bytes:
    """The whole body, refused as soon as it is larger than a sign-in form can be (declared or not)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_FORM_BYTES):
        raise RejectedRequestError(PAYLOAD_TOO_LARGE)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise RejectedRequestError(PAYLOAD_TOO_LARGE)
    return body


async def _read_form(request: Request) -> dict[str, str]:
    """The form's text fields; anything that isn't a small, well-formed HTML form is a JSON 4xx."""
    content_type, _ = parse_options_header(request.headers.get("content-type"))
    if content_type not in FORM_TYPES:
        raise RejectedRequestError(UNSUPPORTED_MEDIA_TYPE)
    body = await _read_body(request)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=0, max_fields=10)
    except (HTTPException, MultiPartException):  # Starlette turns a parser error into a 400
        raise RejectedRequestError(MALFORMED_REQUEST) from None
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _set_session_cookie(response: Response, token: str, request: Request, settings: Settings) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_ttl_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=settings.app_url.startswith("https://") or request.url.scheme == "https",
        path="/",
    )


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# The code the form page is sent back with (its text lives in ``wording.AUTH_ERRORS``), chosen by the
# failure's type alone; the first matching row wins, so the more specific class comes first.
FORM_ERROR_CODES: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    (EmailTaken, "email_taken"),
    (TooManyAttempts, "locked"),
    (NotAuthenticated, "bad_credentials"),
    (MissingEmail, "missing_email"),
    (InvalidEmail, "invalid_email"),
    (WeakPassword, "weak_password"),
    (DATABASE_ERRORS, "unavailable"),
)


def _error_code(exc: Exception) -> str:
    """The form's error code for an expected failure; anything else is raised (a 500, and logged)."""
    for kind, code in FORM_ERROR_CODES:
        if isinstance(exc, kind):
            return code
    raise exc


async def sign_up(request: Request) -> Response:
    settings = get_settings()
    if settings.resolved_auth_provider == "clerk":
        return _back(routes.sign_up_url(error="clerk_only"))  # accounts come from Clerk on this deployment
    if not _origin_allowed(request, settings):
        return _back(routes.sign_up_url(error="forbidden_origin"))
    form = await _read_form(request)
    next_path = routes.safe_next(form.get("next"))
    email = form.get("email", "")[:320]
    try:
        token = await anyio.to_thread.run_sync(
            lambda: in_session(
                lifecycle.sign_up,
                settings=settings,
                email=email,
                password=form.get("password", ""),
                name=form.get("name", ""),
            )
        )
    except Exception as exc:
        return _back(
            routes.sign_up_url(
                next_path, error=_error_code(exc), email=email, name=form.get("name", "")[:200]
            )
        )
    response = _back(next_path)
    _set_session_cookie(response, token, request, settings)
    return response


async def sign_in(request: Request) -> Response:
    settings = get_settings()
    if settings.resolved_auth_provider == "clerk":
        return _back(routes.sign_in_url(error="clerk_only"))
    if not _origin_allowed(request, settings):
        return _back(routes.sign_in_url(error="forbidden_origin"))
    form = await _read_form(request)
    next_path = routes.safe_next(form.get("next"))
    email = form.get("email", "")[:320]
    try:
        token = await anyio.to_thread.run_sync(
            lambda: in_session(
                lifecycle.sign_in, settings=settings, email=email, password=form.get("password", "")
            )
        )
    except Exception as exc:
        return _back(routes.sign_in_url(next_path, error=_error_code(exc), email=email))
    response = _back(next_path)
    _set_session_cookie(response, token, request, settings)
    return response


async def sign_out(request: Request) -> Response:
    """Clears the cookie; a full page load follows so the app's websocket reconnects signed out."""
    response = _back(routes.LANDING)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def auth_routes() -> list[Route]:
    return [
        Route(routes.API_SIGN_UP, sign_up, methods=["POST"]),
        Route(routes.API_SIGN_IN, sign_in, methods=["POST"]),
        Route(routes.API_SIGN_OUT, sign_out, methods=["POST", "GET"]),
    ]
