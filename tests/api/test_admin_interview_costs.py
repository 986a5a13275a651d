"""GET /api/admin/interview-costs.csv: admins download the per-interview model costs; nobody else does."""

from __future__ import annotations

import csv
import io

from tests.utils.users import make_user, session_cookie_for
from vocahire.infra.database import in_session
from vocahire.models import InterviewSession, utcnow
from vocahire.services.admin.economics import CSV_COLUMNS
from vocahire.services.interviews import usage
from vocahire.settings import get_settings

ROUTE = "/api/admin/interview-costs.csv"


def _interview_with_usage(user_id: int) -> str:
    def add(*, session) -> str:
        row = InterviewSession(
            user_id=user_id, job_title="Engineer", status="completed", duration_seconds=600
        )
        session.add(row)
        session.flush()
        return row.id

    interview_id = in_session(add)
    report = usage.UsageReport("realtime", "resp_1", "gpt-realtime-mini", {"audio_output": 1000})
    in_session(usage.record_usage, interview_id=interview_id, reports=[report], settings=get_settings())
    return interview_id


def test_an_admin_downloads_the_rows_as_csv(api_client, env):
    env(ADMIN_EMAILS="boss@example.com")
    admin = make_user("boss@example.com", verified=True)
    interview_id = _interview_with_usage(make_user("cand@example.com").id)
    today = utcnow().date().isoformat()
    answer = api_client.get(
        ROUTE, params={"start": today, "end": today}, cookies=session_cookie_for(admin.id)
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert (
        f'filename="vocahire-interview-costs-{today}-to-{today}.csv"' in answer.headers["content-disposition"]
    )
    assert answer.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [(r["interview_id"], r["realtime_model"], r["total_cost_usd"]) for r in rows] == [
        (interview_id, "gpt-realtime-mini", "0.020000")  # 1000 audio tokens at 20 USD per 1M
    ]
    assert rows[0]["audio_output"] == "1000" and rows[0]["paid_with"] == "included"  # no credit taken


def test_nobody_else_gets_the_rows(api_client, env):
    env(ADMIN_EMAILS="boss@example.com")
    candidate = make_user("cand@example.com")
    _interview_with_usage(candidate.id)
    assert api_client.get(ROUTE).status_code == 401
    refused = api_client.get(ROUTE, cookies=session_cookie_for(candidate.id))
    assert refused.status_code == 403 and "gpt-realtime" not in refused.text
    unverified = make_user("boss@example.com")  # the admin's address, never verified: no admin role
    assert api_client.get(ROUTE, cookies=session_cookie_for(unverified.id)).status_code == 403


def test_a_wrong_range_is_refused(api_client, env):
    env(ADMIN_EMAILS="boss@example.com")
    admin = make_user("boss@example.com", verified=True)
    answer = api_client.get(
        ROUTE, params={"start": "2026-12-10", "end": "2026-12-01"}, cookies=session_cookie_for(admin.id)
    )
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_input"
