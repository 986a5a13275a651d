"""GET /api/admin/interview-costs.csv?start=YYYY-MM-DD&end=YYYY-MM-DD: the per-interview model costs.

Admins only: who is asking comes from ``identify()`` (the session cookie or a Bearer token), like every
route; anonymous callers get 401, signed-in non-admins 403, a wrong range 422.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from vocahire import routes
from vocahire.api.errors import json_route
from vocahire.errors import Forbidden
from vocahire.infra.database import run_db
from vocahire.services.accounts.identity import Credential, require_user
from vocahire.services.admin import economics
from vocahire.services.admin.usage import default_range, parse_range


@json_route
async def interview_costs_csv(request: Request) -> Response:
    """One CSV row per interview started in the range (default: the last 30 days)."""
    user = await require_user(Credential.from_headers(request.headers))
    if not user.is_admin:
        raise Forbidden("The interview costs are for administrators only.")
    start, end = request.query_params.get("start"), request.query_params.get("end")
    date_range = parse_range(start, end) if (start or end) else default_range()
    body = await run_db(economics.interview_costs_csv, date_range=date_range)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{economics.csv_filename(date_range)}"',
            "Cache-Control": "no-store",
        },
    )


def admin_routes() -> list[Route]:
    return [Route(routes.API_ADMIN_INTERVIEW_COSTS, interview_costs_csv, methods=["GET"])]
