"""The candidate's own data: the export holds exactly theirs; deleting leaves only an anonymous ledger."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from tests.fakes.clerk_jwks import running_fake_clerk
from tests.utils.interviews import make_interview
from tests.utils.users import DEFAULT_PASSWORD, balance_of, ledger_total, make_user
from vocahire.errors import Conflict, NotAuthenticated, NotFound
from vocahire.infra.database import in_session
from vocahire.models import (
    CreditLedgerEntry,
    Feedback,
    InterviewSession,
    StripeSubscription,
    TranscriptEntry,
    User,
)
from vocahire.services.accounts import credits, user_data
from vocahire.services.accounts import users as accounts
from vocahire.settings import get_settings

ADA_SECRET = "Ada's secret project: the Analytical Engine billing rewrite"
EVE_SECRET = "Eve's confidential answer about Babbage Ltd"


def add_feedback(interview_id: str, note: str) -> None:
    def add(*, session) -> None:  # type: ignore[no-untyped-def]
        session.add(
            Feedback(
                session_id=interview_id,
                overall_score=71,
                strengths=[note],
                improvements=["Quantify impact"],
                questions=[],
                metrics={"wpm": 140},
            )
        )

    in_session(add)


def two_candidates() -> tuple[User, User, str, str]:
    ada, eve = make_user("ada@example.com", name="Ada"), make_user("eve@example.com", name="Eve")
    ada_interview = make_interview(
        ada.id,
        [("interviewer", "Tell me about a project.", 0, 3), ("candidate", ADA_SECRET, 4, 20)],
        job_title="Staff Engineer",
        queue=False,
    )
    eve_interview = make_interview(
        eve.id,
        [("interviewer", "Tell me about a project.", 0, 3), ("candidate", EVE_SECRET, 4, 20)],
        job_title="Data Scientist",
        resume_text="Eve résumé",
        queue=False,
    )
    add_feedback(ada_interview, "Ada's strength: clear migration story")
    add_feedback(eve_interview, "Eve's strength: crisp metrics")
    in_session(credits.reserve_interview_credit, user_id=ada.id, interview_id=ada_interview)
    return ada, eve, ada_interview, eve_interview


def test_the_export_contains_exactly_the_users_own_data(db):
    ada, _, ada_interview, eve_interview = two_candidates()
    data = in_session(user_data.export_user_data, user_id=ada.id)
    raw = user_data.export_json(data).decode()
    json.loads(raw)  # a valid JSON file

    assert data["profile"]["email"] == "ada@example.com" and data["profile"]["credits_balance"] == "2.00"
    assert [i["id"] for i in data["interviews"]] == [ada_interview]
    (interview,) = data["interviews"]
    assert interview["job_title"] == "Staff Engineer" and "Ada Lovelace" in interview["resume_text"]
    assert [line["text"] for line in interview["transcript"]] == ["Tell me about a project.", ADA_SECRET]
    assert interview["feedback"]["strengths"] == ["Ada's strength: clear migration story"]
    assert [(e["amount"], e["kind"]) for e in data["credit_ledger"]] == [
        ("3.00", "grant"),
        ("-1.00", "interview_debit"),
    ]

    for theirs in (
        "eve@example.com",
        EVE_SECRET,
        "Data Scientist",
        "Eve résumé",
        "crisp metrics",
        eve_interview,
    ):
        assert theirs not in raw
    assert "argon2" not in raw and "password_hash" not in raw  # never the hash


def test_interviews_removed_from_history_are_still_in_the_export(db):
    ada, _eve, ada_interview, _ = two_candidates()
    from vocahire.services.interviews import history

    in_session(history.soft_delete_interview, user_id=ada.id, interview_id=ada_interview)
    (interview,) = in_session(user_data.export_user_data, user_id=ada.id)["interviews"]
    assert interview["removed_from_history"] is True and interview["transcript"]


def count(db_url: str, sql: str, **params: object) -> int:
    from sqlalchemy import create_engine

    engine = create_engine(db_url)
    with engine.connect() as conn:
        value = conn.execute(text(sql), params).scalar_one()
    engine.dispose()
    return int(value)


def test_deleting_an_account_leaves_no_transcript_and_only_an_anonymous_ledger(db):
    ada, eve, ada_interview, eve_interview = two_candidates()
    result = in_session(user_data.delete_account_data, user_id=ada.id)
    assert (result.interviews, result.transcript_lines) == (1, 2)

    # Nothing Ada said, wrote or was told remains anywhere in the database.
    assert (
        count(db.url, "SELECT count(*) FROM transcript_entries WHERE session_id = :s", s=ada_interview) == 0
    )
    assert (
        count(db.url, "SELECT count(*) FROM transcript_entries WHERE text LIKE :t", t="%Analytical Engine%")
        == 0
    )
    assert count(db.url, "SELECT count(*) FROM feedback WHERE session_id = :s", s=ada_interview) == 0
    assert (
        count(
            db.url,
            "SELECT count(*) FROM interview_sessions WHERE user_id = :u"
            " AND (resume_text != '' OR job_description != '' OR job_title != '(deleted)')",
            u=ada.id,
        )
        == 0
    )
    assert count(db.url, "SELECT count(*) FROM users WHERE email LIKE '%ada%' OR name = 'Ada'") == 0

    row = in_session(lambda *, session: session.get(User, ada.id))
    assert row.email == f"deleted-{ada.id}@deleted.invalid" and row.name == "Deleted user"
    assert (
        row.password_hash is None
        and row.image_url is None
        and row.auth_subject is None
        and row.deleted_at is not None
    )
    interview = in_session(lambda *, session: session.get(InterviewSession, ada_interview))
    assert (
        interview.job_title == "(deleted)"
        and interview.resume_text == ""
        and interview.duration_seconds == 20
    )  # usage figures keep counting it

    # The ledger stays for accounting, and still adds up.
    assert (
        in_session(
            lambda *, session: session.execute(
                select(func.count()).select_from(CreditLedgerEntry).where(CreditLedgerEntry.user_id == ada.id)
            ).scalar_one()
        )
        == 2
    )
    assert balance_of(ada.id) == ledger_total(ada.id) == Decimal("2.00")

    # Eve is untouched.
    assert (
        count(db.url, "SELECT count(*) FROM transcript_entries WHERE session_id = :s", s=eve_interview) == 2
    )
    assert in_session(user_data.export_user_data, user_id=eve.id)["interviews"][0]["feedback"] is not None

    # Ada can't sign in any more, with her old password or her old session, and the export is gone.
    with pytest.raises(NotAuthenticated):
        in_session(
            accounts.authenticate, settings=get_settings(), email="ada@example.com", password=DEFAULT_PASSWORD
        )
    with pytest.raises(NotAuthenticated):
        in_session(accounts.user_for_identity, provider="builtin", subject=str(ada.id))
    with pytest.raises(NotFound):
        in_session(user_data.export_user_data, user_id=ada.id)

    again = in_session(user_data.delete_account_data, user_id=ada.id)
    assert again.already_deleted


def test_the_same_email_can_sign_up_again_as_a_new_account(db):
    ada = make_user("ada@example.com")
    in_session(user_data.delete_account_data, user_id=ada.id)
    fresh = make_user("ada@example.com")
    assert fresh.id != ada.id
    assert in_session(user_data.export_user_data, user_id=fresh.id)["interviews"] == []


def test_a_renewing_subscription_must_be_cancelled_before_deleting(db):
    ada = make_user("ada@example.com")
    make_interview(ada.id, queue=False)

    def subscribe(*, session) -> None:  # type: ignore[no-untyped-def]
        session.add(
            StripeSubscription(subscription_id="sub_test_1", user_id=ada.id, status="active", offer="monthly")
        )

    in_session(subscribe)
    with pytest.raises(Conflict):
        asyncio.run(user_data.close_account(user_id=ada.id, settings=get_settings()))
    assert (
        in_session(
            lambda *, session: session.execute(select(func.count()).select_from(TranscriptEntry)).scalar_one()
        )
        > 0
    )

    in_session(
        lambda *, session: session.execute(
            StripeSubscription.__table__.update().values(cancel_at_period_end=True)
        )
    )
    result = asyncio.run(user_data.close_account(user_id=ada.id, settings=get_settings()))
    assert result.transcript_lines > 0
    assert (
        in_session(
            lambda *, session: session.execute(select(func.count()).select_from(TranscriptEntry)).scalar_one()
        )
        == 0
    )


def test_closing_a_clerk_account_also_removes_the_clerk_user(db, env):
    with running_fake_clerk() as fake:
        env(**fake.settings_env())
        clerk_id = fake.add_user(email="ada@example.com")["id"]
        user = in_session(accounts.user_for_identity, provider="clerk", subject=clerk_id)
        asyncio.run(user_data.close_account(user_id=user.id, settings=get_settings()))
        assert fake.requests_to(f"/v1/users/{clerk_id}", "DELETE")
        assert clerk_id not in fake.users
        with pytest.raises(NotAuthenticated):
            in_session(accounts.user_for_identity, provider="clerk", subject=clerk_id)


def test_a_live_interview_is_ended_before_the_data_goes(db):
    from vocahire.models.interview import STATUS_ACTIVE

    ada = make_user("ada@example.com")
    live = make_interview(ada.id, status=STATUS_ACTIVE, queue=False)
    asyncio.run(user_data.close_account(user_id=ada.id, settings=get_settings()))
    interview = in_session(lambda *, session: session.get(InterviewSession, live))
    assert interview.status not in ("starting", "active") and interview.feedback_status == "none"
    assert count(db.url, "SELECT count(*) FROM transcript_entries WHERE session_id = :s", s=live) == 0
