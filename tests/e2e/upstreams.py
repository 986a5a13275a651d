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
