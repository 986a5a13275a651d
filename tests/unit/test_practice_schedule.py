"""The practice queue's spaced schedule (issue 16), over random sequences of attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from vocahire.services.practice import schedule

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
attempts = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10), st.integers(min_value=0, max_value=40 * 24 * 3600)),
    max_size=30,
)


def test_the_examples_of_the_issue():
    s = schedule.first_schedule(T0)
    assert s.due_at == T0  # due now
    s = schedule.after_attempt(s, 7, T0)
    assert s.due_at == T0 + timedelta(days=1) and not s.mastered
    s = schedule.after_attempt(s, 7, T0 + timedelta(days=1))
    assert s.due_at == T0 + timedelta(days=4)
    s = schedule.after_attempt(s, 5, T0 + timedelta(days=5))
    assert s.due_at == T0 + timedelta(days=5) and s.step == 0  # back to due now
    s = schedule.after_attempt(s, 8, T0 + timedelta(days=6))
    s = schedule.after_attempt(s, 9, T0 + timedelta(days=7))
    assert s.mastered


@settings(max_examples=300, deadline=None)
@given(attempts)
def test_due_dates_move_only_as_the_rules_say(sequence):
    s = schedule.first_schedule(T0)
    at = T0
    streak_7 = streak_8 = 0
    for score, wait in sequence:
        at = at + timedelta(seconds=wait)
        before = s
        s = schedule.after_attempt(s, score, at)
        if before.mastered:
            assert s == before  # left the queue: nothing moves it any more
            continue
        streak_8 = streak_8 + 1 if score >= 8 else 0
        streak_7 = streak_7 + 1 if score >= 7 else 0
        if score < 7:
            assert s.due_at == at and s.step == 0
        else:
            days = schedule.INTERVAL_DAYS[min(streak_7, len(schedule.INTERVAL_DAYS)) - 1]
            assert s.due_at == at + timedelta(days=days)
            assert s.due_at > at
        # An answer leaves only after two consecutive attempts of 8 or more.
        assert s.mastered == (streak_8 >= 2)
        assert s.due_at >= at
