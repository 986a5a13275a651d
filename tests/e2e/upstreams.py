"""Local fakes of the upstreams that the e2e app is pointed at (started once per test session).

Each entry of ``STARTERS`` takes an ``ExitStack`` (to register its shutdown) and
returns ``(name, handle, env)``: ``handle`` is the fake's object (tests read what
the app sent from it), ``env`` the settings that point the app at it. Add a
starter here for a new fake; keep the fake itself in ``tests/fakes/``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

Starter = Callable[[ExitStack], tuple[str, Any, dict[str, str]]]

STARTERS: list[Starter] = []


def _start_stripe(stack: ExitStack) -> tuple[str, Any, dict[str, str]]:
    """The fake Stripe API with the five prices; the app's Stripe settings (keys, webhook secret, price ids)
    point at it."""
    from tests.fakes.stripe_api import running_fake_stripe
    from tests.utils.stripe import stripe_settings

    fake = stack.enter_context(running_fake_stripe())
    return "stripe", fake, stripe_settings(fake)


STARTERS.append(_start_stripe)


def _start_smtp(stack: ExitStack) -> tuple[str, Any, dict[str, str]]:
    """A real SMTP server in the test process: every e-mail the app sends lands in it (``messages_to``)."""
    from tests.utils.smtp_server import SmtpServer

    server = SmtpServer()
    server.start()
    stack.callback(server.stop)
    return "smtp", server, {"SMTP_URL": server.url(), "SMTP_TIMEOUT_SECONDS": "5"}


STARTERS.append(_start_smtp)
