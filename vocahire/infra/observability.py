"""Sentry, when ``SENTRY_DSN`` is set: errors and traces without personal data.

Sentry's own scrubber matches key names only, and transcripts, résumés and
e-mails travel as values. So stack-frame locals and request bodies are never
collected, request headers are kept only from an allow-list, query values and
cookies are dropped, and ``before_send`` walks the whole event: values under
sensitive keys are replaced and e-mail addresses, bearer tokens, JWTs, API keys
and the app's own configured secrets are masked wherever they appear.
"""

from __future__ import annotations

import json
import logging
import re
from typing import TYPE_CHECKING, Any, Literal, cast
from urllib.parse import urlsplit

from vocahire.settings import Settings, get_settings

if TYPE_CHECKING:
    from sentry_sdk._types import Event, Hint

log = logging.getLogger(__name__)

FILTERED = "[Filtered]"
# Dict keys whose values are personal or secret, wherever they appear (matched as substrings).
SENSITIVE_KEY_PARTS = (
    "transcript",
    "resume",
    "résumé",
    "job_description",
    "instructions",
    "email",
    "e-mail",
    "e_mail",
    "cookie",
    "token",
    "authorization",
    "password",
    "passwd",
    "secret",
    "signature",
    "api_key",
    "apikey",
    "credential",
    "session",
    "dsn",
    "sdp",
    "phone",
    "address",
)
# Exact keys that hold free text a candidate wrote or said (or log arguments, which may carry it).
SENSITIVE_KEYS = frozenset(
    {
        "text",
        "content",
        "answer",
        "question",
        "body",
        "name",
        "db.params",
        "data",
        "ip_address",
        "params",
        "vars",
    }
)
# Keys of Sentry's own event structure that must stay readable even though they look sensitive.
STRUCTURAL_KEYS = frozenset({"name", "data", "body"})
# Contexts the SDK fills in itself; anything else under "contexts" was set by code and is user data.
SDK_CONTEXTS = frozenset(
    {"runtime", "os", "trace", "otel", "app", "device", "asyncio", "cloud_resource", "response"}
)
SAFE_HEADERS = frozenset(
    {
        "host",
        "user-agent",
        "accept",
        "accept-language",
        "accept-encoding",
        "content-type",
        "content-length",
        "x-request-id",
        "x-forwarded-proto",
        "origin",
        "referer",
        "sec-fetch-mode",
        "sec-fetch-site",
    }
)

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}")
_API_KEY = re.compile(r"\b(?:sk|pk|rk|whsec|sess|cs|pi|seti|evt|sk-proj|sk-svcacct)[_-][A-Za-z0-9_-]{10,}")
_OPENAI_KEY = re.compile(r"\bsk-[A-Za-z0-9_-]{16,}")
_SIGNATURE = re.compile(r"\b(v0|v1|t)=[0-9a-fA-F,]{16,}")
_PYDANTIC_INPUT = re.compile(r"input_value=.*?, input_type=", re.DOTALL)
_KV_SECRET = re.compile(r"(?i)\b(token|key|secret|password|signature|code|session|email)=([^&\s;]+)")


def _configured_secrets(settings: Settings) -> list[str]:
    values = [
        settings.session_secret,
        settings.diagnostics_token,
        settings.openai_api_key,
        settings.stripe_secret_key,
        settings.stripe_webhook_secret,
        settings.clerk_secret_key,
        settings.clerk_webhook_secret,
    ]
    return sorted({v for v in values if v and len(v) >= 8}, key=len, reverse=True)


def scrub_text(value: str, secrets: list[str] | None = None) -> str:
    """Mask e-mails, tokens, keys and known secrets inside free text."""
    for secret in secrets if secrets is not None else _configured_secrets(get_settings()):
        value = value.replace(secret, FILTERED)
    value = _JWT.sub("[token]", value)
    value = _BEARER.sub(lambda m: f"{m.group(1)} [token]", value)
    value = _OPENAI_KEY.sub("[secret]", value)
    value = _API_KEY.sub("[secret]", value)
    value = _SIGNATURE.sub(lambda m: f"{m.group(1)}=[signature]", value)
    value = _PYDANTIC_INPUT.sub(f"input_value={FILTERED}, input_type=", value)
    value = _KV_SECRET.sub(lambda m: f"{m.group(1)}={FILTERED}", value)
    return _EMAIL.sub("[email]", value)


def _key_is_sensitive(key: str) -> bool:
    lowered = key.lower()
    return lowered in SENSITIVE_KEYS or any(part in lowered for part in SENSITIVE_KEY_PARTS)


def _scrub(value: Any, secrets: list[str], structural: bool, parent: str = "") -> Any:
    """Walk an event; ``structural`` is true inside Sentry's own structure, false inside data set by code."""
    if isinstance(value, str):
        return scrub_text(value, secrets)
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            if (
                isinstance(key, str)
                and _key_is_sensitive(key)
                and not (structural and key in STRUCTURAL_KEYS)
            ):
                out[key] = FILTERED
                continue
            child_structural = (
                structural
                and key not in ("extra", "tags", "data")
                and not (parent == "contexts" and key not in SDK_CONTEXTS)
            )
            out[key] = _scrub(item, secrets, child_structural, str(key))
        return out
    if isinstance(value, (list, tuple)):
        return [_scrub(item, secrets, structural, parent) for item in value]
    return value


def _log_template(hint: dict[str, Any] | None) -> str | None:
    """The unformatted message of a log record: its arguments may carry user data, its template doesn't."""
    record = (hint or {}).get("log_record")
    if isinstance(record, logging.LogRecord) and record.args:
        return str(record.msg)
    return None


def _scrub_request(request: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    headers = request.get("headers") or {}
    if isinstance(headers, dict):
        request["headers"] = {
            k: (scrub_text(str(v), secrets) if k.lower() in SAFE_HEADERS else FILTERED)
            for k, v in headers.items()
        }
    query = request.get("query_string")
    if isinstance(query, str) and query:
        # Keep which parameters were sent, never their values.
        names = [part.split("=", 1)[0] for part in query.split("&") if part]
        request["query_string"] = "&".join(f"{n}={FILTERED}" for n in names)
    for key in ("cookies", "data", "env"):
        request.pop(key, None)
    if isinstance(request.get("url"), str):
        request["url"] = scrub_text(request["url"].split("?", 1)[0], secrets)
    return request


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """``before_send`` / ``before_send_transaction``: the event without personal data or secrets."""
    secrets = _configured_secrets(get_settings())
    template = _log_template(hint)
    logentry = event.get("logentry")
    if template is not None and isinstance(logentry, dict):
        event["logentry"] = {"message": template, "formatted": template}
    request = event.pop("request", None)
    user = event.pop("user", None)
    event = _scrub(event, secrets, structural=True)
    if isinstance(request, dict):
        event["request"] = _scrub_request(request, secrets)
        if not event.get("transaction") and isinstance(event["request"].get("url"), str):
            # Behind Reflex's mounts the SDK may not resolve a route for errors: use the path.
            event["transaction"] = urlsplit(event["request"]["url"]).path
            event["transaction_info"] = {"source": "url"}
    if isinstance(user, dict) and user.get("id") is not None:
        event["user"] = {"id": str(user["id"])}  # an opaque id helps triage; nothing else about the person
    return event


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any] | None:
    template = _log_template(hint)
    if template is not None:
        crumb["message"] = template
    return _scrub(crumb, _configured_secrets(get_settings()), structural=True)


def _before_send(event: Event, hint: Hint) -> Event:
    """Sentry's hook for errors and transactions: its ``Event`` is the JSON dict ``scrub_event`` walks."""
    return cast("Event", scrub_event(cast("dict[str, Any]", event), hint))


def init_sentry(settings: Settings | None = None) -> bool:
    """Start the Sentry SDK when ``SENTRY_DSN`` is set; returns whether it is on."""
    settings = settings or get_settings()
    if not settings.sentry_dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.asyncio import AsyncioIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration
    from sentry_sdk.integrations.starlette import StarletteIntegration

    extra: list[Any] = []
    try:  # the feedback prompt is a transcript: never attach prompts or completions to spans
        from sentry_sdk.integrations.openai import OpenAIIntegration

        extra.append(OpenAIIntegration(include_prompts=False))
    except Exception:
        pass

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.environment,
        release=f"vocahire@{settings.app_version}",
        traces_sample_rate=settings.sentry_traces_sample_rate,
        send_default_pii=False,
        include_local_variables=False,
        include_source_context=True,
        max_request_body_size="never",
        before_send=_before_send,
        before_send_transaction=_before_send,
        before_breadcrumb=scrub_breadcrumb,
        integrations=[
            StarletteIntegration(transaction_style="url"),
            # Asyncio needs a running loop; enable_asyncio_tracing() patches it from the app's lifespan.
            AsyncioIntegration(),
            SqlalchemyIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
            *extra,
        ],
    )
    log.info(json.dumps({"event": "sentry_enabled", "environment": settings.environment}))
    return True


def enable_asyncio_tracing() -> None:
    """Called from inside the running event loop (a lifespan task) so asyncio tasks are traced too."""
    if not sentry_enabled():
        return
    from sentry_sdk.integrations.asyncio import enable_asyncio_integration

    enable_asyncio_integration()


def sentry_enabled() -> bool:
    """Whether this deployment reports to Sentry (``SENTRY_DSN`` is set)."""
    return bool(get_settings().sentry_dsn)


def tag_request(request_id: str) -> None:
    """Tag the current request's events with its id (the one shown to the user and in the logs)."""
    if not sentry_enabled():
        return
    import sentry_sdk

    sentry_sdk.set_tag("request_id", request_id)


def name_transaction(name: str, *, source: Literal["url", "route"]) -> None:
    """Name the current trace: after the raw path (``"url"``) or the route template matched (``"route"``)."""
    if not sentry_enabled():
        return
    import sentry_sdk

    sentry_sdk.get_current_scope().set_transaction_name(name, source=source)


def flush(timeout: float = 2.0) -> None:
    if sentry_enabled():
        import sentry_sdk

        sentry_sdk.flush(timeout=timeout)


def capture_exception(exc: BaseException) -> None:
    """Report an exception to Sentry (no-op without a DSN)."""
    if sentry_enabled():
        import sentry_sdk

        sentry_sdk.capture_exception(exc)
