"""GET /api/account/export: the signed-in candidate's own data as a JSON file.

Who is asking comes from the session credential (the built-in cookie, Clerk's
``__session`` cookie, or a Bearer token), verified here like everywhere else.
"""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vocahire import routes
from vocahire.api.errors import json_route
from vocahire.infra.database import run_db
from vocahire.services.accounts import user_data
from vocahire.services.accounts import users as accounts
from vocahire.services.accounts.identity import credential_from, parse_cookie_header, verify_credential
from vocahire.settings import get_settings


def _export_for_identity(*, session: object, provider: str, subject: str) -> dict:
    user = accounts.user_for_identity(session=session, provider=provider, subject=subject)  # type: ignore[arg-type]
    assert user.id is not None
    return user_data.export_user_data(session=session, user_id=user.id)  # type: ignore[arg-type]


@json_route
async def export_my_data(request: Request) -> Response:
    settings = get_settings()
    token = credential_from(
        parse_cookie_header(request.headers.get("cookie")), request.headers.get("authorization"), settings
    )
    # Clerk verification may fetch the JWKS: keep it off the event loop.
    provider, subject = await anyio.to_thread.run_sync(verify_credential, token, settings)
    data = await run_db(_export_for_identity, provider=provider, subject=subject)
    return Response(
        user_data.export_json(data),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{user_data.export_filename()}"',
            "Cache-Control": "no-store",
        },
    )


def account_routes() -> list[Route]:
    return [Route(routes.API_ACCOUNT_EXPORT, export_my_data, methods=["GET"])]
