"""E-mail leaves through a real SMTP server (aiosmtpd, in this process): what arrives, and what happens
when the server refuses, hangs, wants a password or TLS. The outbox never loses a message."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlmodel import Session

from tests.utils.smtp_server import SmtpServer
from vocahire.infra import mailer
from vocahire.infra.database import in_session, session_scope
from vocahire.models import OutboundEmail, utcnow
from vocahire.models.email import EMAIL_FAILED, EMAIL_PENDING, EMAIL_SENT, EMAIL_SKIPPED
from vocahire.services.email import outbox
from vocahire.services.email.compose import ComposedEmail, compose, to_message
from vocahire.settings import SettingsError, get_settings, load_settings
from vocahire.workers.email_worker import EmailWorker, EmailWorkerConfig

# aiosmtpd warns about AUTH without STARTTLS (our plain-text and implicit-TLS test servers).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

SENDER = "VocaHire <no-reply@vocahire.test>"
ADA = "ada@example.com"
ACTION_URL = "http://localhost:3000/reset-password?token=abc123&next=%2Fdashboard"
UNSUBSCRIBE_URL = "http://localhost:3000/unsubscribe?token=u-987"

composed_count = 0


def hello(*, session: Session, email: OutboundEmail, settings: Any) -> ComposedEmail | None:
    global composed_count
    composed_count += 1
    name = str(email.payload.get("name", "there"))
    return compose(
        subject="Reset your VocaHire password",
        heading=f"Hello {name}",
        paragraphs=[f"Hi {name}, someone asked to reset your password.", "The link works for 30 minutes."],
        action=("Choose a new password", ACTION_URL),
        after_action=["If it wasn't you, ignore this e-mail."],
        footer="You get this because you have a VocaHire account.",
        unsubscribe_url=email.payload.get("unsubscribe"),
    )


def nothing_to_send(**_: Any) -> ComposedEmail | None:
    return None


COMPOSERS = {"hello": hello, "nothing": nothing_to_send}


# --- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_env(env: Callable[..., None]) -> Callable[..., None]:
    """Point the app at an SMTP URL ("" = the console backend), with short timeouts."""

    def configure(url: str, *, ca_file: Path | None = None, timeout: str = "1", **extra: str) -> None:
        env(
            SMTP_URL=url,
            EMAIL_FROM=SENDER,
            SMTP_TIMEOUT_SECONDS=timeout,
            SMTP_CA_FILE=str(ca_file) if ca_file else "",
            **extra,
        )

    return configure


def worker(**config: Any) -> EmailWorker:
    return EmailWorker(COMPOSERS, config=EmailWorkerConfig(**config))


def queue(kind: str = "hello", to: str = ADA, **payload: Any) -> int:
    row = in_session(outbox.enqueue, kind=kind, to=to, payload=payload)
    assert row.id is not None
    return row.id


def row(email_id: int) -> OutboundEmail:
    with session_scope() as session:
        found = session.get(OutboundEmail, email_id)
        assert found is not None
        return found


def time_travel(email_id: int) -> None:
    """The retry's wait is over (instead of sleeping for it)."""
    with session_scope() as session:
        found = session.get(OutboundEmail, email_id)
        assert found is not None
        found.next_attempt_at = utcnow() - timedelta(seconds=1)
        session.add(found)


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def unescape(value: str) -> str:
    return value.replace("&amp;", "&")


# --- delivery ------------------------------------------------------------------------------------


async def test_the_worker_delivers_a_branded_message_with_both_parts(db, smtp, mail_env):
    mail_env(smtp.url())
    email_id = queue(name="Ada <b>&", unsubscribe=UNSUBSCRIBE_URL)

    outcomes = await worker().run_once()

    assert [o.outcome for o in outcomes] == ["sent"]
    [received] = smtp.messages_to(ADA)
    message = received.message
    assert message["From"] == SENDER and message["To"] == ADA
    assert received.mail_from == "no-reply@vocahire.test"
    assert message["Subject"] == "Reset your VocaHire password"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@vocahire.test>") and message["Date"]
    assert message["List-Unsubscribe"] == f"<{UNSUBSCRIBE_URL}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"

    text, html = received.part("plain"), received.part("html")
    assert ACTION_URL in text and UNSUBSCRIBE_URL in text
    assert "VocaHire" in text and "Hi Ada <b>&, someone asked" in text
    assert [unescape(link) for link in links(html)] == [ACTION_URL, ACTION_URL, UNSUBSCRIBE_URL]
    assert "Hi Ada &lt;b&gt;&amp;, someone asked" in html and "<b>&" not in html
    assert "VocaHire" in html and "#6E56CF" in html  # the wordmark and the app's violet
    assert "<img" not in html.lower() and "url(" not in html.lower()  # no pixel, no remote image

    stored = row(email_id)
    assert stored.status == EMAIL_SENT and stored.sent_at is not None and stored.attempts == 1
    assert stored.subject == "Reset your VocaHire password"
    assert stored.text_body is None and stored.html_body is None  # a sent link doesn't stay in the database
    assert await worker().run_once() == []
    assert len(smtp.received) == 1


async def test_no_unsubscribe_headers_unless_asked(sqlite_db, smtp, mail_env):
    mail_env(smtp.url())
    queue()
    await worker().run_once()
    [received] = smtp.received
    assert received.message["List-Unsubscribe"] is None
    assert "Unsubscribe" not in received.part("plain") and "Unsubscribe" not in received.part("html")


# --- failures: retried, never lost ----------------------------------------------------------------


async def test_a_refusal_that_may_pass_is_retried_and_delivered_exactly_once(sqlite_db, smtp, mail_env):
    global composed_count
    mail_env(smtp.url())
    email_id = queue()
    composed_count = 0
    smtp.mode = "refuse_451"

    [first] = await worker().run_once()

    assert first.outcome == "retry" and "451" in first.error
    waiting = row(email_id)
    assert waiting.status == EMAIL_PENDING and waiting.attempts == 1 and "451" in (waiting.last_error or "")
    assert waiting.locked_until is None and waiting.subject is not None  # composed once, kept
    wait = waiting.next_attempt_at - utcnow()
    assert timedelta(seconds=25) < wait <= timedelta(seconds=30)
    assert await worker().run_once() == []  # not due yet
    assert smtp.received == []

    smtp.mode = "accept"
    time_travel(email_id)
    [second] = await worker().run_once()

    assert second.outcome == "sent" and second.attempt == 2
    assert len(smtp.messages_to(ADA)) == 1
    assert row(email_id).status == EMAIL_SENT
    assert composed_count == 1  # the retry sent the stored message, not a new one
    time_travel(email_id)
    assert await worker().run_once() == []


async def test_a_server_that_never_answers_times_out_and_is_retried(sqlite_db, smtp, mail_env):
    mail_env(smtp.url(), timeout="0.5")
    email_id = queue()
    smtp.mode = "hang"

    [first] = await worker().run_once()

    assert first.outcome == "retry" and "no answer" in first.error
    assert row(email_id).status == EMAIL_PENDING
    smtp.mode = "accept"
    time_travel(email_id)
    assert [o.outcome for o in await worker().run_once()] == ["sent"]
    assert len(smtp.messages_to(ADA)) == 1


async def test_a_permanent_refusal_fails_at_once_and_keeps_the_error(sqlite_db, smtp, mail_env):
    mail_env(smtp.url())
    email_id = queue()
    smtp.mode = "refuse_550"

    [outcome] = await worker().run_once()

    assert outcome.outcome == "failed"
    failed = row(email_id)
    assert failed.status == EMAIL_FAILED and failed.attempts == 1
    assert "550" in (failed.last_error or "") and "No such mailbox" in (failed.last_error or "")
    time_travel(email_id)
    assert await worker().run_once() == []


async def test_a_message_is_given_up_only_after_the_last_retry(sqlite_db, smtp, mail_env):
    mail_env(smtp.url())
    email_id = queue()
    smtp.mode = "refuse_451"
    outcomes = []
    for _ in range(outbox.MAX_ATTEMPTS):
        time_travel(email_id)
        outcomes += [o.outcome for o in await worker().run_once()]

    assert outcomes == ["retry"] * (outbox.MAX_ATTEMPTS - 1) + ["failed"]
    failed = row(email_id)
    assert failed.status == EMAIL_FAILED and "gave up after 7 attempts" in (failed.last_error or "")


# --- the server's password and TLS ---------------------------------------------------------------


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., SmtpServer]]:
    started: list[SmtpServer] = []

    def start(**kwargs: Any) -> SmtpServer:
        server = SmtpServer(cert_dir=tmp_path, **kwargs)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


async def test_the_user_and_password_in_the_url_reach_the_server(sqlite_db, server_factory, mail_env):
    user, password = "mailer@vocahire.test", "p@ss:w/rd%"
    server = server_factory(users={user: password})
    mail_env(server.url(user=quote(user, safe=""), password=quote(password, safe="")))
    queue()

    assert [o.outcome for o in await worker().run_once()] == ["sent"]
    assert server.received[0].login == user

    mail_env(server.url(user=quote(user, safe=""), password="wrong"))
    email_id = queue()
    [outcome] = await worker().run_once()
    assert outcome.outcome == "retry" and "authentication failed" in outcome.error
    assert "wrong" not in outcome.error and row(email_id).status == EMAIL_PENDING


@pytest.mark.parametrize("tls", ["starttls", "implicit"])
async def test_tls_with_the_servers_own_ca(sqlite_db, server_factory, mail_env, tls):
    server = server_factory(tls=tls, users={"u": "secret"})
    mail_env(server.url(user="u", password="secret"), ca_file=server.ca_file)
    queue()

    assert [o.outcome for o in await worker().run_once()] == ["sent"]
    assert server.received[0].tls and server.received[0].login == "u"

    mail_env(server.url(user="u", password="secret"))  # without the CA: the certificate is refused
    email_id = queue(to="bob@example.com")
    [outcome] = await worker().run_once()
    assert outcome.outcome == "retry" and "CERTIFICATE_VERIFY_FAILED" in outcome.error
    assert row(email_id).status == EMAIL_PENDING
    assert server.messages_to("bob@example.com") == []


def test_smtp_urls_say_how_to_connect():
    server = mailer.SmtpServer.from_url
    assert server("smtps://a%40b.c:p%2Fw@mail.example.com") == mailer.SmtpServer(
        "mail.example.com", 465, "a@b.c", "p/w", implicit_tls=True, start_tls=False
    )
    assert server("smtp://mail.example.com:587").start_tls is True  # submission: STARTTLS required
    assert server("smtp://mail.example.com").start_tls is None  # when offered
    assert server("smtp://mail.example.com").port == 25
    assert server("smtp://localhost:8025?starttls=1").start_tls is True
    assert server("smtp://localhost:587?starttls=0").start_tls is False
    assert "p/w" not in repr(server("smtps://a:p%2Fw@h")) and "a@h:465" in repr(server("smtps://a:p%2Fw@h"))


def test_a_wrong_smtp_url_or_sender_is_refused_at_start_up(monkeypatch):
    for name, value in [
        ("SMTP_URL", "http://mail.example.com"),
        ("SMTP_URL", "smtp://mail.example.com:nope"),
        ("EMAIL_FROM", "nobody"),
    ]:
        monkeypatch.setenv(name, value)
        with pytest.raises(SettingsError, match=name):
            load_settings()
        monkeypatch.delenv(name)
    monkeypatch.setenv("SMTP_URL", " ")
    assert load_settings().smtp_url is None


# --- without SMTP_URL, the log --------------------------------------------------------------------


async def test_without_smtp_url_the_message_and_its_link_are_logged(sqlite_db, mail_env, caplog):
    mail_env("")
    email_id = queue()
    caplog.set_level(logging.INFO, logger="vocahire.infra.mailer")

    assert [o.outcome for o in await worker().run_once()] == ["sent"]

    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "vocahire.infra.mailer")
    assert f"To: {ADA}" in logged and "Subject: Reset your VocaHire password" in logged
    assert ACTION_URL in logged and "<html" not in logged
    assert row(email_id).status == EMAIL_SENT


async def test_production_logs_keep_the_envelope_but_not_the_link(sqlite_db, mail_env, caplog):
    mail_env("", ENVIRONMENT="production", SESSION_SECRET="x" * 40, APP_URL="https://vocahire.test")
    message = to_message(
        compose(subject="Reset", heading="Reset", paragraphs=["p"], action=("Go", ACTION_URL)),
        to=ADA,
        sender=SENDER,
    )
    caplog.set_level(logging.INFO, logger="vocahire.infra.mailer")
    await mailer.send(message, get_settings())
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"To: {ADA}" in logged and "abc123" not in logged


# --- composers ------------------------------------------------------------------------------------


async def test_a_composer_with_nothing_to_send_skips_the_message(sqlite_db, smtp, mail_env):
    mail_env(smtp.url())
    email_id = queue(kind="nothing")
    assert [o.outcome for o in await worker().run_once()] == ["skipped"]
    assert row(email_id).status == EMAIL_SKIPPED and smtp.received == []


async def test_an_unknown_kind_fails_visibly(sqlite_db, smtp, mail_env):
    mail_env(smtp.url())
    email_id = queue(kind="no-such-kind")
    assert [o.outcome for o in await worker().run_once()] == ["failed"]
    assert "no-such-kind" in (row(email_id).last_error or "") and smtp.received == []


def test_compose_refuses_links_that_are_not_web_links():
    with pytest.raises(ValueError):
        compose(subject="s", heading="h", paragraphs=[], action=("Go", "javascript:alert(1)"))
    with pytest.raises(ValueError):
        compose(subject="s", heading="h", paragraphs=[], unsubscribe_url='https://x/"><script>')


# --- several workers -------------------------------------------------------------------------------


async def test_two_workers_never_send_the_same_message_twice(db, smtp, mail_env):
    mail_env(smtp.url())
    addresses = [f"user{i}@example.com" for i in range(12)]
    for address in addresses:
        queue(to=address)
    first, second = worker(batch=4), worker(batch=4)

    rounds = 0
    while True:
        a, b = await asyncio.gather(first.run_once(), second.run_once())
        rounds += 1
        if not a and not b:
            break
    assert rounds <= 3
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == sorted(addresses)
    assert len({r.message["Message-ID"] for r in smtp.received}) == len(addresses)
    assert in_session(outbox.outbox_counts) == {EMAIL_SENT: len(addresses)}


async def test_a_worker_that_died_mid_send_leaves_the_message_to_another(sqlite_db, smtp, mail_env):
    mail_env(smtp.url())
    email_id = queue()
    [claim] = in_session(outbox.claim_due, lease_seconds=60, limit=5)  # ...and then the process died
    assert await worker().run_once() == []  # held: nobody else sends it

    later = utcnow() + timedelta(seconds=61)
    [taken_over] = in_session(outbox.claim_due, lease_seconds=60, limit=5, now=later)
    assert taken_over.id == claim.id == email_id and taken_over.attempt == 2
    assert not in_session(outbox.mark_sent, claim=claim)  # the old holder can't settle it any more


# --- the app's loop --------------------------------------------------------------------------------


async def test_the_running_worker_sends_what_is_queued_and_stops_when_asked(sqlite_db, smtp, mail_env):
    mail_env(smtp.url())
    stop = asyncio.Event()
    loop = asyncio.create_task(worker(poll_seconds=0.05).run_forever(stop))
    queue()
    for _ in range(100):
        if smtp.received:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(loop, timeout=5)
    assert len(smtp.messages_to(ADA)) == 1


async def test_shutting_down_mid_send_hands_the_message_back(sqlite_db, smtp, mail_env):
    mail_env(smtp.url(), timeout="10")
    email_id = queue()
    smtp.mode = "hang"
    sending = asyncio.create_task(worker().run_once())
    await asyncio.sleep(0.5)
    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending

    handed_back = row(email_id)
    assert handed_back.status == EMAIL_PENDING and handed_back.locked_until is None
    assert handed_back.attempts == 0 and handed_back.next_attempt_at <= utcnow()
    smtp.mode = "accept"
    assert [o.outcome for o in await worker().run_once()] == ["sent"]
