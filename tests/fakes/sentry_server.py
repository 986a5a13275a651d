"""A local Sentry ingest endpoint: the DSN's host for tests.

Speaks Sentry's envelope protocol (``POST /api/<project>/envelope/``, gzip or
deflate bodies, newline-separated headers and items with optional ``length``),
records every envelope as received (decompressed bytes and parsed items), and
can be told to fail with a status code.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PUBLIC_KEY = "0123456789abcdef0123456789abcdef"
PROJECT_ID = "42"


@dataclass
class Envelope:
    path: str
    headers: dict[str, str]
    raw: bytes
    envelope_header: dict[str, Any]
    items: list[tuple[dict[str, Any], Any]] = field(default_factory=list)

    def events(self) -> list[dict[str, Any]]:
        return [
            payload
            for header, payload in self.items
            if header.get("type") in ("event", "transaction") and isinstance(payload, dict)
        ]


def parse_envelope(raw: bytes) -> tuple[dict[str, Any], list[tuple[dict[str, Any], Any]]]:
    """Split an envelope into its header and (item header, payload) pairs."""
    first, _, rest = raw.partition(b"\n")
    header = json.loads(first or b"{}")
    items: list[tuple[dict[str, Any], Any]] = []
    while rest.strip():
        line, _, rest = rest.partition(b"\n")
        if not line.strip():
            continue
        item_header = json.loads(line)
        length = item_header.get("length")
        if length is not None:
            payload_bytes, rest = rest[:length], rest[length:]
            if rest.startswith(b"\n"):
                rest = rest[1:]
        else:
            payload_bytes, _, rest = rest.partition(b"\n")
        try:
            payload: Any = json.loads(payload_bytes)
        except ValueError:
            payload = payload_bytes
        items.append((item_header, payload))
    return header, items


class FakeSentry:
    """``with FakeSentry() as sentry: ... sentry.dsn ... sentry.wait_for_events(1)``."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.fail_with: int | None = None
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                encoding = (self.headers.get("content-encoding") or "").lower()
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                elif encoding:
                    self.send_response(415)
                    self.end_headers()
                    return
                if not self.path.startswith(f"/api/{PROJECT_ID}/"):
                    self.send_response(404)
                    self.end_headers()
                    return
                header, items = (
                    parse_envelope(body)
                    if self.path.rstrip("/").endswith("envelope")
                    else ({}, [({"type": "event"}, json.loads(body))])
                )
                with fake._lock:
                    fake.envelopes.append(Envelope(self.path, dict(self.headers), body, header, items))
                status = fake.fail_with or 200
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"id":"00000000000000000000000000000000"}' if status == 200 else b"{}")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def dsn(self) -> str:
        return f"http://{PUBLIC_KEY}@127.0.0.1:{self.port}/{PROJECT_ID}"

    def start(self) -> FakeSentry:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSentry:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [event for env in self.envelopes for event in env.events()]

    def raw(self) -> bytes:
        with self._lock:
            return b"\n".join(env.raw for env in self.envelopes)

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Events once ``predicate(events)`` holds (AssertionError on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            events = self.events()
            if predicate(events):
                return events
            time.sleep(0.05)
        raise AssertionError(f"Sentry did not receive the expected events; got {len(self.events())}")
