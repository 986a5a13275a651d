"""A local stand-in for Stripe's REST API, for the calls VocaHire makes with the official ``stripe`` library.

Wire format as Stripe's: form-encoded requests with bracketed keys
(``line_items[0][price]=...``, ``expand[0]=line_items``), a Bearer secret key, JSON
responses, Stripe's error JSON, and idempotency (the same ``Idempotency-Key`` with the
same parameters replays the first answer; with other parameters it is an
``idempotency_error``). Endpoints: customers, prices, checkout sessions (with
``expand[]=line_items`` and ``/line_items``), billing portal sessions, invoice payments.

Every request is recorded (method, path, parsed params, ``Idempotency-Key``) and the
server can be told to fail (``fail(...)``: status, error type, how many times, delay).
Tests arrange state with ``add_price``, ``add_session`` / ``complete_session`` and
``add_invoice_payment``. Runs in a thread on 127.0.0.1 with a free port.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's bracketed form encoding -> nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "[]":
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _listify(root)


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        converted = {k: _listify(v) for k, v in node.items()}
        if converted and all(k.isdigit() for k in converted):
            return [converted[k] for k in sorted(converted, key=int)]
        return converted
    return node


def _id(prefix: str) -> str:
    return f"{prefix}_test_{uuid.uuid4().hex[:24]}"


@dataclass
class RecordedRequest:
    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    headers: dict[str, str]


@dataclass
class Failure:
    path_prefix: str
    status: int = 500
    error_type: str = "api_error"
    message: str = "Something went wrong on Stripe's end."
    code: str | None = None
    times: int = 1_000_000
    delay: float = 0.0
    method: str | None = None


@dataclass
class FakeStripe:
    """State and behaviour; ``url`` is set once the server listens."""

    api_key: str = "sk_test_vocahire_fake"
    url: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    prices: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    session_line_items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    portal_sessions: list[dict[str, Any]] = field(default_factory=list)
    invoice_payments: list[dict[str, Any]] = field(default_factory=list)
    cancelled_subscriptions: list[str] = field(default_factory=list)
    missing_subscriptions: set[str] = field(default_factory=set)  # ids Stripe answers 404 for
    failures: list[Failure] = field(default_factory=list)
    _idempotent: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- arranging ---
    def add_price(
        self,
        price_id: str,
        unit_amount: int,
        currency: str = "usd",
        interval: str | None = None,
        interval_count: int = 1,
        product: str = "prod_test",
    ) -> dict[str, Any]:
        price = {
            "id": price_id,
            "object": "price",
            "active": True,
            "currency": currency,
            "unit_amount": unit_amount,
            "unit_amount_decimal": str(unit_amount),
            "type": "recurring" if interval else "one_time",
            "recurring": {"interval": interval, "interval_count": interval_count, "usage_type": "licensed"}
            if interval
            else None,
            "product": product,
            "livemode": False,
            "metadata": {},
            "billing_scheme": "per_unit",
            "created": int(time.time()),
        }
        self.prices[price_id] = price
        return price

    def add_session(self, **fields: Any) -> dict[str, Any]:
        """A Checkout Session as if the app had created it (e2e tests post events for it)."""
        price_id = fields.pop("price", None)
        session = self._new_session(
            {
                "mode": fields.pop("mode", "payment"),
                "line_items": [{"price": price_id, "quantity": "1"}] if price_id else [],
            }
        )
        session.update(fields)
        self.sessions[session["id"]] = session
        return session

    def complete_session(
        self, session_id: str, payment_status: str = "paid", **fields: Any
    ) -> dict[str, Any]:
        """What Stripe does when the customer finishes paying on the hosted page."""
        session = self.sessions[session_id]
        session.update({"status": "complete", "payment_status": payment_status, **fields})
        if session["mode"] == "payment" and not session.get("payment_intent"):
            session["payment_intent"] = _id("pi")
        if session["mode"] == "subscription" and not session.get("subscription"):
            session["subscription"] = _id("sub")
        return session

    def add_invoice_payment(self, payment_intent: str, invoice: str) -> None:
        self.invoice_payments.append(
            {
                "id": _id("inpay"),
                "object": "invoice_payment",
                "invoice": invoice,
                "status": "paid",
                "is_default": True,
                "payment": {"type": "payment_intent", "payment_intent": payment_intent},
            }
        )

    def fail(self, path_prefix: str, **kwargs: Any) -> Failure:
        failure = Failure(path_prefix, **kwargs)
        self.failures.append(failure)
        return failure

    def requests_to(self, path_prefix: str, method: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.path.startswith(path_prefix) and (method is None or r.method == method)
        ]

    # --- behaviour ---
    def _new_session(self, params: dict[str, Any]) -> dict[str, Any]:
        session_id = _id("cs")
        lines = []
        amount_total, currency = 0, None
        for item in params.get("line_items") or []:
            price = self.prices.get(item.get("price", ""))
            quantity = int(item.get("quantity") or 1)
            unit = price["unit_amount"] if price else 0
            currency = currency or (price["currency"] if price else "usd")
            amount_total += unit * quantity
            lines.append(
                {
                    "id": _id("li"),
                    "object": "item",
                    "quantity": quantity,
                    "currency": currency,
                    "amount_subtotal": unit * quantity,
                    "amount_total": unit * quantity,
                    "description": "VocaHire",
                    "price": price or {"id": item.get("price"), "object": "price"},
                }
            )
        self.session_line_items[session_id] = lines
        return {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "customer": params.get("customer"),
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata") or {},
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "amount_total": amount_total,
            "amount_subtotal": amount_total,
            "currency": currency or "usd",
            "payment_intent": None,
            "subscription": None,
            "invoice": None,
            "livemode": False,
            "created": int(time.time()),
            "url": f"{self.url}/c/pay/{session_id}",
            "ui_mode": "hosted_page",
        }

    def _session_view(self, session: dict[str, Any], expand: list[str]) -> dict[str, Any]:
        view = dict(session)
        if "line_items" in expand:
            view["line_items"] = self._list(
                self.session_line_items.get(session["id"], []),
                f"/v1/checkout/sessions/{session['id']}/line_items",
            )
        return view

    @staticmethod
    def _list(data: list[dict[str, Any]], url: str) -> dict[str, Any]:
        return {"object": "list", "data": data, "has_more": False, "url": url}

    def handle(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        expand = params.get("expand") or []
        if method == "POST" and path == "/v1/customers":
            customer = {
                "id": _id("cus"),
                "object": "customer",
                "email": params.get("email"),
                "name": params.get("name"),
                "metadata": params.get("metadata") or {},
                "livemode": False,
                "created": int(time.time()),
            }
            self.customers[customer["id"]] = customer
            return 200, customer
        if method == "GET" and (m := re.fullmatch(r"/v1/customers/([^/]+)", path)):
            return (200, self.customers[m[1]]) if m[1] in self.customers else _missing("customer", m[1])
        if method == "GET" and (m := re.fullmatch(r"/v1/prices/([^/]+)", path)):
            return (200, self.prices[m[1]]) if m[1] in self.prices else _missing("price", m[1])
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(params)
        if method == "GET" and (m := re.fullmatch(r"/v1/checkout/sessions/([^/]+)/line_items", path)):
            if m[1] not in self.sessions:
                return _missing("checkout.session", m[1])
            return 200, self._list(self.session_line_items.get(m[1], []), path)
        if method == "GET" and (m := re.fullmatch(r"/v1/checkout/sessions/([^/]+)", path)):
            session = self.sessions.get(m[1])
            return (
                (200, self._session_view(session, expand)) if session else _missing("checkout.session", m[1])
            )
        if method == "DELETE" and (m := re.fullmatch(r"/v1/subscriptions/([^/]+)", path)):
            if m[1] in self.missing_subscriptions:
                return _missing("subscription", m[1])
            self.cancelled_subscriptions.append(m[1])
            return 200, {
                "id": m[1],
                "object": "subscription",
                "status": "canceled",
                "canceled_at": int(time.time()),
                "livemode": False,
            }
        if method == "POST" and path == "/v1/billing_portal/sessions":
            if params.get("customer") not in self.customers:
                return _missing("customer", params.get("customer"), param="customer")
            portal = {
                "id": _id("bps"),
                "object": "billing_portal.session",
                "customer": params["customer"],
                "return_url": params.get("return_url"),
                "url": f"{self.url}/p/session/{uuid.uuid4().hex}",
                "livemode": False,
            }
            self.portal_sessions.append(portal)
            return 200, portal
        if method == "GET" and path == "/v1/invoice_payments":
            wanted = (params.get("payment") or {}).get("payment_intent")
            data = [
                p for p in self.invoice_payments if not wanted or p["payment"].get("payment_intent") == wanted
            ]
            return 200, self._list(data[: int(params.get("limit") or 10)], path)
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "message": f"Unrecognized request URL ({method}: {path}).",
            }
        }

    def _create_session(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if params.get("mode") not in ("payment", "subscription", "setup"):
            return _invalid("Missing required param: mode.", "mode")
        items = params.get("line_items") or []
        if not items:
            return _invalid("Missing required param: line_items.", "line_items")
        for i, item in enumerate(items):
            price = self.prices.get(item.get("price", ""))
            if price is None:
                return _missing("price", item.get("price"), param=f"line_items[{i}][price]")
            if params["mode"] == "payment" and price["type"] == "recurring":
                return _invalid(
                    "You specified `payment` mode but passed a recurring price.", f"line_items[{i}][price]"
                )
            if params["mode"] == "subscription" and price["type"] != "recurring":
                return _invalid(
                    "You must provide at least one recurring price in `subscription` mode.", "line_items"
                )
        if params.get("customer") and params["customer"] not in self.customers:
            return _missing("customer", params["customer"], param="customer")
        session = self._new_session(params)
        self.sessions[session["id"]] = session
        return 200, session

    def dispatch(
        self, method: str, path: str, params: dict[str, Any], headers: dict[str, str]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        key = headers.get("idempotency-key")
        with self._lock:
            self.requests.append(RecordedRequest(method, path, params, key, headers))
            if headers.get("authorization") != f"Bearer {self.api_key}":
                return (
                    401,
                    {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided."}},
                    {},
                )
            failure = next(
                (
                    f
                    for f in self.failures
                    if path.startswith(f.path_prefix) and f.times > 0 and f.method in (None, method)
                ),
                None,
            )
            if failure is not None:
                failure.times -= 1
        if failure is not None:
            time.sleep(failure.delay)
            if failure.status:  # 0 means "only slow"
                error = {
                    "type": failure.error_type,
                    "message": failure.message,
                    **({"code": failure.code} if failure.code else {}),
                }
                return failure.status, {"error": error}, {}
        with self._lock:
            if method == "POST" and key:
                seen = self._idempotent.get(key)
                if seen is not None:
                    if seen[0] != params:
                        return (
                            400,
                            {
                                "error": {
                                    "type": "idempotency_error",
                                    "message": (
                                        "Keys for idempotent requests can only be used with the same "
                                        "parameters they were first used with."
                                    ),
                                }
                            },
                            {},
                        )
                    return seen[1], seen[2], {"Idempotent-Replayed": "true"}
            status, body = self.handle(method, path, params)
            if method == "POST" and key:
                self._idempotent[key] = (params, status, body)
            return status, body, {}


def _missing(kind: str, ident: Any, param: str = "id") -> tuple[int, dict[str, Any]]:
    return 404, {
        "error": {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "param": param,
            "message": f"No such {kind}: '{ident}'",
        }
    }


def _invalid(message: str, param: str) -> tuple[int, dict[str, Any]]:
    return 400, {
        "error": {
            "type": "invalid_request_error",
            "code": "parameter_missing" if "Missing" in message else "parameter_invalid",
            "param": param,
            "message": message,
        }
    }


def _handler_for(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # quiet
            return

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            params = decode_form(body if method == "POST" else parts.query)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload, extra = fake.dispatch(method, parts.path, params, headers)
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.send_header("Request-Id", "req_" + uuid.uuid4().hex[:14])
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

    return Handler


@contextmanager
def running_fake_stripe(api_key: str = "sk_test_vocahire_fake") -> Iterator[FakeStripe]:
    """Start the fake on a free port; ``fake.url`` is the base to give ``STRIPE_API_BASE_URL``."""
    fake = FakeStripe(api_key=api_key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-stripe", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
