"""Socket.IO's websocket reaches Reflex's own app without the API's layers; HTTP still passes them all.

A layer a connection passes stays on the stack for as long as the connection lives, so every live tab
used to hold a dozen frames of layers that only ever passed it through (issue 19, memory per tab).
"""

from __future__ import annotations

import sys

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from vocahire.api import api_transformers, harden

API_LAYER_FILES = ("vocahire/api/middleware.py", "vocahire/api/cors.py", "starlette/middleware/")


def _compose(reflex_app: Starlette) -> object:
    """What Reflex does with ``api_transformer`` (mount a Starlette, call anything else), then ``harden``
    as ``VocaHireApp.__call__`` does."""
    asgi: object = reflex_app
    for transformer in api_transformers():
        if isinstance(transformer, Starlette):
            transformer.mount("", asgi)  # type: ignore[arg-type]
            asgi = transformer
        else:
            asgi = transformer(asgi)  # type: ignore[arg-type]
    return harden(asgi)  # type: ignore[arg-type]


def _layers_on_stack() -> list[str]:
    frame, out = sys._getframe(), []
    while frame is not None:
        name = frame.f_code.co_filename.replace("\\", "/")
        out.extend(name for layer in API_LAYER_FILES if layer in name)
        frame = frame.f_back
    return out


def test_a_websocket_skips_the_api_layers_and_http_still_gets_them(db):
    seen: dict[str, list[str]] = {}

    async def events(ws: WebSocket) -> None:
        seen["websocket"] = _layers_on_stack()
        await ws.accept()
        await ws.send_text(await ws.receive_text())
        await ws.close()

    async def ping(request: object) -> PlainTextResponse:
        seen["http"] = _layers_on_stack()
        return PlainTextResponse("pong")

    def talk(client: TestClient) -> None:
        with client.websocket_connect("/_event") as ws:
            ws.send_text("hello")
            assert ws.receive_text() == "hello"

    reflex_app = Starlette(routes=[WebSocketRoute("/_event", events), Route("/ping", ping)])
    with TestClient(reflex_app) as alone:
        talk(alone)
    reflex_own_layers = seen.pop("websocket")  # Reflex's own app has Starlette's error layers
    with TestClient(_compose(reflex_app), base_url="http://localhost:3000") as client:  # type: ignore[arg-type]
        talk(client)
        assert seen["websocket"] == reflex_own_layers
        assert not any("vocahire/api/" in f for f in seen["websocket"])

        page = client.get("/ping")
        assert page.text == "pong"
        assert page.headers["x-request-id"] and page.headers["x-content-type-options"] == "nosniff"
        assert any("vocahire/api/middleware.py" in f for f in seen["http"])

        api = client.get("/api/health")
        assert api.status_code in (200, 503) and api.headers["x-request-id"]
        assert api.headers["content-security-policy"]
