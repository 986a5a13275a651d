"""GET /api/account/export: the signed-in candidate's own data as a JSON file.

Who is asking comes from the session credential (the built-in cookie, Clerk's
``__session`` cookie, or a Bearer token), checked by ``identify()`` like everywhere else.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vocahire import routes
from vocahire.api.errors import json_route
from vocahire.infra.database import run_db
from vocahire.services.accounts import user_data
from vocahire.services.accounts.identity import Credential, require_user


@json_route
async def export_my_data(request: Request) -> Response:
    """The caller's own data as a JSON download (401 when signed out)."""
    user = await require_user(Credential.from_headers(request.headers))
    data = await run_db(user_data.export_user_data, user_id=user.id)
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
