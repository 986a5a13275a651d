"""Starting and ending interviews: credits reserved with the session, one live interview, refunds, the end."""

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.utils.live import (
    FORM,
    age,
    connect_without_upstream,
    end,
    get,
    make_premium,
    set_balance_cents,
    start,
)
from tests.utils.users import balance_of, ledger_total, make_user
from vocahire.errors import InsufficientCredits, InterviewInProgress, NotFound
from vocahire.infra.database import in_session
from vocahire.models import utcnow
from vocahire.services.interviews import lifecycle as interviews
from vocahire.services.interviews.transcript import FinalLine, save_lines
from vocahire.settings import get_settings


def test_start_creates_the_session_and_takes_one_credit(db):
    user = make_user()
    started = start(user.id, job_title="Data Analyst", duration_minutes=10, pace="brisk")
    assert started.charged == Decimal("1.00") and not started.premium
    row = get(started.id)
    assert (row.status, row.job_title, row.duration_minutes, row.pace, row.credits_charged_cents) == (
        "starting",
        "Data Analyst",
        10,
        "brisk",
        100,
    )
    assert balance_of(user.id) == Decimal("2.00") == ledger_total(user.id)


def test_a_second_start_is_refused_and_names_the_live_interview(db):
    user = make_user()
    first = start(user.id)
    with pytest.raises(InterviewInProgress) as info:
        start(user.id)
    assert info.value.session_id == first.id
    assert balance_of(user.id) == Decimal("2.00")


def test_the_remainder_between_half_and_one_credit_is_taken_whole(db):
    user = make_user()
    set_balance_cents(user.id, 70)
    started = start(user.id)
    assert started.charged == Decimal("0.70")
    assert balance_of(user.id) == Decimal("0.00") == ledger_total(user.id)


def test_below_half_a_credit_the_start_is_refused_with_the_balance(db):
    user = make_user()
    set_balance_cents(user.id, 49)
    with pytest.raises(InsufficientCredits) as info:
        start(user.id)
    assert "0.49" in info.value.message and "0.50" in info.value.message
    assert balance_of(user.id) == Decimal("0.49")
    assert in_session(interviews.live_interview_id, user_id=user.id) is None  # no session row left behind


def test_premium_users_start_without_spending_credits(db):
    user = make_user()
    make_premium(user.id)
    started = start(user.id)
    assert started.premium and started.charged == Decimal("0")
    assert balance_of(user.id) == Decimal("3.00")


def test_failed_start_refunds_once_and_explains(db):
    user = make_user()
    started = start(user.id)
    assert in_session(
        interviews.fail_start,
        interview_id=started.id,
        message="The AI interviewer service did not answer in time.",
    )
    assert not in_session(interviews.fail_start, interview_id=started.id, message="again")
    row = get(started.id)
    assert row.status == "failed" and "did not answer" in row.error_message
    assert balance_of(user.id) == Decimal("3.00") == ledger_total(user.id)
    start(user.id)  # and the user can retry at once


def test_ending_computes_duration_average_response_and_queues_feedback(db):
    user = make_user()
    started = start(user.id)
    t0 = utcnow() - timedelta(minutes=5)
    connect_without_upstream(started.id, started_at=t0)
    at = lambda s: t0 + timedelta(seconds=s)  # noqa: E731
    in_session(
        save_lines,
        interview_id=started.id,
        lines=[
            FinalLine("i1", "interviewer", "Tell me about you.", None, at(0), at(4)),
            FinalLine("c1", "candidate", "I build APIs.", "i1", at(6), at(20)),
            FinalLine("i2", "interviewer", "Why?", "c1", at(21), at(22)),
            FinalLine("c2", "candidate", "I like it.", "i2", at(23), at(30)),
        ],
    )
    result = end(started.id, now=t0 + timedelta(seconds=300))
    assert result.changed and result.status == "completed" and result.call_id == "rtc_test"
    row = get(started.id)
    assert row.duration_seconds == 300
    assert row.avg_response_seconds == 1.5  # (2 + 1) / 2
    assert row.feedback_status == "pending"
    assert row.end_reason == "ended_by_candidate"
    assert balance_of(user.id) == Decimal("2.00")  # a completed interview is paid for
    assert not end(started.id).changed  # idempotent
    start(user.id)  # the next one may start


def test_ending_before_it_connected_refunds(db):
    user = make_user()
    started = start(user.id)
    result = end(started.id)
    assert result.status == "failed"
    assert balance_of(user.id) == Decimal("3.00")


def test_stale_sessions_are_closed_before_a_new_start(db):
    user = make_user()
    never_connected = start(user.id)
    age(never_connected.id, minutes=10)
    second = start(user.id)  # the abandoned one is refunded and closed first
    assert get(never_connected.id).status == "failed"
    assert balance_of(user.id) == Decimal("2.00")

    connect_without_upstream(second.id)
    age(second.id, minutes=20 + 3)  # past its 20 minutes and the grace
    third = start(user.id)
    row = get(second.id)
    assert row.status == "completed" and row.end_reason == "abandoned" and row.feedback_status == "pending"
    assert row.duration_seconds <= 20 * 60 + 120
    assert get(third.id).status == "starting"


def test_a_live_session_within_its_time_is_not_closed_by_a_start(db):
    user = make_user()
    first = start(user.id)
    connect_without_upstream(first.id)
    age(first.id, minutes=15)
    with pytest.raises(InterviewInProgress):
        start(user.id)


def test_prepare_call_checks_owner_state_and_builds_instructions(db):
    owner, other = make_user(), make_user("eve@example.com")
    started = start(owner.id, job_title="Site Reliability Engineer")
    settings = get_settings()
    for user_id, interview_id in [
        (other.id, started.id),
        (owner.id, "0" * 32),
        (owner.id, "../x"),
        (owner.id, None),
        (owner.id, 5),
    ]:
        with pytest.raises(NotFound):
            in_session(interviews.prepare_call, settings=settings, user_id=user_id, interview_id=interview_id)
    plan = in_session(interviews.prepare_call, settings=settings, user_id=owner.id, interview_id=started.id)
    assert "Site Reliability Engineer" in plan.instructions and not plan.reconnect
    connect_without_upstream(started.id, call_id="rtc_first")
    again = in_session(interviews.prepare_call, settings=settings, user_id=owner.id, interview_id=started.id)
    assert again.reconnect and again.previous_call_id == "rtc_first" and "Do NOT greet" in again.instructions
    end(started.id)
    from vocahire.errors import Conflict

    with pytest.raises(Conflict):
        in_session(interviews.prepare_call, settings=settings, user_id=owner.id, interview_id=started.id)


def test_a_start_from_a_session_signed_out_elsewhere_is_refused_and_takes_nothing(db):
    """The start's own statement checks the caller's session (no account read before it): a session that
    was signed out (or expired) refuses the start, with no interview created and no credit taken."""
    from vocahire.errors import NotAuthenticated
    from vocahire.services.accounts import sessions
    from vocahire.services.accounts.session_tokens import verify_session_token

    user = make_user()
    token = in_session(sessions.open_session, settings=get_settings(), user_id=user.id)
    session_id = verify_session_token(token, get_settings()).session_id

    def start_signed_in() -> interviews.StartedInterview:
        return in_session(
            interviews.start_interview,
            settings=get_settings(),
            user_id=user.id,
            setup=interviews.parse_setup(FORM),
            auth_session_id=session_id,
        )

    first = start_signed_in()
    assert balance_of(user.id) == Decimal("2.00")
    end(first.id)  # it never connected: refunded
    before = balance_of(user.id)
    in_session(sessions.end_session, user_id=user.id, session_id=session_id)  # signed out elsewhere
    with pytest.raises(NotAuthenticated, match="signed out"):
        start_signed_in()
    assert balance_of(user.id) == before == ledger_total(user.id)
    assert in_session(interviews.live_interview_id, user_id=user.id) is None
