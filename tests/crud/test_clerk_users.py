"""Clerk users on first sight: created once with the welcome grant (even in a race), refused when deleted."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.fakes.clerk_jwks import running_fake_clerk
from tests.utils.users import balance_of, ledger_total, make_user
from vocahire.errors import Conflict, NotAuthenticated, UpstreamError
from vocahire.infra import clerk
from vocahire.infra.database import in_session
from vocahire.models import CreditLedgerEntry, User
from vocahire.services.accounts import clerk_users, credits, user_data
from vocahire.services.accounts import users as accounts
from vocahire.settings import get_settings

CLERK_ID = "user_2firstSightRaceAbcdef123"


@pytest.fixture
def fake(env):
    with running_fake_clerk() as fake:
        env(**fake.settings_env())
        yield fake


def first_sight(clerk_user_id: str = CLERK_ID) -> User:
    return in_session(accounts.user_for_identity, provider="clerk", subject=clerk_user_id)


def users_with_subject(subject: str) -> list[User]:
    return in_session(
        lambda *, session: list(session.execute(select(User).where(User.auth_subject == subject)).scalars())
    )


def grants_for(user_id: int) -> int:
    return in_session(
        lambda *, session: session.execute(
            select(func.count())
            .select_from(CreditLedgerEntry)
            .where(CreditLedgerEntry.user_id == user_id, CreditLedgerEntry.kind == "grant")
        ).scalar_one()
    )


def test_first_sight_creates_the_user_from_clerk_with_the_welcome_grant(db, fake):
    fake.add_user(CLERK_ID, email="Ada@Example.com")
    user = first_sight()
    assert (user.email, user.name, user.auth_provider, user.role) == (
        "ada@example.com",
        "Ada Lovelace",
        "clerk",
        "candidate",
    )
    assert user.image_url == "https://img.clerk.com/ada.png"
    assert balance_of(user.id) == Decimal("3.00") == ledger_total(user.id)
    assert fake.requests_to(f"/v1/users/{CLERK_ID}", "GET")[0].authorization == f"Bearer {fake.secret_key}"

    again = first_sight()
    assert again.id == user.id and grants_for(user.id) == 1
    assert len(fake.requests_to("/v1/users/", "GET")) == 1  # known users need no Backend API call


def test_admin_emails_make_a_clerk_user_admin(db, fake, env):
    env(ADMIN_EMAILS="boss@example.com")
    fake.add_user(CLERK_ID, email="boss@example.com")
    user = first_sight()
    assert user.role == "admin" and user.email_verified_at is not None


def test_admin_emails_wait_until_clerk_says_the_address_is_verified(db, fake, env):
    env(ADMIN_EMAILS="boss@example.com")
    fake.add_user(CLERK_ID, email="boss@example.com", verified=False)
    user = first_sight()
    assert user.role == "candidate" and user.email_verified_at is None
    assert first_sight().role == "candidate"  # signing in again changes nothing while it is unverified


def test_a_user_clerk_no_longer_has_or_an_unreachable_clerk_creates_nothing(db, fake):
    with pytest.raises(NotAuthenticated):
        first_sight("user_2neverExisted")
    fake.add_user(CLERK_ID)
    fake.stop()
    with pytest.raises(UpstreamError):
        first_sight()
    assert users_with_subject(CLERK_ID) == []


def test_without_a_secret_key_the_user_gets_a_placeholder_email_until_the_webhook_says(db, fake, env):
    env(CLERK_SECRET_KEY=None, AUTH_PROVIDER="clerk")
    user = first_sight()
    assert user.email == f"{CLERK_ID.lower()}@clerk.invalid"
    assert balance_of(user.id) == Decimal("3.00")


def test_soft_deleted_and_deleted_clerk_users_cannot_sign_in(db, fake):
    fake.add_user(CLERK_ID)
    user = first_sight()
    admin = make_user("root@example.com", verified=True)

    from vocahire.services.admin import users as admin_users

    in_session(
        lambda *, session: session.execute(
            User.__table__.update().where(User.id == admin.id).values(role="admin")
        )
    )
    in_session(admin_users.set_deleted, admin_user_id=admin.id, user_id=user.id, deleted=True, reason="abuse")
    with pytest.raises(NotAuthenticated):
        first_sight()

    in_session(
        admin_users.set_deleted, admin_user_id=admin.id, user_id=user.id, deleted=False, reason="appeal"
    )
    assert first_sight().id == user.id

    in_session(user_data.delete_account_data, user_id=user.id)
    with pytest.raises(NotAuthenticated):
        first_sight()  # the tombstone refuses the old Clerk id: no fresh account, no second grant
    assert users_with_subject(CLERK_ID) == []
    assert users_with_subject(clerk.tombstone_subject(CLERK_ID))[0].id == user.id


def test_a_builtin_account_with_the_same_verified_email_moves_to_clerk(db, fake):
    old = make_user("ada@example.com")
    fake.add_user(CLERK_ID, email="ada@example.com")
    user = first_sight()
    assert user.id == old.id and user.auth_provider == "clerk" and grants_for(user.id) == 1

    fake.add_user("user_2unverifiedImpostor", email="grace@example.com", verified=False)
    make_user("grace@example.com")
    with pytest.raises(Conflict):
        first_sight("user_2unverifiedImpostor")  # an unverified address never takes over an account


def test_first_sight_race_makes_one_user_and_one_grant(pg_db, fake):
    """Ten first requests of one new Clerk user at once (PostgreSQL: real concurrency)."""
    fake.add_user(CLERK_ID)
    fake.user_delay = 0.2  # every request is inside the Backend API call at the same time
    barrier = threading.Barrier(10)
    ids: list[int] = []
    errors: list[BaseException] = []

    def request() -> None:
        barrier.wait()
        try:
            ids.append(first_sight().id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=request) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(ids)) == 1 and len(ids) == 10
    assert len(users_with_subject(CLERK_ID)) == 1
    assert len(fake.requests_to("/v1/users/", "GET")) == 10  # they really raced
    assert grants_for(ids[0]) == 1
    assert balance_of(ids[0]) == Decimal("3.00") == ledger_total(ids[0])


def test_webhook_upserts_keep_the_profile_current(db, fake):
    from tests.fakes.clerk_jwks import clerk_user

    settings = get_settings()
    profile = clerk.profile_from_user(clerk_user(CLERK_ID, "ada@example.com"))
    assert in_session(clerk_users.upsert_from_webhook, settings=settings, profile=profile) == "created"
    changed = clerk.profile_from_user(
        clerk_user(CLERK_ID, "ada.l@example.com", first_name="Augusta", image_url=None)
    )
    assert in_session(clerk_users.upsert_from_webhook, settings=settings, profile=changed) == "updated"
    (user,) = users_with_subject(CLERK_ID)
    assert (user.email, user.name, user.image_url) == ("ada.l@example.com", "Augusta Lovelace", None)
    assert grants_for(user.id) == 1

    make_user("taken@example.com")
    clash = clerk.profile_from_user(clerk_user(CLERK_ID, "taken@example.com"))
    in_session(clerk_users.upsert_from_webhook, settings=settings, profile=clash)
    assert (
        users_with_subject(CLERK_ID)[0].email == "ada.l@example.com"
    )  # never steals another account's address


def _first_sights_at_once(n: int, clerk_user_id: str) -> tuple[list[Decimal], list[BaseException]]:
    """``n`` first requests of one new Clerk user at the same moment; the balance each one answers with."""
    barrier = threading.Barrier(n)
    shown: list[Decimal] = []
    errors: list[BaseException] = []

    def request() -> None:
        barrier.wait()
        try:
            shown.append(accounts.to_view(first_sight(clerk_user_id)).credits)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=request) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return shown, errors


def test_first_sight_race_on_sqlite_shows_the_welcome_grant_in_every_answer(sqlite_db, fake):
    """SQLite (the default database): the new row and its grant commit together, so no answer shows 0.00."""
    for attempt in range(3):
        clerk_id = f"user_2sqliteRace{attempt}Abcdef"
        fake.add_user(clerk_id, email=f"race{attempt}@example.com")
        fake.user_delay = 0.1  # every request is inside the Backend API call at the same time
        shown, errors = _first_sights_at_once(8, clerk_id)
        assert errors == []
        assert shown == [Decimal("3.00")] * 8
        (user,) = users_with_subject(clerk_id)
        assert grants_for(user.id) == 1
        assert balance_of(user.id) == Decimal("3.00") == ledger_total(user.id)


def test_a_crash_between_the_new_user_and_its_grant_leaves_no_account(db, fake, monkeypatch):
    """Sign-up and first sign-in are one transaction: a failure before the grant keeps nothing."""
    fake.add_user(CLERK_ID)

    def crash(**_kwargs: object) -> None:
        raise RuntimeError("power cut")

    real_grant = credits.grant_signup_credits
    monkeypatch.setattr(credits, "grant_signup_credits", crash)
    with pytest.raises(RuntimeError):
        first_sight()
    with pytest.raises(RuntimeError):
        make_user("grace@example.com")
    assert users_with_subject(CLERK_ID) == []
    assert in_session(lambda *, session: session.scalar(select(func.count()).select_from(User))) == 0

    monkeypatch.setattr(credits, "grant_signup_credits", real_grant)
    assert balance_of(first_sight().id) == Decimal("3.00")  # the next request creates it whole
