"""The one-click unsubscribe link of notification e-mails (RFC 8058).

Mail providers POST ``List-Unsubscribe=One-Click`` to the URL in the ``List-Unsubscribe`` header,
from their own servers (no Origin, no cookie): the signed token in the URL is the whole authority.
The same URL is the e-mail's visible "Unsubscribe" link: a GET (a person's click, or a mail scanner)
changes nothing and is sent to the page that asks to confirm, whose button posts here.
"""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from vocahire import routes
from vocahire.errors import InvalidLink
from vocahire.infra.database import in_session
from vocahire.services.accounts import lifecycle
from vocahire.settings import get_settings


async def unsubscribe(request: Request) -> Response:
    settings = get_settings()
    raw = str(request.query_params.get("token", ""))[:200]
    from_page = request.query_params.get("from") == "page"
    try:
        await anyio.to_thread.run_sync(lambda: in_session(lifecycle.unsubscribe, settings=settings, raw=raw))
    except InvalidLink as exc:
        if from_page:
            return RedirectResponse(routes.unsubscribe_url(raw, error="invalid_link"), status_code=303)
        return JSONResponse({"error": {"code": "invalid_link", "message": exc.message}}, status_code=400)
    if from_page:
        return RedirectResponse(routes.unsubscribe_url(raw, done="1"), status_code=303)
    return JSONResponse({"unsubscribed": True})


async def unsubscribe_page(request: Request) -> Response:
    raw = str(request.query_params.get("token", ""))[:200]
    return RedirectResponse(routes.unsubscribe_url(raw), status_code=303)


def email_routes() -> list[Route]:
    return [
        Route(routes.API_UNSUBSCRIBE, unsubscribe, methods=["POST"]),
        Route(routes.API_UNSUBSCRIBE, unsubscribe_page, methods=["GET"]),
    ]
