"""The site-wide "temporarily unavailable, reconnecting…" banner: a wrapper around
``assets/service_status.jsx``.

It renders nothing until the server says the app's Redis is away (``vocahire/state/availability.py``
sends the browser events named here), then shows until Redis answers again and asks the page to load
its data again (``ResumeState.resume``).
"""

from __future__ import annotations

from typing import Annotated, Any

import reflex as rx

from vocahire import routes
from vocahire.state.availability import AVAILABLE_EVENT, UNAVAILABLE_EVENT, ResumeState

_JS = rx.asset("service_status.jsx")
DictEvent = rx.event.passthrough_event_spec(dict[str, Any])

HEADING = "VocaHire is temporarily unavailable. Reconnecting…"
DETAIL = "Stay on this page: it carries on by itself as soon as we're back."


class ServiceStatus(rx.Component):
    """``<ServiceStatus>``: the banner; the texts and the browser events' names come from here."""

    library = _JS.importable_path
    tag = "ServiceStatus"

    ready_url: rx.Var[str]
    unavailable_event: rx.Var[str]
    available_event: rx.Var[str]
    heading: rx.Var[str]
    detail: rx.Var[str]

    # What ``rx.EventHandler[DictEvent]`` evaluates to, spelled so mypy reads it too (see clerk.py).
    on_recovered: Annotated[rx.EventHandler, DictEvent]


def service_status_banner() -> rx.Component:
    return ServiceStatus.create(
        ready_url=routes.API_READY,
        unavailable_event=UNAVAILABLE_EVENT,
        available_event=AVAILABLE_EVENT,
        heading=HEADING,
        detail=DETAIL,
        on_recovered=ResumeState.resume,
    )
