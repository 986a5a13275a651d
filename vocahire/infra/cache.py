"""The user/credits cache in Redis: short TTL, dropped after every committed change, always optional.

Without ``REDIS_URL``, or while Redis does not answer, every lookup reads the
database: slower, never broken (the outage is logged once, and invalidations
made meanwhile are replayed when Redis answers again).

Correctness does not depend on callers remembering to invalidate: session hooks
collect the ids of users changed through any ``Session`` (ORM attribute changes
and ``update(User)`` statements) and drop their entries after the commit.
A per-user version number makes sure a reader that loaded the old row before a
commit cannot put it back into the cache afterwards.

What a view holds and how it is read from the database belong to the accounts
package, which hands ``UserViewCache`` its loader, encoder and decoder: this
module imports no domain code.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter

from vocahire.models import User
from vocahire.settings import get_settings

if TYPE_CHECKING:
    import redis

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
_GENERATION_FIELD = "generation"  # kept beside the encoded view in each entry

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


def is_unreachable(exc: BaseException) -> bool:
    """Whether a failure is Redis not answering (refused, dropped, timed out, still loading), as the
    failure itself or anywhere in the chain of exceptions that led to it (Reflex wraps some)."""
    import redis.exceptions as redis_errors

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, (redis_errors.ConnectionError, redis_errors.TimeoutError)):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


# --- reading and writing the signed-in user's view -------------------------------------------


class CachedView(Protocol):
    """What the cache needs to know of a view: the id of the user it describes."""

    @property
    def id(self) -> int: ...


V = TypeVar("V", bound=CachedView)


def _no_known_id(_provider: str, _subject: str) -> int | None:
    return None


class UserViewCache(Generic[V]):
    """The signed-in user's view read through Redis; the accounts package says how to load and store it.

    ``load(provider, subject)`` reads the database and raises when nobody active is behind the subject;
    ``encode``/``decode`` turn a view into a JSON object and back (``decode`` may return ``None``, or raise
    ``ValueError``/``KeyError``/``TypeError``, for an entry it can't use: it is then read again);
    ``known_id(provider, subject)`` is the user id a subject names without a lookup, when it does.
    """

    def __init__(
        self,
        *,
        load: Callable[[str, str], V],
        encode: Callable[[V], dict[str, Any]],
        decode: Callable[[dict[str, Any]], V | None],
        known_id: Callable[[str, str], int | None] = _no_known_id,
    ) -> None:
        self.load = load
        self.encode = encode
        self.decode = decode
        self.known_id = known_id

    def get(self, provider: str, subject: str) -> V:
        """The view from Redis when cached, else from ``load`` (then cached); Redis failing means ``load``."""
        client = _redis.client()
        if client is None:
            return self.load(provider, subject)
        try:
            user_id = self.known_id(provider, subject)
            if user_id is None:
                # redis-py types every reply as "awaitable or not"; this client is the synchronous one.
                cached_id = cast(str | None, client.get(_subject_key(provider, subject)))
                user_id = int(cached_id) if cached_id else None
            version = generation = ""
            if user_id is not None:
                raw, stored_version, stored_generation = cast(
                    list[str | None], client.mget(_view_key(user_id), _version_key(user_id), GENERATION_KEY)
                )
                version, generation = stored_version or "", stored_generation or ""
                view = self._decode(raw, generation) if raw else None
                _redis.succeeded(client)
                if view is not None and view.id == user_id:
                    return view
        except ValueError:
            return self.load(provider, subject)
        except Exception as exc:
            _redis.failed(exc)
            return self.load(provider, subject)

        view = self.load(provider, subject)
        ttl = get_settings().cache_ttl_seconds
        if user_id is None:
            # First sight of this subject: learn its id now, cache the view on the next request.
            _safe(lambda c: c.set(_subject_key(provider, subject), view.id, ex=ttl))
            return view
        entry = json.dumps({**self.encode(view), _GENERATION_FIELD: generation})
        _safe(
            lambda c: c.eval(
                _PUT_IF_UNCHANGED,
                3,
                _view_key(view.id),
                _version_key(view.id),
                GENERATION_KEY,
                entry,
                version,
                generation,
                ttl,
            )
        )
        return view

    def _decode(self, raw: str, generation: str) -> V | None:
        """The cached view, or ``None`` when it is unreadable or older than the last "drop everything"."""
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or data.pop(_GENERATION_FIELD, "") != generation:
                return None
            return self.decode(data)
        except (ValueError, KeyError, TypeError, ArithmeticError):
            return None


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
