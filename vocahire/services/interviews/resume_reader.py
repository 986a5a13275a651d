"""Reads a résumé in a separate process with a memory cap and a time limit, off the app's event loop.

A hostile file (a Word document of a million tiny paragraphs, a PDF stream that inflates past every
limit) then costs a short-lived process, never the app: the worker's memory stays where it was and its
event loop keeps serving everyone else. The process is fresh for every upload, gets no environment
(no secrets), can't write files, runs at a lower priority, and one app worker runs at most
``RESUME_READS_AT_ONCE`` of them (the others wait their turn, up to ``RESUME_READ_QUEUE_SECONDS``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import weakref
from pathlib import Path

from vocahire.errors import InvalidInput, VocaHireError
from vocahire.limits import (
    MAX_RESUME_BYTES,
    RESUME_READ_MEMORY_MB,
    RESUME_READ_QUEUE_SECONDS,
    RESUME_READ_SECONDS,
    RESUME_READS_AT_ONCE,
)
from vocahire.services.interviews.resume_text import (
    ResumeText,
    ResumeTooComplex,
    check_upload,
    extract_resume_text,
)
from vocahire.wording import RESUME_READERS_BUSY

log = logging.getLogger(__name__)

# The directory holding the ``vocahire`` package: the reading process imports this module from there.
_ROOT = str(Path(__file__).resolve().parents[3])
_CHILD_CODE = f"import sys; sys.path.insert(0, {_ROOT!r}); from {__name__} import main; main()"
_MAX_ANSWER_BYTES = 1024 * 1024  # the text is capped at 50,000 characters; JSON escapes fit in this

_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


class ResumeReadersBusy(VocaHireError):  # noqa: N818
    """Every reading slot of this worker stayed taken for ``RESUME_READ_QUEUE_SECONDS``."""

    default_message = RESUME_READERS_BUSY


def _slot() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slot = _slots.get(loop)
    if slot is None:
        slot = _slots[loop] = asyncio.Semaphore(RESUME_READS_AT_ONCE)
    return slot


async def read_resume(filename: str | None, data: bytes) -> ResumeText:
    """The résumé's text, read in a separate limited process.

    Raises ``InvalidInput`` with a message the candidate can act on: ``ResumeTooComplex`` when reading
    hit a parser limit, the memory cap or the time limit, ``ResumeReadersBusy`` when no slot came free.
    """
    name = check_upload(filename, data)  # what needs no parser is refused without starting a process
    slot = _slot()
    try:
        async with asyncio.timeout(RESUME_READ_QUEUE_SECONDS):
            await slot.acquire()
    except TimeoutError:
        raise ResumeReadersBusy() from None
    try:
        return await _read_in_child(name, bytes(data))
    finally:
        slot.release()


async def _read_in_child(name: str, data: bytes) -> ResumeText:
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-I",  # isolated: no environment variables, no user site, no current directory on the path
            "-B",  # writes no bytecode (it may not write files at all)
            "-c",
            _CHILD_CODE,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={},
        )
    except OSError:  # out of processes or memory on this machine: a moment later may do
        log.exception("could not start a résumé reader")
        raise ResumeReadersBusy() from None
    request = json.dumps({"filename": name}).encode() + b"\n" + data
    try:
        async with asyncio.timeout(RESUME_READ_SECONDS):
            out, err = await process.communicate(request)
    except TimeoutError:
        log.warning("résumé reader stopped after %s s (%s)", RESUME_READ_SECONDS, Path(name).suffix)
        raise ResumeTooComplex() from None
    finally:
        if process.returncode is None:  # timed out, or the upload was cancelled
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    return _answer(process.returncode, out, err)


def _answer(returncode: int | None, out: bytes, err: bytes) -> ResumeText:
    answer = None
    if returncode == 0 and len(out) <= _MAX_ANSWER_BYTES:
        try:
            answer = json.loads(out)
        except ValueError:
            answer = None
    if isinstance(answer, dict) and isinstance(answer.get("error"), str):
        if answer.get("too_complex"):
            raise ResumeTooComplex()
        raise InvalidInput(answer["error"])
    if isinstance(answer, dict) and all(isinstance(answer.get(k), str) for k in ("filename", "text", "kind")):
        return ResumeText(answer["filename"], answer["text"], answer["kind"])
    # Killed by its CPU limit (SIGXCPU), out of memory outside our handlers, or a bug: never a traceback.
    log.warning("résumé reader ended with status %s: %s", returncode, err[-800:].decode("utf-8", "replace"))
    raise ResumeTooComplex()


# --- the reading process --------------------------------------------------------------------------


def _lower_limit(which: int, soft: int, hard: int | None = None) -> None:
    import resource

    hard = soft if hard is None else hard
    _current_soft, current_hard = resource.getrlimit(which)
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(which, (soft, hard))


def _limit_this_process() -> None:
    import resource

    _lower_limit(resource.RLIMIT_AS, RESUME_READ_MEMORY_MB * 1024 * 1024)
    _lower_limit(resource.RLIMIT_CPU, RESUME_READ_SECONDS, RESUME_READ_SECONDS + 1)  # then SIGKILL
    _lower_limit(resource.RLIMIT_FSIZE, 0)
    _lower_limit(resource.RLIMIT_CORE, 0)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write to a file fails instead of killing us
    os.nice(10)  # the app's own worker comes first


def main() -> None:
    """The reading process: limit itself, read one request on stdin, answer one JSON object on stdout."""
    _limit_this_process()
    header = json.loads(sys.stdin.buffer.readline(4096) or b"{}")
    data = sys.stdin.buffer.read(MAX_RESUME_BYTES + 1)
    answer: dict[str, object]
    try:
        result = extract_resume_text(str(header.get("filename") or ""), data)
        answer = {"filename": result.filename, "text": result.text, "kind": result.kind}
    except ResumeTooComplex as exc:
        answer = {"error": exc.message, "too_complex": True}
    except InvalidInput as exc:
        answer = {"error": exc.message}
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
