"""The résumé reader: a separate process per upload with a memory cap and a time limit, so hostile files
cost that process, never the app's (its memory and event loop stay as they were)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from tests.utils.documents import (
    make_docx,
    make_docx_of_tiny_paragraphs,
    make_pdf_with_inflating_stream,
    make_resume_pdf,
)
from vocahire.errors import InvalidInput
from vocahire.limits import RESUME_READ_SECONDS
from vocahire.services.interviews import resume_reader
from vocahire.services.interviews.resume_reader import ResumeReadersBusy, read_resume
from vocahire.services.interviews.resume_text import ResumeTooComplex
from vocahire.wording import RESUME_TOO_COMPLEX

HOSTILE = {
    "docx of 39 MB of tiny paragraphs": ("cv.docx", make_docx_of_tiny_paragraphs),
    "pdf stream inflating past pypdf's limit": ("cv.pdf", make_pdf_with_inflating_stream),
}
# What a finished reading may leave behind in this process (the file, the answer, allocator slack).
RSS_SLACK_MB = 30


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def child_code(body: str) -> str:
    """Code for the reading process in place of the real one (the same limits, set the same way)."""
    return (
        f"import sys; sys.path.insert(0, {resume_reader._ROOT!r}); "
        "from vocahire.services.interviews import resume_reader as r; r._limit_this_process(); " + body
    )


async def test_a_normal_resume_is_read_in_its_own_process():
    result = await read_resume("Grace Hopper CV.pdf", make_resume_pdf(2))
    assert result.kind == "pdf" and result.filename == "Grace Hopper CV.pdf"
    assert "Page 2, line 45:" in result.text
    docx = await read_resume("cv.docx", make_docx(["Ada Lovelace", "Backend engineer at Acme 2021-2026"]))
    assert "Skills | Python, PostgreSQL" in docx.text


@pytest.mark.parametrize("name,make", HOSTILE.values(), ids=HOSTILE.keys())
async def test_hostile_resumes_get_a_clear_message_in_time_and_leave_no_memory_behind(name, make):
    data = make()
    await read_resume("warm-up.txt", b"one two three four five six")  # imports, event loop, allocator
    before = rss_mb()
    for _ in range(3):
        started = time.monotonic()
        with pytest.raises(ResumeTooComplex) as info:
            await read_resume(name, data)
        assert time.monotonic() - started < RESUME_READ_SECONDS  # the reader's own limit, never reached
        assert info.value.message == RESUME_TOO_COMPLEX
    assert rss_mb() - before < RSS_SLACK_MB


async def test_ten_hostile_uploads_at_once_leave_the_event_loop_serving():
    files = [(name, make()) for name, make in HOSTILE.values()] * 5
    before = rss_mb()
    ticks = 0

    async def other_users() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(other_users())
    results = await asyncio.gather(*(read_resume(name, data) for name, data in files), return_exceptions=True)
    ticker.cancel()
    assert all(isinstance(result, ResumeTooComplex) for result in results), results
    assert ticks > 10, "the event loop kept running other work while ten résumés were read"
    assert rss_mb() - before < RSS_SLACK_MB


async def test_a_reading_past_the_time_limit_is_killed(monkeypatch):
    monkeypatch.setattr(resume_reader, "RESUME_READ_SECONDS", 1)
    monkeypatch.setattr(resume_reader, "_CHILD_CODE", child_code("import time; time.sleep(60)"))
    with pytest.raises(ResumeTooComplex):
        await read_resume("cv.pdf", make_resume_pdf(1))
    assert not _children_running("time.sleep(60)")


async def test_a_reading_past_the_memory_cap_gets_the_clear_message(monkeypatch):
    monkeypatch.setattr(resume_reader, "_CHILD_CODE", child_code("b = bytearray(600 * 1024 * 1024)"))
    with pytest.raises(ResumeTooComplex):
        await read_resume("cv.pdf", make_resume_pdf(1))


async def test_a_reading_past_its_cpu_time_is_stopped_by_the_kernel(monkeypatch):
    spin = "import resource; r._lower_limit(resource.RLIMIT_CPU, 1, 2)\nwhile True: pass"
    monkeypatch.setattr(resume_reader, "_CHILD_CODE", child_code("exec(" + repr(spin) + ")"))
    monkeypatch.setattr(resume_reader, "RESUME_READ_SECONDS", 30)  # the kernel, not the wall clock, stops it
    with pytest.raises(ResumeTooComplex):
        await read_resume("cv.pdf", make_resume_pdf(1))


async def test_the_reading_process_gets_no_secrets_and_cannot_write_files(monkeypatch, tmp_path):
    monkeypatch.setenv("SESSION_SECRET", "s3cret-that-must-stay-in-the-app")
    target = tmp_path / "written.txt"
    body = (
        "import json, os\n"
        f"try:\n    with open({str(target)!r}, 'wb', buffering=0) as f:\n        f.write(b'x' * 10)\n"
        "    wrote = 'yes'\n"
        "except OSError:\n    wrote = 'no'\n"
        "print(json.dumps({'filename': 'env', 'kind': 'text', "
        "'text': json.dumps({'env': dict(os.environ), 'wrote': wrote})}))"
    )
    monkeypatch.setattr(resume_reader, "_CHILD_CODE", child_code("exec(" + repr(body) + ")"))
    result = await read_resume("cv.txt", b"one two three four five six")
    assert "s3cret" not in result.text and '"wrote": "no"' in result.text
    assert not target.exists() or target.stat().st_size == 0


async def test_files_refused_without_a_parser_start_no_process(monkeypatch):
    async def no_process(*args, **kwargs):
        raise AssertionError("a process was started")

    monkeypatch.setattr(asyncio, "create_subprocess_exec", no_process)
    for name, data in [("cv.exe", b"MZ"), ("cv.pdf", b""), ("cv.pdf", b"%PDF" + b"0" * (6 * 1024 * 1024))]:
        with pytest.raises(InvalidInput):
            await read_resume(name, data)


async def test_when_every_slot_stays_taken_the_candidate_is_told_to_retry(monkeypatch):
    monkeypatch.setattr(resume_reader, "RESUME_READ_QUEUE_SECONDS", 0.2)
    slot = resume_reader._slot()
    for _ in range(resume_reader.RESUME_READS_AT_ONCE):
        await slot.acquire()
    try:
        with pytest.raises(ResumeReadersBusy):
            await read_resume("cv.txt", b"one two three four five six")
    finally:
        for _ in range(resume_reader.RESUME_READS_AT_ONCE):
            slot.release()


def _children_running(marker: str) -> bool:
    me = str(os.getpid())
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[1] == me and marker in cmdline and " Z " not in stat:
            return True
    return False


async def test_when_no_process_can_start_the_candidate_is_told_to_retry(monkeypatch):
    async def out_of_processes(*args, **kwargs):
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(asyncio, "create_subprocess_exec", out_of_processes)
    with pytest.raises(ResumeReadersBusy):
        await read_resume("cv.pdf", make_resume_pdf(1))
