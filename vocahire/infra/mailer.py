"""E-mail transport: hands a built message to the SMTP server named by ``SMTP_URL``, or to the log.

``smtps://`` is implicit TLS (port 465 by default); ``smtp://`` uses STARTTLS when the server offers
it, requires it on port 587 or with ``?starttls=1``, and never with ``?starttls=0``. User and password
come percent-encoded in the URL. Without ``SMTP_URL`` the console backend writes each message to the
log (headers and plain-text part, so a newcomer can follow a reset link locally), as Django's does.
Only the background worker calls this: never inside a request.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from vocahire.settings import Settings

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 300
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class MailerError(Exception):
    """Sending failed. ``permanent``: the server refused the message for good (a 5xx answer to the
    recipient or the content), so a retry would be refused too; otherwise try again later."""

    def __init__(self, message: str, *, permanent: bool = False, code: int | None = None) -> None:
        super().__init__(message[:MAX_ERROR_CHARS])
        self.message = message[:MAX_ERROR_CHARS]
        self.permanent = permanent
        self.code = code


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to connect, read from ``SMTP_URL`` (``start_tls=None``: when the server offers it)."""

    hostname: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    start_tls: bool | None

    def __repr__(self) -> str:  # never the password
        return f"SmtpServer({self.describe()})"

    def describe(self) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.hostname}:{self.port}"

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must be smtp://host[:port] or smtps://host[:port]")
        implicit_tls = parts.scheme == "smtps"
        port = parts.port or (465 if implicit_tls else 25)
        start_tls: bool | None = None
        flag = (parse_qs(parts.query).get("starttls") or [""])[-1].lower()
        if implicit_tls:
            start_tls = False
        elif flag in _TRUE or (port == 587 and flag not in _FALSE):
            start_tls = True
        elif flag in _FALSE:
            start_tls = False
        return cls(
            hostname=parts.hostname,
            port=port,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
            implicit_tls=implicit_tls,
            start_tls=start_tls,
        )


def backend_name(settings: Settings) -> str:
    """``smtp://user@host:port`` (no password) or ``console``, for logs and diagnostics."""
    return SmtpServer.from_url(settings.smtp_url).describe() if settings.smtp_url else "console"


async def send(message: EmailMessage, settings: Settings) -> None:
    """Deliver ``message`` (its From and To headers name sender and recipient); raises ``MailerError``."""
    if not settings.smtp_url:
        _log_message(message, settings)
        return
    await _send_smtp(message, SmtpServer.from_url(settings.smtp_url), settings)


def _tls_context(settings: Settings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=settings.smtp_ca_file or None)


async def _send_smtp(message: EmailMessage, server: SmtpServer, settings: Settings) -> None:
    timeout = settings.smtp_timeout_seconds
    try:
        # aiosmtplib's timeout is per step; the outer one caps the whole conversation.
        async with asyncio.timeout(timeout * 4):
            errors, _ = await aiosmtplib.send(
                message,
                hostname=server.hostname,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.implicit_tls,
                start_tls=server.start_tls,
                timeout=timeout,
                tls_context=_tls_context(settings),
            )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refusals = exc.recipients
        code = refusals[0].code if refusals else None
        text = "; ".join(f"{r.code} {r.message}" for r in refusals) or "all recipients refused"
        raise MailerError(f"recipient refused: {text}", permanent=_is_5xx(code), code=code) from None
    except aiosmtplib.SMTPDataError as exc:
        raise MailerError(
            f"message refused: {exc.code} {exc.message}", permanent=_is_5xx(exc.code), code=exc.code
        ) from None
    except aiosmtplib.SMTPAuthenticationError as exc:
        # The configuration is wrong, not the message: keep it for when SMTP_URL is fixed.
        raise MailerError(f"authentication failed: {exc.code} {exc.message}", code=exc.code) from None
    except aiosmtplib.SMTPResponseException as exc:
        raise MailerError(f"server answered {exc.code} {exc.message}", code=exc.code) from None
    except (aiosmtplib.SMTPTimeoutError, TimeoutError):
        raise MailerError(f"no answer from {server.hostname}:{server.port} within {timeout:g}s") from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise MailerError(f"could not talk to {server.hostname}:{server.port}: {exc}") from None
    if errors:  # some recipients refused, others accepted: we send to one, so this is unexpected
        raise MailerError(
            "recipient refused: " + "; ".join(f"{r.code} {r.message}" for r in errors.values()),
            permanent=all(_is_5xx(r.code) for r in errors.values()),
        )


def _is_5xx(code: int | None) -> bool:
    return code is not None and 500 <= code < 600


def _log_message(message: EmailMessage, settings: Settings) -> None:
    head = "\n".join(f"{name}: {value}" for name, value in message.items())
    if settings.environment == "production":
        # Links in mail carry one-time secrets: a production log keeps only the envelope.
        log.warning("e-mail NOT sent (SMTP_URL is not set); body withheld in production:\n%s", head)
        return
    text = message.get_body(preferencelist=("plain",))
    body = text.get_content() if isinstance(text, EmailMessage) else ""
    log.info("e-mail (console backend, SMTP_URL is not set):\n%s\n\n%s", head, body.rstrip())
