"""The account page's data and download, and the Clerk hand-over from the browser, as clients call them."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import reflex as rx
from sqlalchemy import func, select

from tests.fakes.clerk_jwks import running_fake_clerk
from tests.utils.interviews import make_interview
from tests.utils.states import call, state_for
from tests.utils.users import make_user, session_cookie_for
from vocahire.infra import clerk
from vocahire.infra.database import in_session
from vocahire.models import User
from vocahire.services.accounts.identity import identify
from vocahire.state.account import AccountState
from vocahire.state.clerk_session import ClerkSessionState
from vocahire.state.session import SessionState

EXPORT = "/api/account/export"


@pytest.fixture
def fake(db, env):
    with running_fake_clerk() as fake:
        env(**fake.settings_env())
        clerk.reset_caches()
        yield fake
    clerk.reset_caches()


def user_count() -> int:
    return in_session(lambda *, session: session.execute(select(func.count()).select_from(User)).scalar_one())


# --- download my data -----------------------------------------------------------------------------


def test_the_download_is_a_json_file_of_the_callers_own_data(api_client):
    ada, eve = make_user("ada@example.com"), make_user("eve@example.com", name="Eve")
    make_interview(ada.id, job_title="Staff Engineer", queue=False)
    make_interview(eve.id, job_title="Data Scientist", queue=False)

    api_client.cookies.update(session_cookie_for(ada.id))
    resp = api_client.get(EXPORT)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.headers["content-disposition"].startswith('attachment; filename="vocahire-my-data-')
    assert resp.headers["cache-control"] == "no-store"
    data = resp.json()
    assert data["profile"]["email"] == "ada@example.com"
    assert [i["job_title"] for i in data["interviews"]] == ["Staff Engineer"]
    assert "Data Scientist" not in resp.text and "eve@example.com" not in resp.text


def test_the_download_needs_a_valid_session(api_client):
    make_user("ada@example.com")
    resp = api_client.get(EXPORT)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "unauthenticated"
    api_client.cookies.update({"vh_session": "forged.token.value"})
    assert api_client.get(EXPORT).status_code == 401
    assert api_client.get(EXPORT, headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_under_clerk_the_download_takes_the_clerk_session(api_client, fake):
    clerk_id = fake.add_user(email="ada@example.com")["id"]
    resp = api_client.get(EXPORT, headers={"Authorization": f"Bearer {fake.mint(clerk_id)}"})
    assert resp.status_code == 200 and resp.json()["profile"]["email"] == "ada@example.com"
    api_client.cookies.update({"__session": fake.mint(clerk_id)})
    assert api_client.get(EXPORT).json()["profile"]["sign_in_method"] == "Clerk"
    api_client.cookies.update({"__session": fake.mint(clerk_id, lifetime=-60)})
    assert api_client.get(EXPORT).status_code == 401


def test_built_in_forms_are_closed_when_clerk_signs_people_in(api_client, fake):
    resp = api_client.post(
        "/api/auth/sign-up", data={"email": "ada@example.com", "password": "correct-horse-42"}
    )
    assert resp.status_code == 303 and "error=clerk_only" in resp.headers["location"]
    assert user_count() == 0


# --- the account page -----------------------------------------------------------------------------


def test_the_account_page_shows_the_callers_profile_and_balance(db):
    ada = make_user("ada@example.com", name="Ada")
    make_interview(ada.id, queue=False)
    state = state_for(AccountState, ada.id)
    asyncio.run(call(state, "load"))
    assert state.error == ""
    assert (
        state.profile["email"],
        state.profile["name"],
        state.profile["credits"],
        state.profile["interviews"],
    ) == ("ada@example.com", "Ada", "3.00", 1)
    assert state.profile["sign_in_method"] == "E-mail and password" and state.profile["premium"] is False

    stranger = state_for(AccountState)
    asyncio.run(call(stranger, "load"))
    assert stranger.error and stranger.profile["email"] == ""


def test_the_confirmation_word_arms_the_delete_button_only(db):
    state = state_for(AccountState, make_user().id)
    for junk in (None, 42, ["DELETE"], "delete", "x" * 1000):
        asyncio.run(call(state, "set_confirmation", junk))
        assert not state.can_delete
    asyncio.run(call(state, "set_confirmation", "DELETE"))
    assert state.can_delete


# --- the Clerk hand-over --------------------------------------------------------------------------


def clerk_client(path: str = "/dashboard", query: str = "") -> ClerkSessionState:
    state = state_for(ClerkSessionState)
    state.parent_state._update_router_vars(
        {"pathname": path, "asPath": path + query, "headers": {"cookie": ""}}, {}
    )
    return state


def report(state: ClerkSessionState, payload: Any) -> list[Any]:
    return asyncio.run(call(state, "on_report", payload))


def redirect_target(event: Any) -> str:
    args = {name._js_expr: value for name, value in event.args}
    return args["path"]._var_value


def session_of(state: rx.State) -> SessionState:
    return asyncio.run(state.get_state(SessionState))


def test_a_verified_token_from_the_browser_signs_the_user_in(fake):
    clerk_id = fake.add_user(email="ada@example.com")["id"]
    state = clerk_client()
    assert report(state, {"event": "token", "token": fake.mint(clerk_id)}) == [None]
    session = session_of(state)
    assert session.signed_in and session.user_email == "ada@example.com" and session.credits_display == "3.00"

    account = asyncio.run(state.get_state(AccountState))
    asyncio.run(call(account, "load"))  # every other handler now finds the user through the stored token
    assert account.profile["email"] == "ada@example.com" and account.profile["sign_in_method"] == "Clerk"

    report(state, {"event": "signed_out"})
    assert not session.signed_in and session._clerk_token == ""


def test_signing_out_here_stays_for_the_home_page_while_a_sign_out_elsewhere_sends_to_sign_in(fake):
    clerk_id = fake.add_user(email="ada@example.com")["id"]
    here = clerk_client("/account/")
    report(here, {"event": "token", "token": fake.mint(clerk_id)})
    assert report(here, {"event": "signing_out"}) == [None]  # the sign-out form's page load goes home
    assert not session_of(here).signed_in and session_of(here)._clerk_token == ""

    elsewhere = clerk_client("/account/")
    report(elsewhere, {"event": "token", "token": fake.mint(clerk_id)})
    (redirect,) = report(elsewhere, {"event": "signed_out"})
    assert redirect_target(redirect).startswith("/sign-in?next=%2Faccount")
    assert not session_of(elsewhere).signed_in


def test_forged_or_junk_reports_change_nothing(fake):
    clerk_id = fake.add_user(email="ada@example.com")["id"]
    from tests.fakes.clerk_jwks import new_rsa_key

    state = clerk_client()
    for junk in (
        None,
        "token",
        42,
        [],
        {"event": "token"},
        {"event": "token", "token": "x" * 20_000},
        {"event": "admin"},
        {"event": "token", "token": fake.mint(clerk_id, key=new_rsa_key())},
        {"event": "token", "token": fake.mint(clerk_id, azp="https://evil.example")},
    ):
        report(state, junk)
    session = session_of(state)
    assert not session.signed_in and session._clerk_token == ""
    assert user_count() == 0


def test_reports_are_ignored_when_clerk_is_not_the_provider(db, env):
    with running_fake_clerk() as fake:
        env(**{**fake.settings_env(), "AUTH_PROVIDER": "builtin"})
        clerk_id = fake.add_user()["id"]
        state = clerk_client()
        report(state, {"event": "token", "token": fake.mint(clerk_id)})
        assert session_of(state)._clerk_token == "" and user_count() == 0


def test_on_the_sign_in_page_a_session_goes_on_to_next_and_no_session_to_clerks_hosted_page(fake, env):
    env(CLERK_SIGN_IN_URL="https://accounts.vocahire.test/sign-in")
    clerk_id = fake.add_user(email="ada@example.com")["id"]
    state = clerk_client("/sign-in/", "?next=/history")  # as the production build serves it

    (redirect,) = report(state, {"event": "signed_out"})
    parts = urlsplit(redirect_target(redirect))
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://accounts.vocahire.test/sign-in"
    assert parse_qs(parts.query)["redirect_url"] == ["http://localhost:3000/sign-in?next=%2Fhistory"]

    (redirect,) = report(state, {"event": "token", "token": fake.mint(clerk_id)})
    assert redirect_target(redirect) == "/history"
    assert session_of(state).signed_in


def test_on_the_sign_in_page_a_bad_token_is_explained_instead_of_looping_back_to_clerk(fake):
    clerk_id = fake.add_user(email="ada@example.com")["id"]
    state = clerk_client("/sign-in")
    assert report(
        state, {"event": "token", "token": fake.mint(clerk_id, azp="https://elsewhere.example")}
    ) == [None]
    assert "another site" in state.error
    assert report(state, {"event": "error"}) == [None]
    assert "couldn't load the sign-in service" in state.error
    assert state.continue_url.startswith("https://")  # the hosted page is still one click away


def test_a_deleted_clerk_account_cannot_sign_in_again(fake):
    from vocahire.services.accounts import user_data

    clerk_id = fake.add_user(email="ada@example.com")["id"]
    state = clerk_client()
    report(state, {"event": "token", "token": fake.mint(clerk_id)})
    user_id = in_session(
        lambda *, session: session.execute(select(User.id).where(User.auth_subject == clerk_id)).scalar_one()
    )
    in_session(user_data.delete_account_data, user_id=user_id)

    again = clerk_client("/sign-in")
    report(again, {"event": "token", "token": fake.mint(clerk_id)})
    assert not session_of(again).signed_in and "deleted" in again.error
    assert user_count() == 1  # no fresh account, no second welcome grant
    assert json.dumps(in_session(lambda *, session: session.get(User, user_id).email)).find("ada") == -1


# --- who is asking never blocks the event loop ----------------------------------------------------

JWKS_DELAY = 1.0


async def run_while_ticking(work: Awaitable[Any]) -> tuple[Any, float]:
    """``work``'s result and the longest pause of a coroutine ticking every 10 ms beside it."""
    gaps: list[float] = []

    async def tick() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)  # the ticker is running before the work starts
    try:
        return await work, max(gaps)
    finally:
        ticker.cancel()


async def through_identify(token: str) -> str:
    user = await identify(token)
    assert user is not None
    return user.email


async def through_the_api(token: str) -> str:
    import httpx

    from vocahire.api import make_api

    transport = httpx.ASGITransport(app=make_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost:3000") as client:
        resp = await client.get("/api/user", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.text
    return resp.json()["email"]


async def through_the_bridge(token: str) -> str:
    state = clerk_client()
    await call(state, "on_report", {"event": "token", "token": token})
    session = await state.get_state(SessionState)
    return session.user_email


@pytest.mark.parametrize("entry", [through_identify, through_the_api, through_the_bridge])
def test_a_signing_key_fetch_does_not_stall_other_users(fake, entry):
    """A token whose key isn't cached yet makes the server fetch the JWKS; everyone else carries on."""
    clerk_id = fake.add_user(email="ada@example.com")["id"]
    fake.jwks_delay = JWKS_DELAY  # a slow Frontend API
    started = time.perf_counter()
    email, longest_pause = asyncio.run(run_while_ticking(entry(fake.mint(clerk_id))))
    assert email == "ada@example.com"
    assert fake.jwks_fetches() == 1 and time.perf_counter() - started >= JWKS_DELAY
    assert longest_pause < JWKS_DELAY / 2, f"the event loop stood still for {longest_pause:.2f} s"
