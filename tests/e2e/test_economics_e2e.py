"""An interview against the local Realtime fake shows what it cost on /admin/usage, and in the CSV.

The build is the shared ``live_app``: its OpenAI is the Realtime fake, whose ``response.done`` and
transcriptions carry GA usage that the sideband records.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from tests.e2e.conftest import LiveApp, shot, sign_up, signed_in_context, wait_hydrated
from tests.e2e.test_interview_e2e import WAIT_MS, new_page, start_interview, wait_for
from tests.fakes.openai_realtime import CANDIDATE_LINES, INTERVIEWER_LINES
from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.models import User
from vocahire.services.admin import economics
from vocahire.services.admin.usage import default_range
from vocahire.services.interviews import usage
from vocahire.settings import get_settings
from vocahire.state.admin_economics_views import usd

pytestmark = pytest.mark.e2e
ADMIN = "a11y-admin@example.com"  # the live_app's ADMIN_EMAILS


def admin_id() -> int:
    found = in_session(
        lambda *, session: session.execute(select(User.id).where(User.email == ADMIN)).scalar()
    )
    return found if found is not None else make_user(ADMIN, name="Admin", verified=True).id


@pytest.fixture
def admin_page(browser: Any, live_app_db: LiveApp) -> Iterator[Any]:
    context = signed_in_context(browser, live_app_db.app, admin_id())
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    yield page
    context.close()


def test_an_interviews_cost_shows_on_the_admin_page(
    browser: Any, live_app_db: LiveApp, admin_page: Any
) -> None:
    fake = live_app_db.realtime
    fake.candidate_turns = 1
    page = new_page(browser, live_app_db.app)
    sign_up(page, "economics@example.com")
    interview_id = start_interview(page, "Data Engineer")
    page.wait_for_selector(f"#transcript :text('{CANDIDATE_LINES[0][:30]}')")
    page.wait_for_selector(f"#transcript :text('{INTERVIEWER_LINES[1][:30]}')")
    page.click("#end-button")
    page.click("#confirm-end")
    page.wait_for_selector("#ended-panel")
    page.context.close()

    # The sideband recorded each response and the transcription, priced by the settings' table.
    cost = lambda: in_session(usage.interview_cost_nanousd, interview_id=interview_id)  # noqa: E731
    settings = get_settings()

    def events(source: str, model: str) -> int:
        lines = {(u.source, u.model): u for u in in_session(usage.interview_usage, interview_id=interview_id)}
        return lines[(source, model)].events if (source, model) in lines else 0

    # the greeting's response.done at least (the second reply may be cut by the hang-up), and the answer's
    assert wait_for(lambda: events("realtime", settings.realtime_model) >= 1, 15)
    assert wait_for(lambda: events("transcription", settings.realtime_transcription_model) == 1, 15)
    assert cost() > 0

    admin = admin_page
    admin.goto("/admin/usage")
    wait_hydrated(admin)
    admin.wait_for_selector("#economics #cost-by-model")
    report = in_session(economics.economics_report, date_range=default_range(), settings=settings)
    realtime_row = next(s for s in report.by_model if s.model == settings.realtime_model)
    table = admin.locator("#cost-by-model").inner_text()
    assert settings.realtime_model in table and usd(realtime_row.total) in table
    assert admin.locator("#econ-model-cost").inner_text() == usd(report.overall.total)
    assert admin.locator("#econ-median").inner_text() == usd(report.overall.median, 4)
    admin.locator("#economics").scroll_into_view_if_needed()
    shot(admin, "admin-economics")

    # The CSV behind the page's link has this interview's row, with its cost.
    href = admin.locator("#economics-csv").get_attribute("href")
    answer = admin.request.get(href)
    assert answer.status == 200
    rows = {r["interview_id"]: r for r in csv.DictReader(io.StringIO(answer.text()))}
    mine = rows[interview_id]
    assert Decimal(mine["total_cost_usd"]) == usage.to_usd(cost()).quantize(Decimal("0.000001"))
    assert mine["realtime_model"] == settings.realtime_model and int(mine["audio_output"]) > 0
