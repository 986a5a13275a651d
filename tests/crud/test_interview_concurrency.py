"""Concurrent starts on PostgreSQL: one live interview per user, and the last credit is never spent twice."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from threading import Barrier

import pytest
from sqlalchemy import func, select

from tests.utils.live import connect_without_upstream, end, start
from tests.utils.users import balance_of, ledger_total, make_user
from vocahire.errors import InsufficientCredits, InterviewInProgress
from vocahire.infra.database import in_session
from vocahire.models import InterviewSession

pytestmark = pytest.mark.postgres


def _race(user_id: int, n: int) -> list[object]:
    barrier = Barrier(n)

    def attempt(_: int) -> object:
        barrier.wait()
        try:
            return start(user_id)
        except (InterviewInProgress, InsufficientCredits) as exc:
            return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(attempt, range(n)))


def _live_count(user_id: int) -> int:
    return in_session(
        lambda *, session: session.execute(
            select(func.count())
            .select_from(InterviewSession)
            .where(InterviewSession.user_id == user_id, InterviewSession.status.in_(("starting", "active")))
        ).scalar_one()
    )


def test_twenty_simultaneous_starts_then_three_in_total(pg_db):
    user = make_user()
    results = _race(user.id, 20)
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert all(isinstance(r, InterviewInProgress) for r in results if isinstance(r, Exception))
    assert _live_count(user.id) == 1
    assert balance_of(user.id) == Decimal("2.00") == ledger_total(user.id)

    started = [winners[0].id]
    for expected_balance in (Decimal("1.00"), Decimal("0.00")):
        connect_without_upstream(started[-1])
        end(started[-1])
        again = [r for r in _race(user.id, 5) if not isinstance(r, Exception)]
        assert len(again) == 1
        started.append(again[0].id)
        assert balance_of(user.id) == expected_balance == ledger_total(user.id)
    connect_without_upstream(started[-1])
    end(started[-1])

    fourth = _race(user.id, 5)
    assert all(isinstance(r, InsufficientCredits) for r in fourth)
    assert balance_of(user.id) == Decimal("0.00") == ledger_total(user.id)
    assert _live_count(user.id) == 0
    assert len(started) == 3
