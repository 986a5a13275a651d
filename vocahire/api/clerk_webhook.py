"""POST /api/webhooks/clerk: Svix-verified on the raw body, each ``svix-id`` applied exactly once.

400: bad, missing or stale signature (nothing changed); or a signed delivery that can't be applied as
     sent, not a Clerk event or an unusable user (malformed: recorded, a redelivery gets 400 again).
500: the event could not be applied; everything was rolled back and Svix will redeliver.
503: webhooks not configured, or the database is unavailable (Svix redelivers as well).
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vocahire import routes
from vocahire.api.errors import DATABASE_ERRORS, WEBHOOK_FAILED, answer, json_route
from vocahire.errors import InvalidWebhook, NotConfigured
from vocahire.services.accounts import clerk_webhooks
from vocahire.settings import get_settings

log = logging.getLogger(__name__)
# Failures retrying can't fix (400) or that wait for configuration or the database (503).
ANSWERED_BY_THE_TABLE: tuple[type[Exception], ...] = (InvalidWebhook, NotConfigured, *DATABASE_ERRORS)


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > clerk_webhooks.MAX_BODY_BYTES:
        raise InvalidWebhook("The webhook body is too large.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > clerk_webhooks.MAX_BODY_BYTES:
            raise InvalidWebhook("The webhook body is too large.")
    return body


@json_route
async def clerk_webhook(request: Request) -> Response:
    settings = get_settings()
    # InvalidWebhook (400) and NotConfigured (503) are answered by the error table.
    body = await _read_body(request)
    event = await clerk_webhooks.receive_event(settings, body, request.headers)
    try:
        outcome = await clerk_webhooks.process_event(settings, event)
    except ANSWERED_BY_THE_TABLE:
        raise  # 400 (malformed: retrying can't help) / 503 through the error table
    except Exception:
        log.exception("clerk webhook %s (%s) failed and was rolled back", event.id, event.type)
        return answer(request, WEBHOOK_FAILED)
    return JSONResponse({"received": True, "result": outcome.result, "id": outcome.event_id})


def clerk_webhook_routes() -> list[Route]:
    return [Route(routes.API_CLERK_WEBHOOK, clerk_webhook, methods=["POST"])]
