"""The one place in ``state/`` where a failure becomes the sentence a page shows."""

from __future__ import annotations

import logging

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from vocahire.errors import VocaHireError
from vocahire.infra.database import DatabaseUnavailable

log = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = "We couldn't reach our database. Please try again in a moment."
SOMETHING_WENT_WRONG = "Something went wrong on our side. Please try again."


def friendly_error(exc: BaseException) -> str:
    """A domain error's own safe message; a fixed sentence for anything else (logged, never shown)."""
    if isinstance(exc, VocaHireError):
        return exc.message
    if isinstance(exc, (DatabaseUnavailable, OperationalError, PoolTimeout)):
        return DATABASE_UNAVAILABLE
    log.exception("unexpected error in a handler", exc_info=exc)
    return SOMETHING_WENT_WRONG
