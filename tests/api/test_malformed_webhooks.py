"""Signed webhooks broken in every field, one way at a time: never a 5xx, never a half-applied event.

Stripe and Svix retry a 5xx for days, so a 5xx must mean "retrying can help". Each case takes a
genuine event (Stripe: each type we apply; Clerk: user.created/updated/deleted), breaks one field
(removed, null, a number, a NUL character, a lone surrogate, too long, a huge number, a list, an
object), signs it
and posts it: the answer is 200 (still usable) or 400 (refused and remembered), and a refused
event changed nothing but its ``processed_webhook_events`` row.
"""

from __future__ import annotations

import copy
import json
import random
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.api.test_clerk_webhook import CLERK_ID, URL, envelope, signed_headers
from tests.fakes.clerk_jwks import clerk_user, running_fake_clerk
from tests.utils.stripe import (
    charge_obj,
    dispute_obj,
    event,
    fake_stripe,  # noqa: F401
    invoice_obj,
    post_event,
    start_checkout,
    stripe_env,  # noqa: F401
    subscription_obj,
)
from tests.utils.users import make_user
from vocahire.infra.database import in_session
from vocahire.models import CreditLedgerEntry, ProcessedWebhookEvent, StripePayment, StripeSubscription, User

BROKEN_VALUES: list[Any] = [None, 5, -1, 10**20, "x\x00y", "x\ud800y", "x" * 300, [], {"id": 5}, True, 1.5]
STRIPE_CASES = 300  # of about 2,400 (field, value) pairs, sampled with a fixed seed; Clerk's ~700 all run


def leaf_paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from leaf_paths(value, (*path, key))
    elif isinstance(node, list) and node:
        for index, value in enumerate(node):
            yield from leaf_paths(value, (*path, index))
    if path:
        yield path


def broken(obj: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``obj`` with the field at ``path`` set to ``value`` (removed when ``...``)."""
    out = copy.deepcopy(obj)
    parent = out
    for part in path[:-1]:
        parent = parent[part]
    if value is ... and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = None if value is ... else value
    return out


def sample(
    objects: dict[str, dict[str, Any]], limit: int | None = None
) -> list[tuple[str, tuple[Any, ...], Any]]:
    """Every (event, field, broken value) case, or ``limit`` of them picked with a fixed seed."""
    cases = [
        (name, path, value)
        for name, obj in objects.items()
        for path in leaf_paths(obj)
        for value in [..., *BROKEN_VALUES]
    ]
    return cases if limit is None else random.Random(12).sample(cases, min(limit, len(cases)))


def counts() -> dict[str, int]:
    def read(*, session: Any) -> dict[str, int]:
        return {
            m.__tablename__: session.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (User, CreditLedgerEntry, StripePayment, StripeSubscription, ProcessedWebhookEvent)
        }

    return in_session(read)


def outcome_of(event_id: str) -> str | None:
    return in_session(
        lambda *, session: session.execute(
            select(ProcessedWebhookEvent.outcome).where(ProcessedWebhookEvent.event_id == event_id)
        ).scalar_one_or_none()
    )


def assert_refused_or_applied(response: Any, event_id: str, before: dict[str, int], case: Any) -> None:
    assert response.status_code in (200, 400), (case, response.status_code, response.text)
    if response.status_code == 400:
        after = counts()
        assert after == {**before, "processed_webhook_events": after["processed_webhook_events"]}, case
        assert outcome_of(event_id) in ("rejected", None), case  # None: not even an id to keep


def test_no_signed_stripe_event_however_broken_answers_5xx(api_client, stripe_env):
    user = make_user()
    start = start_checkout(user.id, "credits_5")
    customer = in_session(lambda *, session: session.get(User, user.id)).stripe_customer_id
    end = int(time.time()) + 30 * 86400
    envelope_event = event("invoice.paid", invoice_obj("in_e", "sub_e", customer, end))
    objects = {
        "customer.subscription.updated": subscription_obj("sub_f", customer, "active", end, user_id=user.id),
        "invoice.paid": invoice_obj("in_f", "sub_f", customer, end, user_id=user.id),
        "invoice.payment_failed": invoice_obj("in_g", "sub_f", customer, end, status="open"),
        "charge.refunded": charge_obj("ch_f", "pi_f", 799, 400, customer),
        "charge.dispute.created": dispute_obj("dp_f", "ch_f", "pi_f", 799),
        "checkout.session.async_payment_failed": dict(stripe_env.sessions[start.session_id]),
        "envelope": {k: v for k, v in envelope_event.items() if k not in ("id",)},
        "stripe's own copy of the checkout": stripe_env.complete_session(start.session_id),
    }
    genuine = copy.deepcopy(stripe_env.sessions[start.session_id])
    for name, path, value in sample(objects, STRIPE_CASES):
        if name == "stripe's own copy of the checkout" and path == ("id",):
            continue  # the fake files sessions by id
        if name == "stripe's own copy of the checkout":
            stripe_env.sessions[start.session_id] = broken(genuine, path, value)
            evt = event("checkout.session.completed", {"id": start.session_id, "object": "checkout.session"})
        elif name == "envelope":
            evt = {"id": f"evt_env_{time.monotonic_ns()}", **broken(objects[name], path, value)}
        else:
            evt = event(name, broken(objects[name], path, value))
        before = counts()
        response = post_event(api_client, json.loads(json.dumps(evt)))
        assert_refused_or_applied(response, evt["id"], before, (name, path, value))
        stripe_env.sessions[start.session_id] = copy.deepcopy(genuine)


@pytest.fixture
def clerk_fake(db, env):
    with running_fake_clerk() as fake:
        env(**fake.settings_env())
        yield fake


def test_no_signed_clerk_event_however_broken_answers_5xx(api_client, clerk_fake):
    objects = {
        "user.created": clerk_user(CLERK_ID, "ada@example.com"),
        "user.updated": clerk_user("user_2someoneElseAbc", "grace@example.com"),
        "user.deleted": {"deleted": True, "id": CLERK_ID, "object": "user"},
    }
    for index, (name, path, value) in enumerate(sample(objects)):
        body = envelope(name, broken(objects[name], path, value))
        msg_id = f"msg_fuzz_{index}"
        before = counts()
        response = api_client.post(URL, content=body, headers=signed_headers(body, msg_id=msg_id))
        assert_refused_or_applied(response, msg_id, before, (name, path, value))
