"""What administrators do to accounts: search, inspect, adjust credits, premium, soft-delete, restore.

Every change re-checks in the database that the actor is an active admin, happens in
one transaction with its audit row (``admin_actions``), and invalidates the user's
cached view once committed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from vocahire.errors import Conflict, Forbidden, InsufficientCredits, InvalidInput, NotFound
from vocahire.infra import cache
from vocahire.models import AdminAction, CreditLedgerEntry, Feedback, InterviewSession, User, utcnow
from vocahire.models.admin_action import (
    ACTION_ADJUST_CREDITS,
    ACTION_GRANT_PREMIUM,
    ACTION_RESTORE,
    ACTION_REVOKE_PREMIUM,
    ACTION_SOFT_DELETE,
)
from vocahire.models.ledger import KIND_ADMIN_ADJUSTMENT
from vocahire.models.user import ROLE_ADMIN
from vocahire.services.accounts import credits
from vocahire.wording import CREDITS_NAME

PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200
MAX_ADJUSTMENT = Decimal("10000.00")
MIN_REASON_LENGTH = 3
MAX_REASON_LENGTH = 500
DETAIL_SESSIONS = 50
DETAIL_LEDGER = 100
DETAIL_ACTIONS = 50


@dataclass(frozen=True)
class UserPage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int


def _fmt(dt: datetime | None) -> str:
    return dt.strftime("%d %b %Y, %H:%M") if dt else "—"


def require_admin(*, session: Session, admin_user_id: int) -> User:
    """The acting admin, re-read from the database (a demoted or deleted admin loses access at once)."""
    admin = session.get(User, admin_user_id) if isinstance(admin_user_id, int) else None
    if admin is None or admin.deleted_at is not None or admin.role != ROLE_ADMIN:
        raise Forbidden("That is for administrators only.")
    return admin


def _stored_id(user: User) -> int:
    """The id of a user read from the database (only a row never flushed has none)."""
    if user.id is None:
        raise RuntimeError("a user read from the database always has an id")
    return user.id


def _target(session: Session, user_id: Any, *, for_update: bool = False) -> User:
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**63:
        raise NotFound("We couldn't find that user.")
    stmt = select(User).where(col(User.id) == user_id)
    if for_update:
        stmt = stmt.with_for_update()
    user = session.execute(stmt).scalar_one_or_none()
    if user is None:
        raise NotFound("We couldn't find that user.")
    return user


def _audit(session: Session, admin: User, action: str, target: User, details: dict[str, Any]) -> AdminAction:
    row = AdminAction(
        admin_user_id=_stored_id(admin), action=action, target_user_id=_stored_id(target), details=details
    )
    session.add(row)
    session.flush([row])
    return row


def _user_row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "credits": f"{credits.from_cents(user.credits_cents):.2f}",
        "premium": user.has_premium(),
        "deleted": user.deleted_at is not None,
        "created": _fmt(user.created_at),
        "provider": user.auth_provider,
    }


def _like_pattern(query: str) -> str:
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_users(*, session: Session, admin_user_id: int, query: Any = "", page: Any = 1) -> UserPage:
    """Users whose e-mail or name contains ``query`` (case-insensitive), newest first, a page at a time."""
    require_admin(session=session, admin_user_id=admin_user_id)
    text = query.strip() if isinstance(query, str) else ""
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput(f"Search for at most {MAX_QUERY_LENGTH} characters.")
    page_number = page if isinstance(page, int) and not isinstance(page, bool) else 1
    conditions = []
    if text:
        pattern = _like_pattern(text)
        conditions.append(
            or_(
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(User.name).like(pattern, escape="\\"),
            )
        )
    total = int(session.execute(select(func.count()).select_from(User).where(*conditions)).scalar_one())
    pages = max(1, -(-total // PAGE_SIZE))
    page_number = min(max(1, page_number), pages)
    users = (
        session.execute(
            select(User)
            .where(*conditions)
            .order_by(col(User.created_at).desc(), col(User.id).desc())
            .limit(PAGE_SIZE)
            .offset((page_number - 1) * PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    return UserPage(rows=[_user_row(u) for u in users], total=total, page=page_number, pages=pages)


def user_detail(*, session: Session, admin_user_id: int, user_id: Any) -> dict[str, Any]:
    """Profile, recent interviews with feedback status, ledger and the admin actions taken on the account."""
    require_admin(session=session, admin_user_id=admin_user_id)
    user = _target(session, user_id)
    user_id = _stored_id(user)
    sessions = session.execute(
        select(InterviewSession, col(Feedback.overall_score))
        .join(Feedback, col(Feedback.session_id) == col(InterviewSession.id), isouter=True)
        .where(col(InterviewSession.user_id) == user_id)
        .order_by(col(InterviewSession.created_at).desc())
        .limit(DETAIL_SESSIONS)
    ).all()
    actor = aliased(User, name="actor")
    ledger = session.execute(
        select(CreditLedgerEntry, col(actor.email))
        .join(actor, col(actor.id) == col(CreditLedgerEntry.actor_user_id), isouter=True)
        .where(col(CreditLedgerEntry.user_id) == user_id)
        .order_by(col(CreditLedgerEntry.created_at).desc(), col(CreditLedgerEntry.id).desc())
        .limit(DETAIL_LEDGER)
    ).all()
    actions = session.execute(
        select(AdminAction, col(actor.email))
        .join(actor, col(actor.id) == col(AdminAction.admin_user_id))
        .where(col(AdminAction.target_user_id) == user_id)
        .order_by(col(AdminAction.created_at).desc(), col(AdminAction.id).desc())
        .limit(DETAIL_ACTIONS)
    ).all()
    return {
        "user": {
            **_user_row(user),
            "premium_until": _fmt(user.premium_until) if user.premium_until else "",
            "premium_flag": user.is_premium,
            "deleted_at": _fmt(user.deleted_at) if user.deleted_at else "",
            "ledger_matches": credits.ledger_sum(session=session, user_id=user_id)
            == credits.from_cents(user.credits_cents),
        },
        "sessions": [
            {
                "id": s.id,
                "job_title": s.job_title,
                "created": _fmt(s.created_at),
                "status": s.status,
                "feedback_status": s.feedback_status,
                "duration": f"{(s.duration_seconds or 0) // 60} min {(s.duration_seconds or 0) % 60:02d} s"
                if s.duration_seconds
                else "—",
                "score": score if score is not None else "",
                "error": (s.error_message or s.feedback_error or "")[:200],
            }
            for s, score in sessions
        ],
        "ledger": [
            {
                "when": _fmt(e.created_at),
                "kind": e.kind,
                "amount": f"{credits.from_cents(e.amount_cents):+.2f}",
                "reason": e.reason,
                "actor": actor_email or "",
            }
            for e, actor_email in ledger
        ],
        "actions": [
            {
                "when": _fmt(a.created_at),
                "action": a.action,
                "admin": admin_email,
                "details": _details_label(a.details),
            }
            for a, admin_email in actions
        ],
    }


def _details_label(details: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in sorted(details.items()) if k != "ledger_entry_id")


def parse_amount(raw: Any) -> Decimal:
    """A signed amount of credits typed by an admin: non-zero, at most two decimals, within bounds."""
    text = raw.strip().replace(",", ".") if isinstance(raw, str) else ""
    if not text or len(text) > 12:
        raise InvalidInput("Enter an amount such as 2.00 (add) or -1.50 (remove).")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidInput("Enter an amount such as 2.00 (add) or -1.50 (remove).") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput("Amounts go to the hundredth at most (for example 0.25).")
    if amount == 0:
        raise InvalidInput("The amount can't be zero.")
    if abs(amount) > MAX_ADJUSTMENT:
        raise InvalidInput(f"Adjust by at most {MAX_ADJUSTMENT:.2f} at a time.")
    return amount


def parse_reason(raw: Any) -> str:
    reason = " ".join(raw.split()) if isinstance(raw, str) else ""
    if len(reason) < MIN_REASON_LENGTH:
        raise InvalidInput("Give a reason for the adjustment (it is kept in the user's ledger).")
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(f"Keep the reason under {MAX_REASON_LENGTH} characters.")
    return reason


def new_request_key() -> str:
    """One key per admin form, so a double click applies an adjustment once."""
    return uuid.uuid4().hex


def adjust_credits(
    *, session: Session, admin_user_id: int, user_id: Any, amount: Any, reason: Any, request_key: str
) -> Decimal:
    """Add or remove credits with a reason; the ledger row names the admin. Returns the new balance."""
    admin = require_admin(session=session, admin_user_id=admin_user_id)
    value = parse_amount(amount)
    why = parse_reason(reason)
    user = _target(session, user_id)
    target_id = _stored_id(user)
    try:
        entry = credits.apply_credit_change(
            session=session,
            user_id=target_id,
            amount_cents=credits.to_cents(value),
            kind=KIND_ADMIN_ADJUSTMENT,
            reason=f"{why} (by {admin.email})",
            idempotency_key=f"admin-adjust:{admin.id}:{request_key}",
            actor_user_id=admin.id,
        )
    except InsufficientCredits:
        balance = credits.get_balance(session=session, user_id=target_id)
        raise InvalidInput(
            f"That would take the balance below zero: {user.email} has {balance:.2f} {CREDITS_NAME}."
        ) from None
    balance = credits.get_balance(session=session, user_id=target_id)
    if entry is None:
        raise Conflict("That adjustment was already applied.")
    _audit(
        session,
        admin,
        ACTION_ADJUST_CREDITS,
        user,
        {
            "amount": f"{value:+.2f}",
            "reason": why,
            "balance_after": f"{balance:.2f}",
            "ledger_entry_id": entry.id,
        },
    )
    return balance


def parse_until(raw: Any, today: date | None = None) -> datetime | None:
    """An optional end date (``YYYY-MM-DD``) for granted premium; empty means "until revoked"."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if not isinstance(raw, str) or len(raw.strip()) != 10:
        raise InvalidInput("Enter the end date as YYYY-MM-DD, or leave it empty.")
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput("That end date is not a real date (use YYYY-MM-DD).") from None
    if day <= (today or utcnow().date()):
        raise InvalidInput("The premium end date must be in the future.")
    if day.year > 2100:
        raise InvalidInput("Pick an end date before 2100.")
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def set_premium(
    *, session: Session, admin_user_id: int, user_id: Any, premium: bool, until: Any = None
) -> None:
    """Grant premium (optionally until a date) or revoke it."""
    admin = require_admin(session=session, admin_user_id=admin_user_id)
    if not isinstance(premium, bool):
        raise InvalidInput("Choose whether to grant or revoke premium.")
    end = parse_until(until) if premium else None
    user = _target(session, user_id, for_update=True)
    before = {
        "premium": user.has_premium(),
        "premium_until": user.premium_until.isoformat() if user.premium_until else None,
    }
    session.execute(
        update(User)
        .where(col(User.id) == _stored_id(user))
        .values(is_premium=premium, premium_until=end, updated_at=utcnow())
    )
    cache.invalidate_user_on_commit(session, _stored_id(user))
    _audit(
        session,
        admin,
        ACTION_GRANT_PREMIUM if premium else ACTION_REVOKE_PREMIUM,
        user,
        {
            "before": "premium" if before["premium"] else "none",
            "until": end.date().isoformat() if end else ("indefinite" if premium else ""),
        },
    )


def set_deleted(
    *, session: Session, admin_user_id: int, user_id: Any, deleted: bool, reason: Any = ""
) -> None:
    """Soft-delete (the user can no longer sign in; data kept) or restore an account."""
    admin = require_admin(session=session, admin_user_id=admin_user_id)
    if not isinstance(deleted, bool):
        raise InvalidInput("Choose whether to delete or restore the account.")
    user = _target(session, user_id, for_update=True)
    if deleted and user.id == admin.id:
        raise InvalidInput("You can't delete your own account from here.")
    if deleted == (user.deleted_at is not None):
        raise Conflict("That account is already deleted." if deleted else "That account is not deleted.")
    why = " ".join(reason.split())[:MAX_REASON_LENGTH] if isinstance(reason, str) else ""
    session.execute(
        update(User)
        .where(col(User.id) == _stored_id(user))
        .values(deleted_at=utcnow() if deleted else None, updated_at=utcnow())
    )
    cache.invalidate_user_on_commit(session, _stored_id(user))
    _audit(
        session,
        admin,
        ACTION_SOFT_DELETE if deleted else ACTION_RESTORE,
        user,
        {"reason": why} if why else {},
    )
