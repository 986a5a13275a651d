"""The browser's fallback batches, saved together (group commit).

A batch alone costs a worker-thread hop, a connection check-out and a commit on top of its own three
statements: most of a lone line's cost. So every batch that arrives while the previous group is being
saved waits for that save to finish and then goes with the others in one hop and one transaction
(``transcript.save_browser_batches``). Nothing waits when nothing is being saved: a lone batch leaves at
once, and the groups grow only with the load, which is when the saving matters.

One saver per event loop (a Reflex worker has one). If a group's transaction fails as a whole (a lost
connection, a lock timeout), each of its batches is tried again on its own, so one batch can't fail
the others; a refusal is only its own batch's answer.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field

from vocahire.infra.database import run_db
from vocahire.services.interviews import transcript
from vocahire.services.interviews.transcript import BrowserBatch

log = logging.getLogger(__name__)

MAX_GROUP = 64  # batches per transaction: a bounded hold on the interviews' turns


@dataclass
class _Saver:
    """The batches waiting for the next group, and whether a group is being saved now."""

    waiting: list[tuple[BrowserBatch, asyncio.Future[int]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None  # the one saving now


_savers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Saver] = weakref.WeakKeyDictionary()


async def save(batch: BrowserBatch) -> int:
    """Save one tab's batch (with whichever others are waiting); how many of its lines were new.

    Raises what ``transcript.save_browser_batch`` raises for this batch alone.
    """
    loop = asyncio.get_running_loop()
    saver = _savers.get(loop)
    if saver is None:
        saver = _savers[loop] = _Saver()
    answer: asyncio.Future[int] = loop.create_future()
    saver.waiting.append((batch, answer))
    if saver.task is None:
        saver.task = loop.create_task(_save_groups(saver), name="browser-lines")
    return await answer


async def _save_groups(saver: _Saver) -> None:
    """Save what is waiting, group after group, until nothing is."""
    try:
        while saver.waiting:
            group, saver.waiting = saver.waiting[:MAX_GROUP], saver.waiting[MAX_GROUP:]
            await _save_group(group)
    finally:
        saver.task = None
        if saver.waiting:  # cancelled (the worker is shutting down): nobody would answer these
            for _, future in saver.waiting:
                future.cancel()
            saver.waiting = []


async def _save_group(group: list[tuple[BrowserBatch, asyncio.Future[int]]]) -> None:
    try:
        answers = await run_db(transcript.save_browser_batches, batches=[batch for batch, _ in group])
    except asyncio.CancelledError:
        for _, future in group:
            future.cancel()
        raise
    except Exception as exc:
        if len(group) == 1:
            _settle(group[0][1], exc)
            return
        log.warning("A group of %d browser batches failed; saving each on its own", len(group), exc_info=True)
        await asyncio.gather(*(_save_group([one]) for one in group))
        return
    for (_, future), answer in zip(group, answers, strict=True):
        _settle(future, answer)


def _settle(future: asyncio.Future[int], answer: int | BaseException) -> None:
    if future.done():  # the event was cancelled (the tab went away): nobody is waiting
        return
    if isinstance(answer, int):
        future.set_result(answer)
    else:
        future.set_exception(answer)
