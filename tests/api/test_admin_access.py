"""Admin pages, handlers and routes: only admins get in, and what admins do is recorded."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from tests.utils.states import call, state_for
from tests.utils.users import balance_of, ledger_total, make_user, session_cookie_for
from vocahire.errors import Forbidden, InvalidInput
from vocahire.infra.database import in_session
from vocahire.models import AdminAction, CreditLedgerEntry, User
from vocahire.models.ledger import KIND_ADMIN_ADJUSTMENT
from vocahire.services.admin import users as admin_users
from vocahire.state.admin_usage import AdminUsageState
from vocahire.state.admin_users import AdminUsersState
from vocahire.state.session import SessionState

DIAGNOSTIC_ROUTES = [
    "/api/diagnostic/connection-test",
    "/api/diagnostic/db-performance",
    "/api/sentry-example-api",
]
TOKEN = "diag-" + "x" * 40


@pytest.fixture
def people(db, env):
    env(ADMIN_EMAILS="boss@example.com", DIAGNOSTICS_TOKEN=TOKEN)
    return {
        "admin": make_user("boss@example.com", name="Boss", verified=True),
        "candidate": make_user("cand@example.com", name="Cand"),
        "victim": make_user("victim@example.com", name="Victim"),
    }


def _rows(model: Any) -> int:
    return in_session(
        lambda *, session: session.execute(select(func.count()).select_from(model)).scalar_one()
    )


def _snapshot() -> tuple[Any, ...]:
    def read(*, session):
        users = session.execute(
            text(
                "SELECT id, credits_cents, is_premium, premium_until, role, deleted_at FROM users ORDER BY id"
            )
        ).all()
        return (tuple(users), _count(session, CreditLedgerEntry), _count(session, AdminAction))

    return in_session(read)


def _count(session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def run(coro):
    return asyncio.run(coro)


# --- HTTP routes ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", DIAGNOSTIC_ROUTES)
def test_diagnostic_routes_refuse_anonymous_and_candidates(api_client, people, path):
    anonymous = api_client.get(path)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthenticated"
    assert anonymous.json()["error"]["request_id"] == anonymous.headers["x-request-id"]

    candidate = api_client.get(path, cookies=session_cookie_for(people["candidate"].id))
    assert candidate.status_code == 403
    assert "administrators" in candidate.json()["error"]["message"]

    wrong_token = api_client.get(path, headers={"authorization": "Bearer " + TOKEN[:-1] + "y"})
    assert wrong_token.status_code == 401


@pytest.mark.parametrize("path", DIAGNOSTIC_ROUTES[:2])
def test_diagnostic_routes_let_admins_and_the_token_in(api_client, people, path):
    as_admin = api_client.get(path, cookies=session_cookie_for(people["admin"].id))
    with_token = api_client.get(path, headers={"authorization": f"Bearer {TOKEN}"})
    assert as_admin.status_code == with_token.status_code == 200


def test_without_a_configured_token_no_bearer_value_opens_diagnostics(api_client, people, env):
    env(DIAGNOSTICS_TOKEN=None)
    for value in ("", "None", "null", TOKEN):
        resp = api_client.get(DIAGNOSTIC_ROUTES[0], headers={"authorization": f"Bearer {value}"})
        assert resp.status_code == 401, value


# --- page guard -----------------------------------------------------------------------------


def test_admin_page_guard_turns_away_candidates_and_signed_out_visitors(people):
    candidate = state_for(SessionState, people["candidate"].id)
    events = run(call(candidate, "require_admin"))[0]
    rendered = str(events)
    assert "/dashboard" in rendered and "administrators only" in rendered
    assert candidate.is_admin is False

    anonymous = state_for(SessionState)
    assert "/sign-in" in str(run(call(anonymous, "require_admin"))[0])

    admin = state_for(SessionState, people["admin"].id)
    assert run(call(admin, "require_admin")) == [None]
    assert admin.is_admin is True


# --- event handlers -------------------------------------------------------------------------


def _plausible_calls(victim_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """What a curious candidate would send to each admin handler."""
    return {
        "load": [()],
        "apply_range": [({"start": "2025-01-01", "end": "2025-01-31"},)],
        "preset": [(30,)],
        "search": [({"q": "victim"},)],
        "go_to_page": [(1,)],
        "open_user": [(victim_id,)],
        "dialog_open_changed": [(True,), (False,)],
        "adjust_credits": [({"amount": "50.00", "reason": "free money"},)],
        "grant_premium": [({"until": ""},)],
        "revoke_premium": [()],
        "soft_delete": [({"reason": "gone"},)],
        "restore": [()],
    }


@pytest.mark.parametrize("state_cls", [AdminUsageState, AdminUsersState])
def test_every_admin_handler_refuses_a_candidate(people, state_cls):
    victim = people["victim"]
    before = _snapshot()
    calls = _plausible_calls(victim.id)
    handlers = [
        n for n in state_cls.event_handlers if not n.startswith("_") and n != "setvar"
    ]  # setvar: the junk test
    assert set(handlers) <= set(calls), (
        f"add the new handlers to _plausible_calls: {set(handlers) - set(calls)}"
    )
    state = state_for(state_cls, people["candidate"].id)
    if state_cls is AdminUsersState:
        state._selected_id = victim.id  # even a forged selection must not help

    async def all_calls() -> None:
        for name in handlers:
            for args in calls[name]:
                await call(state, name, *args)

    run(all_calls())
    assert _snapshot() == before
    if state_cls is AdminUsageState:
        assert state.daily == [] and state.totals == {}
        assert "administrators only" in state.error
    else:
        assert state.rows == [] and state.profile == {} and state.ledger == []
        assert "administrators only" in (state.error + state.action_error)


def test_a_demoted_admin_loses_access_at_once(people):
    admin = people["admin"]
    state = state_for(AdminUsersState, admin.id)
    run(call(state, "load"))
    assert state.total == 3
    in_session(
        lambda *, session: session.execute(update(User).where(User.id == admin.id).values(role="candidate"))
    )
    run(call(state, "search", {"q": ""}))
    assert state.rows == [] and "administrators only" in state.error


def test_admin_adjusts_credits_and_the_ledger_names_the_admin(people):
    admin, victim = people["admin"], people["victim"]
    state = state_for(AdminUsersState, admin.id)
    run(call(state, "load"))
    run(call(state, "open_user", victim.id))
    assert state.detail_open and state.profile["email"] == "victim@example.com"

    run(call(state, "adjust_credits", {"amount": "2.50", "reason": "Goodwill after a dropped call"}))
    assert state.action_error == "" and "5.50" in state.action_notice
    assert balance_of(victim.id) == Decimal("5.50") == ledger_total(victim.id)

    def latest_entry(*, session):
        return (
            session.execute(
                select(CreditLedgerEntry)
                .where(CreditLedgerEntry.user_id == victim.id)
                .order_by(CreditLedgerEntry.id.desc())
            )
            .scalars()
            .first()
        )

    entry = in_session(latest_entry)
    assert entry.kind == KIND_ADMIN_ADJUSTMENT and entry.amount_cents == 250
    assert entry.actor_user_id == admin.id and "Goodwill after a dropped call" in entry.reason
    assert "boss@example.com" in entry.reason
    # The page shows it: the ledger tab names the admin, the admin log records the action.
    assert state.ledger[0]["actor"] == "boss@example.com" and state.ledger[0]["amount"] == "+2.50"
    assert state.actions[0]["action"] == "adjust_credits" and state.actions[0]["admin"] == "boss@example.com"
    action = in_session(lambda *, session: session.execute(select(AdminAction)).scalars().one())
    assert (action.admin_user_id, action.target_user_id, action.details["amount"]) == (
        admin.id,
        victim.id,
        "+2.50",
    )
    assert action.created_at is not None


def test_adjustment_needs_a_reason_and_never_takes_a_balance_below_zero(people):
    admin, victim = people["admin"], people["victim"]
    state = state_for(AdminUsersState, admin.id)
    run(call(state, "open_user", victim.id))
    before = _snapshot()

    for form, message in [
        ({"amount": "1.00", "reason": ""}, "reason"),
        ({"amount": "1.00", "reason": "  \n "}, "reason"),
        ({"amount": "-3.01", "reason": "clawback"}, "below zero"),
        ({"amount": "0", "reason": "nothing"}, "zero"),
        ({"amount": "1.005", "reason": "fractions"}, "hundredth"),
        ({"amount": "1e9", "reason": "huge"}, "at most"),
        ({"amount": "NaN", "reason": "nan"}, "hundredth"),
        ({"amount": None, "reason": None}, "amount"),
    ]:
        run(call(state, "adjust_credits", form))
        assert message in state.action_error, (form, state.action_error)
    assert _snapshot() == before

    run(call(state, "adjust_credits", {"amount": "-3.00", "reason": "Duplicate account"}))
    assert balance_of(victim.id) == Decimal("0.00") == ledger_total(victim.id)


def test_services_check_the_actor_is_an_admin_themselves(people):
    candidate, victim = people["candidate"], people["victim"]
    before = _snapshot()
    with pytest.raises(Forbidden):
        in_session(
            admin_users.adjust_credits,
            admin_user_id=candidate.id,
            user_id=victim.id,
            amount="5",
            reason="mine",
            request_key="k",
        )
    with pytest.raises(Forbidden):
        in_session(admin_users.set_premium, admin_user_id=candidate.id, user_id=victim.id, premium=True)
    with pytest.raises(Forbidden):
        in_session(admin_users.search_users, admin_user_id=candidate.id, query="")
    assert _snapshot() == before


def test_the_same_adjustment_key_applies_once(people):
    admin, victim = people["admin"], people["victim"]
    args = {
        "admin_user_id": admin.id,
        "user_id": victim.id,
        "amount": "1.00",
        "reason": "retry",
        "request_key": "same-key",
    }
    in_session(admin_users.adjust_credits, **args)
    with pytest.raises(Exception, match="already applied"):
        in_session(admin_users.adjust_credits, **args)
    assert balance_of(victim.id) == Decimal("4.00")


def test_premium_and_soft_delete_round_trip_with_an_audit_trail(people, api_client):
    admin, victim = people["admin"], people["victim"]
    state = state_for(AdminUsersState, admin.id)
    run(call(state, "open_user", victim.id))

    run(call(state, "grant_premium", {"until": "2099-12-31"}))
    assert state.profile["premium"] is True and "31 Dec 2099" in state.profile["premium_until"]
    assert api_client.get("/api/user", cookies=session_cookie_for(victim.id)).json()["is_premium"] is True
    run(call(state, "grant_premium", {"until": "1999-01-01"}))
    assert "future" in state.action_error
    run(call(state, "revoke_premium"))
    assert state.profile["premium"] is False
    assert api_client.get("/api/user", cookies=session_cookie_for(victim.id)).json()["is_premium"] is False

    run(call(state, "soft_delete", {"reason": "asked by e-mail"}))
    assert state.profile["deleted"] is True
    assert api_client.get("/api/user", cookies=session_cookie_for(victim.id)).status_code == 401
    run(call(state, "restore"))
    assert state.profile["deleted"] is False
    assert api_client.get("/api/user", cookies=session_cookie_for(victim.id)).status_code == 200

    actions = [a["action"] for a in reversed(state.actions)]
    assert actions == ["grant_premium", "revoke_premium", "soft_delete_user", "restore_user"]
    assert all(a["admin"] == "boss@example.com" for a in state.actions)


def test_an_admin_cannot_delete_their_own_account(people):
    admin = people["admin"]
    state = state_for(AdminUsersState, admin.id)
    run(call(state, "open_user", admin.id))
    run(call(state, "soft_delete", {"reason": "oops"}))
    assert "your own account" in state.action_error
    assert _rows(AdminAction) == 0


def test_search_by_email_or_name_is_paginated_and_treats_wildcards_literally(people):
    for i in range(45):
        make_user(f"user{i:02d}@corp.example", name=f"Person {i:02d}")
    make_user("percent%sign@example.com", name="Odd")
    admin = people["admin"]

    first = in_session(admin_users.search_users, admin_user_id=admin.id, query="CORP.example", page=1)
    assert (first.total, first.pages, len(first.rows)) == (45, 3, 20)
    last = in_session(admin_users.search_users, admin_user_id=admin.id, query="corp.example", page=99)
    assert (last.page, len(last.rows)) == (3, 5)
    by_name = in_session(admin_users.search_users, admin_user_id=admin.id, query="person 07")
    assert [r["email"] for r in by_name.rows] == ["user07@corp.example"]
    literal = in_session(admin_users.search_users, admin_user_id=admin.id, query="%")
    assert [r["email"] for r in literal.rows] == ["percent%sign@example.com"]
    underscore = in_session(admin_users.search_users, admin_user_id=admin.id, query="_")
    assert underscore.total == 0
    with pytest.raises(InvalidInput):
        in_session(admin_users.search_users, admin_user_id=admin.id, query="x" * 201)

    state = state_for(AdminUsersState, admin.id)
    run(call(state, "search", {"q": "corp"}))
    run(call(state, "go_to_page", 2))
    assert state.page == 2 and len(state.rows) == 20
    run(call(state, "go_to_page", 7))
    assert state.page == 2 and "doesn't exist" in state.error


def test_the_usage_page_state_loads_for_an_admin(people):
    state = state_for(AdminUsageState, people["admin"].id)
    run(call(state, "load"))
    assert state.error == "" and len(state.daily) == 30
    assert state.totals["started"] == "0"
    run(call(state, "apply_range", {"start": "2025-03-12", "end": "2025-03-10"}))
    assert "on or before" in state.range_error and len(state.daily) == 30
    run(call(state, "preset", 7))
    assert len(state.daily) == 7 and state.range_error == ""
