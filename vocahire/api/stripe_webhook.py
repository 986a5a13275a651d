"""POST /api/webhooks/stripe: verified on the raw body, applied exactly once, answered fast.

400: bad, missing or stale signature, or a body that isn't a Stripe event (nothing changed); or a
     signed event that can't be applied as sent (malformed: recorded, so a redelivery gets 400 again).
500: the event could not be applied; everything was rolled back and Stripe will redeliver.
503: payments not configured (webhook secret or API key missing), or the database is unavailable
     (Stripe redelivers as well).
"""

from __future__ import annotations

import logging

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vocahire import routes
from vocahire.api.errors import DATABASE_ERRORS, WEBHOOK_FAILED, answer, json_route
from vocahire.errors import InvalidWebhook, NotConfigured
from vocahire.services import billing
from vocahire.services.billing.webhooks import MAX_BODY_BYTES
from vocahire.settings import get_settings

log = logging.getLogger(__name__)
# Failures retrying can't fix (400) or that wait for configuration or the database (503).
ANSWERED_BY_THE_TABLE: tuple[type[Exception], ...] = (InvalidWebhook, NotConfigured, *DATABASE_ERRORS)


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise InvalidWebhook("The webhook body is too large.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise InvalidWebhook("The webhook body is too large.")
    return body


@json_route
async def stripe_webhook(request: Request) -> Response:
    settings = get_settings()
    # InvalidWebhook (400) and PaymentsNotConfigured (503) are answered by the error table.
    payload = await _read_body(request)
    event = await anyio.to_thread.run_sync(
        billing.receive_event, settings, payload, request.headers.get("stripe-signature")
    )
    try:
        outcome = await anyio.to_thread.run_sync(billing.process_event, settings, event)
    except ANSWERED_BY_THE_TABLE:
        raise  # 400 (malformed: retrying can't help) / 503 through the error table
    except Exception:
        log.exception("stripe webhook %s (%s) failed and was rolled back", event.id, event.type)
        return answer(request, WEBHOOK_FAILED)
    return JSONResponse({"received": True, "result": outcome.result, "id": outcome.event_id})


def stripe_webhook_routes() -> list[Route]:
    return [Route(routes.API_STRIPE_WEBHOOK, stripe_webhook, methods=["POST"])]
