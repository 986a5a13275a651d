"""A throwaway ``redis-server`` of the test's own, on a free port, that a test can stop and start again.

Outage tests use it instead of the machine's Redis, which other tests and runs share. By default it
keeps nothing on disk (``--save "" --appendonly no``): a restart comes back empty, as a replaced Redis
would. With ``persist_dir`` it writes a snapshot when stopped and loads it when started again, as a
restarted Redis with persistence would (old entries come back).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """``start()``, ``stop()``, ``url(db)``; the port stays the same across restarts."""

    def __init__(self, port: int | None = None, *, persist_dir: Path | None = None) -> None:
        self.port = port or _free_port()
        self.persist_dir = persist_dir
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        if self.running:
            return
        persistence = (
            ["--save", "3600 1", "--dir", str(self.persist_dir), "--dbfilename", f"redis-{self.port}.rdb"]
            if self.persist_dir is not None
            else ["--save", ""]
        )
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                *persistence,
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not _answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop this server (only ours: the process this object started) and wait until it is gone.

        SIGTERM: Redis shuts down cleanly (with ``persist_dir``, after writing its snapshot).
        """
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def redis_server_installed() -> bool:
    return shutil.which("redis-server") is not None


@contextmanager
def own_redis_server() -> Iterator[RedisServer]:
    """A running server of this test's own, stopped at the end whatever happened."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
