"""Reading a résumé: time and peak memory for the hostile documents of issue 12 and a normal résumé.

For each document, ``--runs`` readings (median printed):
- ``time``: ``read_resume`` end to end as the upload handler awaits it (start a limited process, send
  the file, read its answer);
- ``child peak``: the reading process's maximum RSS, from ``wait4`` on an identical process (same
  command line, same limits, same input);
- the app's own RSS before and after all the runs (it should not move).

``--baseline-ref`` (default d0cbbe2, before this change) also reads each document with that
revision's ``extract_resume_text`` in a plain process (it ran inside the app worker then), with its
time and peak RSS: what one upload cost the worker. Its hostile Word file takes about half a minute,
hence ``--baseline-runs 1`` by default. Then ten hostile uploads at once: total time, the event
loop's worst lag meanwhile, and the app's RSS.

    .venv/bin/python benchmarks/resume_extract_bench.py [--runs 5] [--baseline-ref REF | --no-baseline]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.utils.documents import (  # noqa: E402
    make_docx_of_tiny_paragraphs,
    make_pdf_with_inflating_stream,
    make_resume_pdf,
)
from vocahire.services.interviews import resume_reader  # noqa: E402

DOCUMENTS: list[tuple[str, str, Callable[[], bytes]]] = [
    ("2-page résumé (PDF)", "cv.pdf", lambda: make_resume_pdf(2)),
    ("docx, 39 MB of tiny paragraphs", "cv.docx", make_docx_of_tiny_paragraphs),
    ("pdf, stream inflating to 80 MB", "cv.pdf", make_pdf_with_inflating_stream),
]

_BASELINE_CODE = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from vocahire.services.interviews.resume_text import extract_resume_text
name = sys.argv[2]
data = sys.stdin.buffer.read()
started = time.perf_counter()
try:
    outcome = "text: %d chars" % len(extract_resume_text(name, data).text)
except Exception as exc:
    outcome = type(exc).__name__ + ": " + str(getattr(exc, "message", exc))[:60]
print(json.dumps({"seconds": time.perf_counter() - started, "outcome": outcome}))
"""


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_and_measure(argv: list[str], stdin: bytes) -> tuple[bytes, float]:
    """Run a process to its end; its stdout and its peak RSS in MB (from the kernel, via wait4)."""
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(stdin)
    process.stdin.close()
    out = process.stdout.read()
    _pid, _status, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped here; keep Popen from waiting again
    return out, usage.ru_maxrss / 1024


def child_peak_mb(name: str, data: bytes) -> float:
    """The peak RSS of the reader's process for this file (its exact command line and input)."""
    request = json.dumps({"filename": name}).encode() + b"\n" + data
    _out, peak = run_and_measure([sys.executable, "-I", "-B", "-c", resume_reader._CHILD_CODE], request)
    return peak


async def read_once(name: str, data: bytes) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        result = await resume_reader.read_resume(name, data)
        outcome = f"text: {len(result.text):,} chars"
    except Exception as exc:
        outcome = f"{type(exc).__name__}"
    return time.perf_counter() - started, outcome


def baseline_tree(ref: str) -> Path:
    """That revision's ``vocahire`` package, unpacked into a temporary directory."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "vocahire"], check=True, capture_output=True
    ).stdout
    target = Path(tempfile.mkdtemp(prefix="resume-bench-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def baseline(tree: Path, name: str, data: bytes, runs: int) -> tuple[float, float, str]:
    seconds, peaks, outcome = [], [], ""
    for _ in range(runs):
        out, peak = run_and_measure([sys.executable, "-c", _BASELINE_CODE, str(tree), name], data)
        answer = json.loads(out)
        seconds.append(answer["seconds"])
        peaks.append(peak)
        outcome = answer["outcome"]
    return statistics.median(seconds), statistics.median(peaks), outcome


async def ten_at_once(files: list[tuple[str, bytes]]) -> tuple[float, float, float]:
    """Ten hostile uploads at once: total seconds, the event loop's worst lag (ms), app RSS after."""
    worst_lag = 0.0

    async def ticker() -> None:
        nonlocal worst_lag
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            worst_lag = max(worst_lag, time.perf_counter() - before - 0.005)

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    await asyncio.gather(*(resume_reader.read_resume(n, d) for n, d in files), return_exceptions=True)
    total = time.perf_counter() - started
    task.cancel()
    return total, worst_lag * 1000, rss_mb()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-ref", default="d0cbbe2")
    parser.add_argument("--baseline-runs", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    documents = [(label, name, make()) for label, name, make in DOCUMENTS]
    await read_once("warm-up.txt", b"one two three four five six")
    app_before = rss_mb()
    print(f"App process RSS before: {app_before:.0f} MB\n")
    print(
        "This change: a separate process per upload (limits: "
        f"{resume_reader.RESUME_READ_SECONDS} s, {resume_reader.RESUME_READ_MEMORY_MB} MB address space)"
    )
    print(f"{'document':34} {'size':>9} {'time (median)':>14} {'child peak':>11}  outcome")
    for label, name, data in documents:
        times, outcome = [], ""
        for _ in range(args.runs):
            seconds, outcome = await read_once(name, data)
            times.append(seconds)
        peak = statistics.median(child_peak_mb(name, data) for _ in range(args.runs))
        print(
            f"{label:34} {len(data) / 1024:7.0f} KB {statistics.median(times) * 1000:11.0f} ms "
            f"{peak:8.0f} MB  {outcome}"
        )
    print(f"App process RSS after {args.runs * len(documents)} readings: {rss_mb():.0f} MB")

    hostile = [(name, data) for _label, name, data in documents[1:]] * 5
    total, lag, rss_after = await ten_at_once(hostile)
    print(
        f"\nTen hostile uploads at once ({resume_reader.RESUME_READS_AT_ONCE} read at a time): "
        f"{total:.2f} s in all, event loop's worst lag {lag:.1f} ms, app RSS {rss_after:.0f} MB"
    )

    if args.no_baseline:
        return
    tree = baseline_tree(args.baseline_ref)
    print(
        f"\nBefore ({args.baseline_ref}): extract_resume_text in the app worker "
        f"(median of {args.baseline_runs})"
    )
    print(f"{'document':34} {'time':>14} {'peak RSS':>11}  outcome")
    for label, name, data in documents:
        seconds, peak, outcome = baseline(tree, name, data, args.baseline_runs)
        print(f"{label:34} {seconds * 1000:11.0f} ms {peak:8.0f} MB  {outcome}")


if __name__ == "__main__":
    asyncio.run(main())
