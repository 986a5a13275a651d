"""Password hashing (argon2id via argon2-cffi) and the strength rule shown at sign-up."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from vocahire.limits import MIN_PASSWORD_LENGTH

_COMMON = frozenset(
    {
        "password123",
        "1234567890",
        "qwertyuiop",
        "password1234",
        "iloveyou123",
        "letmein1234",
        "welcome1234",
        "abcdefghij",
        "0123456789",
        "passw0rd123",
    }
)


@functools.lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def password_problem(password: str) -> str | None:
    """Why a password is too weak, in words a user understands; ``None`` when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters for your password."
    if len(password) > 256:
        return "That password is too long (256 characters at most)."
    if password.lower() in _COMMON or len(set(password)) < 4:
        return "That password is too easy to guess; pick something less common."
    if password.isalpha() or password.isdigit():
        return "Mix letters with numbers or symbols in your password."
    return None


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-time check; a missing or corrupt hash is simply a mismatch."""
    if not password_hash:
        # Spend comparable time so unknown e-mails are not distinguishable by timing.
        _hasher().hash(password)
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
