"""A real SMTP server (aiosmtpd) in the test process, on a free port, that keeps what it receives.

``mode`` switches how it behaves for the next connections: ``"accept"`` (default), ``"refuse_451"``
(a transient refusal of the recipient), ``"refuse_550"`` (a permanent one), ``"hang"`` (accepts the
TCP connection and never says a word, so the client times out). ``tls="starttls"`` offers and
requires STARTTLS, ``tls="implicit"`` speaks TLS from the first byte, with a certificate from a
throwaway ``trustme`` CA whose PEM is at ``ca_file``. With ``users`` it requires AUTH (PLAIN/LOGIN).
"""

from __future__ import annotations

import asyncio
import email
import socket
import ssl
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, Literal

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

Mode = Literal["accept", "refuse_451", "refuse_550", "hang"]
Tls = Literal["none", "starttls", "implicit"]
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None  # who authenticated, if anyone
    tls: bool  # the message came over an encrypted connection

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert isinstance(body, EmailMessage) and body.get_content_subtype() == subtype, subtype
        return str(body.get_content())


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, smtp: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        mode = self.server.mode
        if mode == "refuse_451":
            return "451 4.3.0 Try again later (test server)"
        if mode == "refuse_550":
            return "550 5.1.1 No such mailbox here (test server)"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, smtp: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = email.message_from_bytes(raw, policy=default_policy)
        assert isinstance(message, EmailMessage)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        with self.server.lock:
            self.server.received.append(
                Received(
                    mail_from=str(envelope.mail_from),
                    rcpt_tos=list(envelope.rcpt_tos),
                    message=message,
                    login=login,
                    tls=smtp.transport is not None
                    and smtp.transport.get_extra_info("sslcontext") is not None,
                )
            )
        return "250 Message accepted for delivery"


class _SilentSMTP(SMTP):
    """Takes the connection and never answers (not even the greeting)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._silent_transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        pass

    def data_received(self, data: bytes) -> None:
        pass

    def eof_received(self) -> bool:
        return False  # the client gave up: let the transport close


class _Controller(Controller):
    def __init__(self, test_server: SmtpServer, **kwargs: Any) -> None:
        self.test_server = test_server  # (``self.server`` is aiosmtpd's own asyncio server)
        super().__init__(_Handler(test_server), hostname=HOST, port=test_server.port, **kwargs)

    def factory(self) -> SMTP:
        cls = _SilentSMTP if self.test_server.mode == "hang" else SMTP
        return cls(self.handler, **self.SMTP_kwargs)


class SmtpServer:
    """``start()``/``stop()``; ``url`` for ``SMTP_URL``; ``received`` what it accepted, in order."""

    def __init__(
        self,
        *,
        tls: Tls = "none",
        users: dict[str, str] | None = None,
        cert_dir: Path | None = None,
    ) -> None:
        self.port = free_port()
        self.tls = tls
        self.users = dict(users or {})
        self.mode: Mode = "accept"
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.ca_file: Path | None = None
        self._server_ctx: ssl.SSLContext | None = None
        if tls != "none":
            assert cert_dir is not None, "TLS needs a directory for the test CA's certificate"
            ca = trustme.CA()
            self._server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert(HOST, "localhost").configure_cert(self._server_ctx)
            self.ca_file = cert_dir / f"smtp-test-ca-{self.port}.pem"
            ca.cert_pem.write_to_path(str(self.ca_file))
        self._controller: _Controller | None = None

    def url(self, *, user: str | None = None, password: str | None = None, query: str = "") -> str:
        """``smtp://`` or ``smtps://`` with optional (already percent-encoded) credentials."""
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        auth = f"{user}:{password}@" if user is not None else ""
        return f"{scheme}://{auth}{HOST}:{self.port}{'?' + query if query else ''}"

    def start(self) -> None:
        # aiosmtpd only counts STARTTLS as TLS for AUTH; implicit TLS is encrypted all the same.
        kwargs: dict[str, Any] = {"auth_require_tls": self.tls == "starttls"}
        if self.users:
            kwargs.update(auth_required=True, authenticator=self._authenticate)
        if self.tls == "starttls":
            kwargs.update(tls_context=self._server_ctx, require_starttls=True)
        elif self.tls == "implicit":
            kwargs.update(ssl_context=self._server_ctx)
        self._controller = _Controller(self, **kwargs)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def messages_to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if address in r.rcpt_tos]
