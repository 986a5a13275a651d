"""A candidate downloads their data, deletes their account, and can't sign in again (built-in accounts,
Chromium)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from tests.e2e.conftest import shot, sign_up, wait_hydrated
from tests.utils.interviews import make_interview
from vocahire.infra.database import in_session
from vocahire.models import CreditLedgerEntry, TranscriptEntry, User

pytestmark = pytest.mark.e2e

EMAIL = "leaving-e2e@example.com"
OTHER = "staying-e2e@example.com"


def _user_id(email: str) -> int:
    return in_session(
        lambda *, session: session.execute(select(User.id).where(User.email == email)).scalar_one()
    )


def _transcript_lines(user_id: int) -> int:
    return in_session(
        lambda *, session: session.execute(
            text(
                "SELECT count(*) FROM transcript_entries t JOIN interview_sessions s ON s.id = t.session_id "
                "WHERE s.user_id = :u"
            ),
            {"u": user_id},
        ).scalar_one()
    )


def test_download_my_data_then_delete_my_account(page, app_db, browser):
    # Someone else's interview is in the same database: it must neither show up nor go away.
    other = browser.new_context(base_url=app_db.url).new_page()
    sign_up(other, OTHER, name="Grace Hopper")
    other.context.close()
    make_interview(_user_id(OTHER), job_title="Compiler Engineer", queue=False)

    sign_up(page, EMAIL, name="Ada Lovelace")
    user_id = _user_id(EMAIL)
    make_interview(user_id, job_title="Analytical Engineer", queue=False)
    assert _transcript_lines(user_id) > 0

    page.goto("/account")
    wait_hydrated(page)
    page.wait_for_selector("#account-email")
    assert page.locator("#account-email").inner_text() == EMAIL
    assert page.locator("#account-balance").inner_text() == "3.00"
    shot(page, "account-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    shot(page, "account-phone")
    page.emulate_media(color_scheme="dark")
    shot(page, "account-phone-dark")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 900})

    with page.expect_download() as info:
        page.click("#download-my-data")
    download = info.value
    assert download.suggested_filename.startswith(
        "vocahire-my-data-"
    ) and download.suggested_filename.endswith(".json")
    with open(download.path(), encoding="utf-8") as f:
        data = json.loads(f.read())
    assert data["profile"]["email"] == EMAIL and data["profile"]["name"] == "Ada Lovelace"
    assert [i["job_title"] for i in data["interviews"]] == ["Analytical Engineer"]
    assert data["interviews"][0]["transcript"]
    assert [e["kind"] for e in data["credit_ledger"]] == ["grant"]
    raw = json.dumps(data)
    assert OTHER not in raw and "Compiler Engineer" not in raw

    page.click("#delete-account")
    page.wait_for_selector("#delete-confirmation")
    assert page.locator("#delete-account-confirm").is_disabled()
    page.fill("#delete-confirmation", "delete")
    assert page.locator("#delete-account-confirm").is_disabled()  # the exact word, nothing less
    page.fill("#delete-confirmation", "DELETE")
    page.wait_for_function("!document.querySelector('#delete-account-confirm').disabled")
    shot(page, "account-delete-dialog")
    page.click("#delete-account-confirm")
    page.wait_for_url(lambda url: "/account" not in url, timeout=30_000)
    wait_hydrated(page)
    page.wait_for_selector("#account-deleted-notice")  # the home page says what just happened
    shot(page, "account-deleted-signed-out")

    # Nothing of what they said remains; the ledger stays, anonymous; the other candidate is untouched.
    assert _transcript_lines(user_id) == 0
    row = in_session(lambda *, session: session.get(User, user_id))
    assert row.email == f"deleted-{user_id}@deleted.invalid" and row.deleted_at is not None
    assert (
        in_session(
            lambda *, session: session.execute(
                select(func.count())
                .select_from(CreditLedgerEntry)
                .where(CreditLedgerEntry.user_id == user_id)
            ).scalar_one()
        )
        == 1
    )
    assert _transcript_lines(_user_id(OTHER)) > 0

    # Signed out, and the old password no longer opens anything.
    page.goto("/account")
    page.wait_for_url("**/sign-in**")
    page.fill("#field-email", EMAIL)
    page.fill("#field-password", "correct-horse-42")
    page.click("#sign-in-submit")
    page.wait_for_selector("#auth-error")
    assert "Wrong e-mail or password" in page.locator("#auth-error").inner_text()
    shot(page, "account-deleted-cannot-sign-in")
    assert (
        in_session(
            lambda *, session: session.execute(select(func.count()).select_from(TranscriptEntry)).scalar_one()
        )
        > 0
    )  # the other's


# --- the same story under Clerk ---
# (a fake Clerk instance: ClerkJS stand-in, hosted pages, JWKS, Backend API)


@pytest.fixture(scope="module")
def clerk_fake():
    from tests.fakes.clerk_jwks import running_fake_clerk

    with running_fake_clerk() as fake:
        yield fake


@pytest.fixture(scope="module")
def clerk_app(e2e_app_factory, clerk_fake):
    return e2e_app_factory(**clerk_fake.e2e_env())


@pytest.fixture
def clerk_db(clerk_app, monkeypatch):
    from tests.conftest import refresh_settings

    monkeypatch.setenv("DATABASE_URL", clerk_app.database_url)
    refresh_settings()
    yield clerk_app
    monkeypatch.undo()
    refresh_settings()


def test_clerk_sign_in_download_delete_and_no_way_back(browser, clerk_app, clerk_fake, clerk_db):
    ada = clerk_fake.add_user(email="ada-clerk-e2e@example.com")
    clerk_fake.hosted_user = ada["id"]
    context = browser.new_context(base_url=clerk_app.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)

    # A signed-out visitor of a protected page goes to Clerk's hosted sign-in and comes back.
    page.goto("/account")
    page.wait_for_selector("#fake-clerk-sign-in")
    assert page.url.startswith(clerk_fake.base_url + "/sign-in?redirect_url=")
    page.click("#fake-clerk-continue")
    page.wait_for_url("**/account**")
    wait_hydrated(page)
    page.wait_for_selector("#account-email")
    assert page.locator("#account-email").inner_text() == "ada-clerk-e2e@example.com"
    assert page.locator("#account-balance").inner_text() == "3.00"
    assert "Clerk" in page.inner_text("body")
    shot(page, "account-clerk")

    # Signing out from the menu signs out of Clerk as well: the still-live Clerk session mustn't sign them
    # back in.
    page.click("#user-menu")
    page.get_by_text("Sign out").click()
    page.wait_for_url(clerk_app.url + "/")  # the home page, not Clerk's sign-in
    wait_hydrated(page)
    assert page.evaluate("window.localStorage.getItem('fakeClerkUser')") is None
    assert page.locator("#user-menu").count() == 0
    page.goto("/dashboard", wait_until="commit")  # the app moves on to Clerk's page by itself
    page.wait_for_selector("#fake-clerk-sign-in")  # sent to sign in again, not let in
    page.click("#fake-clerk-continue")
    page.wait_for_url("**/dashboard**")
    page.goto("/account")
    page.wait_for_selector("#account-email")

    with page.expect_download() as info:
        page.click("#download-my-data")
    with open(info.value.path(), encoding="utf-8") as f:
        data = json.loads(f.read())
    assert (
        data["profile"]["email"] == "ada-clerk-e2e@example.com"
        and data["profile"]["sign_in_method"] == "Clerk"
    )

    page.click("#delete-account")
    page.fill("#delete-confirmation", "DELETE")
    page.wait_for_function("!document.querySelector('#delete-account-confirm').disabled")
    page.click("#delete-account-confirm")
    page.wait_for_url(lambda url: "/account" not in url, timeout=30_000)
    wait_hydrated(page)
    assert page.evaluate("window.localStorage.getItem('fakeClerkUser')") is None  # signed out of Clerk too
    assert clerk_fake.requests_to(f"/v1/users/{ada['id']}", "DELETE")  # the Clerk user is gone as well
    assert (
        in_session(
            lambda *, session: session.execute(
                select(func.count()).select_from(User).where(User.email.like("%ada-clerk%"))
            ).scalar_one()
        )
        == 0
    )

    # A Clerk session still open elsewhere for the deleted person: refused, explained, no new account.
    page.goto(f"/sign-in?__fake_clerk_user={ada['id']}")
    page.wait_for_selector("#clerk-error")
    assert "deleted" in page.locator("#clerk-error").inner_text()
    shot(page, "account-clerk-deleted-cannot-sign-in")
    page.goto("/dashboard")
    page.wait_for_url("**/sign-in**")
    context.close()
