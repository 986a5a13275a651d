"""The browser's fallback batches, saved together (group commit, ``infra.group_commit``).

A batch alone costs a worker-thread hop, a connection check-out and a commit on top of its own three
statements: most of a lone line's cost. So the batches that arrive while the previous group is being
saved go together in one hop and one transaction (``transcript.save_browser_batches``: a fixed number
of statements whatever the number of batches). A refusal (a signed-out tab, someone else's interview)
is only its own batch's answer; a group whose transaction fails as a whole is saved again batch by
batch, so one bad batch can't lose the others.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from vocahire.errors import VocaHireError
from vocahire.infra.group_commit import GroupCommit
from vocahire.services.interviews import transcript
from vocahire.services.interviews.transcript import BrowserBatch

MAX_GROUP = 64  # batches per transaction: a bounded hold on the interviews' turns


def _save_batches(*, session: Session, items: Sequence[BrowserBatch]) -> list[int | VocaHireError]:
    return transcript.save_browser_batches(session=session, batches=items)


_GROUPS: GroupCommit[BrowserBatch, int] = GroupCommit("browser batches", _save_batches, MAX_GROUP)


async def save(batch: BrowserBatch) -> int:
    """Save one tab's batch (with whichever others are waiting); how many of its lines were new.

    Raises what ``transcript.save_browser_batch`` raises for this batch alone.
    """
    return await _GROUPS.run(batch)
