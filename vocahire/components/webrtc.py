"""The live-interview WebRTC component: a thin Reflex wrapper around ``assets/webrtc_interview.jsx``.

The JSX owns the microphone, the peer connection, the ``oai-events`` data channel
and everything that changes many times a second (partial line, who is speaking,
audio levels, the clock), and it shows the transcript: the lines saved before the
page loaded (which it reads from ``lines_url``, the owner-only
``routes.API_INTERVIEW_LINES``: the page's state never holds the transcript while the
call is live) followed by each final line as soon as it is final, in the
conversation's order. It calls three event props, each with one plain dict
that the state validates with pydantic before use: ``on_status`` (connection
state changes), ``on_lines`` (batched final lines, acknowledged by sequence
number through ``ack_seq``; ``server_records`` says the server had every line of the last batch already,
from its own record of the call, so batches go out less often) and ``on_ended``.
"""

from __future__ import annotations

from typing import Annotated, Any

import reflex as rx

_JS = rx.asset("webrtc_interview.jsx")
DictEvent = rx.event.passthrough_event_spec(dict[str, Any])


class WebRTCInterview(rx.Component):
    """``<WebRTCInterview>``: one live interview's call in the browser."""

    library = _JS.importable_path
    tag = "WebRTCInterview"

    session_id: rx.Var[str]
    exchange_url: rx.Var[str]
    status: rx.Var[str]
    auto_start: rx.Var[bool]
    limit_seconds: rx.Var[int]
    elapsed_seconds: rx.Var[float]
    lines_url: rx.Var[str]
    ack_seq: rx.Var[int]
    server_records: rx.Var[bool]

    # What ``rx.EventHandler[DictEvent]`` evaluates to, spelled so mypy reads it too (see clerk.py).
    on_status: Annotated[rx.EventHandler, DictEvent]
    on_lines: Annotated[rx.EventHandler, DictEvent]
    on_ended: Annotated[rx.EventHandler, DictEvent]


webrtc_interview = WebRTCInterview.create
