"""Built-in accounts over plain HTML form posts: the server sets the httpOnly session cookie."""

from __future__ import annotations

import ipaddress

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
    ORIGIN_REFUSED,
    PAYLOAD_TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
    RejectedRequestError,
)
from vocahire.errors import (
    EmailTaken,
    InvalidEmail,
    InvalidLink,
    MissingEmail,
    NotAuthenticated,
    TooManyAttempts,
    WeakPassword,
)
from vocahire.infra.database import in_session
from vocahire.services.accounts import lifecycle
from vocahire.services.accounts.identity import Credential, identify, session_id_of
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
    (InvalidLink, "invalid_link"),
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
    """Ends this browser's session on the server and clears the cookie; a full page load follows so the
    app's websocket reconnects signed out. Only a POST from the app's own pages can do it."""
    settings = get_settings()
    if not request.headers.get("origin") or not _origin_allowed(request, settings):
        raise RejectedRequestError(ORIGIN_REFUSED)
    credential = Credential.from_headers(request.headers)
    try:
        user = await identify(credential)
    except Exception:
        user = None  # an expired or already-ended session: clearing the cookie is all that's left
    session_id = session_id_of(credential)
    if user is not None and session_id is not None:
        await anyio.to_thread.run_sync(
            lambda: in_session(lifecycle.sign_out, user_id=user.id, session_id=session_id)
        )
    then = ""
    content_type, _ = parse_options_header(request.headers.get("content-type"))
    if content_type in FORM_TYPES:
        then = (await _read_form(request)).get("then", "")
    after_deletion = then == routes.SIGNED_OUT_ACCOUNT_DELETED
    response = _back(routes.LANDING + ("?account=deleted" if after_deletion else ""))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def client_key(request: Request) -> str:
    """Who is asking, for rate limits: the peer, or behind our proxy (a loopback or private peer) the
    address it appended last to X-Forwarded-For."""
    peer = request.client.host if request.client else "unknown"
    forwarded = request.headers.get("x-forwarded-for", "")
    try:
        behind_proxy = ipaddress.ip_address(peer).is_private or ipaddress.ip_address(peer).is_loopback
    except ValueError:
        behind_proxy = False
    if behind_proxy and forwarded:
        return forwarded.split(",")[-1].strip()[:64] or peer
    return peer


async def forgot_password(request: Request) -> Response:
    """Queue a reset link; the answer is the same whether or not the address has an account."""
    settings = get_settings()
    if settings.resolved_auth_provider == "clerk":
        return _back(routes.sign_in_url(error="clerk_only"))
    if not _origin_allowed(request, settings):
        return _back(routes.forgot_password_url(error="forbidden_origin"))
    form = await _read_form(request)
    email = form.get("email", "")[:320]
    client = client_key(request)
    try:
        await anyio.to_thread.run_sync(
            lambda: in_session(lifecycle.request_password_reset, email=email, client=client)
        )
    except TooManyAttempts:
        return _back(routes.forgot_password_url(error="throttled", email=email))
    except Exception as exc:
        return _back(routes.forgot_password_url(error=_error_code(exc), email=email))
    return _back(routes.forgot_password_url(sent="1"))


async def reset_password(request: Request) -> Response:
    """A new password from a reset link: every other session ends and this browser is signed in."""
    settings = get_settings()
    if settings.resolved_auth_provider == "clerk":
        return _back(routes.sign_in_url(error="clerk_only"))
    form = await _read_form(request)
    raw = form.get("token", "")[:200]
    if not _origin_allowed(request, settings):
        return _back(routes.reset_password_url(raw, error="forbidden_origin"))
    try:
        token = await anyio.to_thread.run_sync(
            lambda: in_session(
                lifecycle.reset_password, settings=settings, raw=raw, new_password=form.get("password", "")
            )
        )
    except Exception as exc:
        return _back(routes.reset_password_url(raw, error=_error_code(exc)))
    response = _back(routes.reset_password_url("", done="1"))
    _set_session_cookie(response, token, request, settings)
    return response


def auth_routes() -> list[Route]:
    return [
        Route(routes.API_SIGN_UP, sign_up, methods=["POST"]),
        Route(routes.API_SIGN_IN, sign_in, methods=["POST"]),
        Route(routes.API_SIGN_OUT, sign_out, methods=["POST"]),
        Route(routes.API_FORGOT_PASSWORD, forgot_password, methods=["POST"]),
        Route(routes.API_RESET_PASSWORD, reset_password, methods=["POST"]),
    ]
