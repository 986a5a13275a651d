"""The user/credits cache in Redis: short TTL, dropped after every committed change, always optional.

Without ``REDIS_URL``, or while Redis does not answer, every lookup reads the
database: slower, never broken (the outage is logged once, and invalidations
made meanwhile are replayed when Redis answers again).

Correctness does not depend on callers remembering to invalidate: session hooks
collect the ids of users changed through any ``Session`` (ORM attribute changes
and ``update(User)`` statements) and drop their entries after the commit.
A per-user version number makes sure a reader that loaded the old row before a
commit cannot put it back into the cache afterwards.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

from vocahire.models import User, utcnow
from vocahire.settings import get_settings

if TYPE_CHECKING:
    import redis

    from vocahire.services.accounts.users import UserView

log = logging.getLogger(__name__)

PREFIX = "vocahire:cache:"
GENERATION_KEY = PREFIX + "generation"
VERSION_TTL_SECONDS = 24 * 3600
CONNECT_TIMEOUT_SECONDS = 0.25
COMMAND_TIMEOUT_SECONDS = 0.5
RETRY_AFTER_SECONDS = 5.0
MAX_PENDING = 10_000
_SESSION_KEY = "vocahire_cache_dirty_users"
_ALL = -1  # "every user": an update whose target rows can't be told from its WHERE clause

# SET the view only if neither the user's version nor the global generation moved since the read.
_PUT_IF_UNCHANGED = """
local ver = redis.call('GET', KEYS[2]) or ''
local gen = redis.call('GET', KEYS[3]) or ''
if ver == ARGV[2] and gen == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[4]))
  return 1
end
return 0
"""


def _view_key(user_id: int) -> str:
    return f"{PREFIX}user:{user_id}:view"


def _version_key(user_id: int) -> str:
    return f"{PREFIX}user:{user_id}:version"


def _subject_key(provider: str, subject: str) -> str:
    return f"{PREFIX}subject:{provider}:{subject}"


class _Redis:
    """One lazily created client per URL, with a short circuit breaker so an outage costs nothing per call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, redis.Redis] = {}
        self._down_until = 0.0
        self._outage_logged = False
        self._pending: set[int] = set()

    def client(self) -> redis.Redis | None:
        url = get_settings().redis_url
        if not url:
            return None
        if time.monotonic() < self._down_until:
            return None
        with self._lock:
            client = self._clients.get(url)
            if client is None:
                import redis as redis_lib

                client = redis_lib.Redis.from_url(
                    url,
                    socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
                    socket_timeout=COMMAND_TIMEOUT_SECONDS,
                    decode_responses=True,
                )
                self._clients[url] = client
        if self._pending:
            # Changes made while Redis was unreachable are dropped before anything is read from it.
            with self._lock:
                pending, self._pending = self._pending, set()
            try:
                _invalidate_now(client, pending)
            except Exception as exc:
                self.remember(pending)
                self.failed(exc)
                return None
        return client

    def failed(self, exc: BaseException) -> None:
        self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
        if not self._outage_logged:
            self._outage_logged = True
            log.warning(
                json.dumps(
                    {"event": "cache_unavailable", "error": type(exc).__name__, "fallback": "database"}
                )
            )

    def succeeded(self, _client: redis.Redis) -> None:
        if self._outage_logged:
            self._outage_logged = False
            log.info(json.dumps({"event": "cache_available_again"}))

    def remember(self, user_ids: Iterable[int]) -> None:
        """Invalidations that could not reach Redis, replayed once it answers."""
        with self._lock:
            self._pending.update(user_ids)
            if len(self._pending) > MAX_PENDING:
                self._pending = {_ALL}

    def reset(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
            self._down_until = 0.0
            self._outage_logged = False
            self._pending.clear()


_redis = _Redis()


def reset() -> None:
    """Forget clients and outage state (tests switch ``REDIS_URL``)."""
    _redis.reset()


def enabled() -> bool:
    return bool(get_settings().redis_url)


def ping() -> tuple[bool, float | None, str | None]:
    """Diagnostics: (reachable, latency in ms, error class) bypassing the circuit breaker."""
    url = get_settings().redis_url
    if not url:
        return False, None, "not_configured"
    import redis as redis_lib

    started = time.perf_counter()
    client = redis_lib.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS, socket_timeout=1.0)
    try:
        client.ping()
    except Exception as exc:
        return False, None, type(exc).__name__
    finally:
        client.close()
    return True, round((time.perf_counter() - started) * 1000, 2), None


# --- reading and writing the signed-in user's view -------------------------------------------


def _encode(view: UserView, generation: str) -> str:
    return json.dumps(
        {
            "generation": generation,
            "id": view.id,
            "email": view.email,
            "name": view.name,
            "image_url": view.image_url,
            "role": view.role,
            "credits": str(view.credits),
            "is_premium": view.is_premium,
            "premium_until_iso": view.premium_until_iso,
            "auth_provider": view.auth_provider,
        }
    )


def _decode(raw: str, generation: str) -> UserView | None:
    """The cached view, or ``None`` when it is unreadable or older than the last "drop everything"."""
    from vocahire.services.accounts.users import UserView

    try:
        data: dict[str, Any] = json.loads(raw)
        if data.get("generation", "") != generation:
            return None
        premium = bool(data["is_premium"])
        until = data.get("premium_until_iso")
        if premium and until and utcnow() >= datetime.fromisoformat(until):
            premium = False  # the paid period ended while cached
        return UserView(
            id=int(data["id"]),
            email=str(data["email"]),
            name=str(data["name"]),
            image_url=data.get("image_url"),
            role=str(data["role"]),
            credits=Decimal(data["credits"]),
            is_premium=premium,
            premium_until_iso=until,
            auth_provider=str(data["auth_provider"]),
        )
    except (ValueError, KeyError, TypeError, ArithmeticError):
        return None


def _load_from_database(provider: str, subject: str) -> UserView:
    from vocahire.infra.database import in_session
    from vocahire.services.accounts import users as accounts

    def load(*, session: Any) -> UserView:
        return accounts.to_view(
            accounts.user_for_identity(session=session, provider=provider, subject=subject)
        )

    return in_session(load)


def user_view_for_identity(provider: str, subject: str) -> UserView:
    """The active user behind a verified identity: from Redis when cached, else the database (then cached)."""
    client = _redis.client()
    if client is None:
        return _load_from_database(provider, subject)
    try:
        user_id: int | None
        if provider == "builtin":
            user_id = int(subject)
        else:
            cached_id = client.get(_subject_key(provider, subject))
            user_id = int(cached_id) if cached_id else None
        version = generation = ""
        if user_id is not None:
            raw, version, generation = client.mget(_view_key(user_id), _version_key(user_id), GENERATION_KEY)
            version, generation = version or "", generation or ""
            view = _decode(raw, generation) if raw else None
            _redis.succeeded(client)
            if view is not None and view.id == user_id:
                return view
    except ValueError:
        return _load_from_database(provider, subject)
    except Exception as exc:
        _redis.failed(exc)
        return _load_from_database(provider, subject)

    view = _load_from_database(provider, subject)
    if user_id is None:
        # First sight of this subject: learn its id now, cache the view on the next request.
        _safe(lambda c: c.set(_subject_key(provider, subject), view.id, ex=get_settings().cache_ttl_seconds))
        return view
    ttl = get_settings().cache_ttl_seconds
    _safe(
        lambda c: c.eval(
            _PUT_IF_UNCHANGED,
            3,
            _view_key(view.id),
            _version_key(view.id),
            GENERATION_KEY,
            _encode(view, generation),
            version,
            generation,
            ttl,
        )
    )
    return view


def _safe(op: Any) -> None:
    client = _redis.client()
    if client is None:
        return
    try:
        op(client)
        _redis.succeeded(client)
    except Exception as exc:
        _redis.failed(exc)


# --- invalidation ----------------------------------------------------------------------------


def _invalidate_now(client: redis.Redis, user_ids: Iterable[int]) -> None:
    pipe = client.pipeline(transaction=False)
    for user_id in user_ids:
        if user_id == _ALL:
            pipe.incr(GENERATION_KEY)
            continue
        pipe.delete(_view_key(user_id))
        pipe.incr(_version_key(user_id))
        pipe.expire(_version_key(user_id), VERSION_TTL_SECONDS)
    pipe.execute()


def invalidate_user(user_id: int) -> None:
    """Drop a user's cached balance and premium state now (call after the change is committed)."""
    invalidate_users([user_id])


def invalidate_users(user_ids: Iterable[int]) -> None:
    ids = {int(u) for u in user_ids}
    if not ids or not enabled():
        return
    client = _redis.client()
    if client is None:
        _redis.remember(ids)
        return
    try:
        _invalidate_now(client, ids)
        _redis.succeeded(client)
    except Exception as exc:
        _redis.failed(exc)
        _redis.remember(ids)


def invalidate_user_on_commit(session: Session, user_id: int) -> None:
    """Drop a user's cache entry once ``session``'s transaction commits (a rollback changes nothing)."""
    _dirty(session).add(int(user_id))


def invalidate_all_on_commit(session: Session) -> None:
    _dirty(session).add(_ALL)


def _dirty(session: Session) -> set[int]:
    return session.info.setdefault(_SESSION_KEY, set())


@event.listens_for(Session, "after_flush")
def _collect_changed_users(session: Session, _flush_context: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, User) and obj.id is not None:
            _dirty(session).add(obj.id)


@event.listens_for(Session, "do_orm_execute")
def _collect_bulk_user_updates(state: Any) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is None or getattr(table, "name", None) != User.__tablename__:
        return
    ids = _ids_in_where(state.statement.whereclause, table)
    dirty = _dirty(state.session)
    dirty.update(ids if ids else {_ALL})


def _ids_in_where(where: Any, table: Any) -> set[int]:
    """``users.id = :x`` (or ``IN``) somewhere in an AND-only WHERE clause -> those ids; else empty."""
    if where is None:
        return set()
    found: set[int] = set()
    for node in visitors.iterate(where):
        if not isinstance(node, BinaryExpression):
            continue
        left, right = node.left, node.right
        if (
            getattr(getattr(left, "table", None), "name", None) != table.name
            or getattr(left, "name", None) != "id"
        ):
            continue
        if isinstance(right, BindParameter):
            value = right.effective_value
            if node.operator is operators.eq and isinstance(value, int):
                found.add(value)
            elif node.operator is operators.in_op and isinstance(value, (list, tuple)):
                found.update(v for v in value if isinstance(v, int))
    if found and any(getattr(n, "operator", None) is operators.or_ for n in visitors.iterate(where)):
        return set()  # an OR could reach other rows: treat as unknown
    return found


@event.listens_for(Session, "after_commit")
def _invalidate_committed(session: Session) -> None:
    ids = session.info.pop(_SESSION_KEY, None)
    if ids:
        invalidate_users(ids)
