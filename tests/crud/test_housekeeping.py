"""Housekeeping prunes account records nothing reads any more, and keeps everything still in use."""

from datetime import timedelta

import pytest

from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.models import AccountToken, AuthSession, ThrottleHit, utcnow
from vocahire.services.accounts import housekeeping, sessions
from vocahire.settings import get_settings
from vocahire.workers import housekeeping_worker


def _rows(model):
    return in_session(lambda *, session: session.query(model).count())


def test_expired_revoked_and_stale_rows_go_and_live_ones_stay(db):
    user = make_user()
    now = utcnow()
    live = in_session(sessions.open_session, settings=get_settings(), user_id=user.id)

    def seed(*, session) -> None:
        session.add_all(
            [
                AuthSession(id="expired-old", user_id=user.id, expires_at=now - timedelta(days=2)),
                AuthSession(id="expired-new", user_id=user.id, expires_at=now - timedelta(hours=2)),
                AuthSession(
                    id="signed-out",
                    user_id=user.id,
                    expires_at=now + timedelta(days=20),
                    revoked_at=now - timedelta(days=3),
                ),
                AccountToken(
                    user_id=user.id, purpose="verify", token_hash="a" * 64, email="a@example.com",
                    expires_at=now - timedelta(days=8), used_at=now - timedelta(days=9),
                ),
                AccountToken(
                    user_id=user.id, purpose="reset", token_hash="b" * 64, email="a@example.com",
                    expires_at=now + timedelta(hours=1),
                ),
                ThrottleHit(key="signin:old", at=now - timedelta(days=2)),
                ThrottleHit(key="signin:new", at=now - timedelta(minutes=5)),
            ]
        )  # fmt: skip

    in_session(seed)
    removed = in_session(housekeeping.prune_expired_records)
    assert removed == {"auth_sessions": 2, "account_tokens": 1, "throttle_hits": 1}
    left = in_session(lambda *, session: {s.id for s in session.query(AuthSession).all()})
    assert len(left) == 2 and "expired-new" in left  # and the live one; not "expired-old", "signed-out"
    assert live
    assert in_session(lambda *, session: [t.purpose for t in session.query(AccountToken).all()]) == ["reset"]
    assert in_session(lambda *, session: [h.key for h in session.query(ThrottleHit).all()]) == ["signin:new"]
    # A second sweep finds nothing more; the live session still signs the user in.
    assert in_session(housekeeping.prune_expired_records) == {
        "auth_sessions": 0,
        "account_tokens": 0,
        "throttle_hits": 0,
    }
    assert in_session(sessions.open_session_ids, user_id=user.id) != []


def test_deletes_go_in_bounded_batches(db, monkeypatch):
    monkeypatch.setattr(housekeeping, "BATCH", 3)
    old = utcnow() - timedelta(days=3)
    in_session(lambda *, session: session.add_all([ThrottleHit(key=f"k{i}", at=old) for i in range(7)]))
    assert in_session(housekeeping.prune_expired_records)["throttle_hits"] == 7
    assert _rows(ThrottleHit) == 0


async def test_the_worker_sweeps_at_start_and_survives_a_failing_sweep(db, monkeypatch):
    import asyncio

    calls = []

    def flaky(*, session):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return {"throttle_hits": 0}

    monkeypatch.setattr(housekeeping_worker, "prune_expired_records", flaky)
    task = asyncio.create_task(housekeeping_worker.run_housekeeping(interval_seconds=0.05))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(calls) >= 3  # failed once, kept going
