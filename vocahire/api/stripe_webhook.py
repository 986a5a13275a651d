"""POST /api/webhooks/stripe: verified on the raw body, applied exactly once, answered fast.

400: bad, missing or stale signature, or a body that isn't a Stripe event (nothing changed).
500: the event could not be applied; everything was rolled back and Stripe will redeliver.
503: webhooks not configured, or the database is unavailable (Stripe redelivers as well).
"""

from __future__ import annotations

import logging

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vocahire import routes
from vocahire.api.errors import WEBHOOK_FAILED, answer, json_route
from vocahire.errors import InvalidWebhook
from vocahire.infra.database import DatabaseUnavailable
from vocahire.services import billing
from vocahire.services.billing.webhooks import MAX_BODY_BYTES
from vocahire.settings import get_settings

log = logging.getLogger(__name__)


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
    event = billing.verify_and_parse(
        payload, request.headers.get("stripe-signature"), settings.stripe_webhook_secret
    )
    try:
        outcome = await anyio.to_thread.run_sync(billing.process_event, settings, event)
    except DatabaseUnavailable:
        raise  # 503 through the error table: Stripe redelivers
    except Exception:
        log.exception("stripe webhook %s (%s) failed and was rolled back", event.id, event.type)
        return answer(request, WEBHOOK_FAILED)
    return JSONResponse({"received": True, "result": outcome.result, "id": outcome.event_id})


def stripe_webhook_routes() -> list[Route]:
    return [Route(routes.API_STRIPE_WEBHOOK, stripe_webhook, methods=["POST"])]
