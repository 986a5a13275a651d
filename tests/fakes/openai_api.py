"""A local stand-in for OpenAI's REST API, for feedback: ``POST /v1/chat/completions``.

It answers with the documented ``chat.completion`` JSON (or OpenAI's error JSON),
checks what the real API checks for structured output (a Bearer key, a model,
messages, a strict ``json_schema`` whose objects list every property as required
and forbid additional ones), records every request, and can be told to misbehave:
malformed or schema-violating content, truncation, refusal, slow answers, 5xx,
429 with ``Retry-After``. Runs in a thread on 127.0.0.1 with a free port.

(The realtime fake for ``/realtime/calls`` lives in its own module.)
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The categories of the rubric a mixed interview is scored on as a whole (``services/feedback/rubric.py``).
CATEGORY_KEYS = ("relevance", "evidence", "motivation", "structure", "communication")
_LINE_RE = re.compile(r"^\[(L\d+) [^\]]*\] (Candidate|Interviewer): (.*)$", re.MULTILINE)
# The candidate's lines of ``tests/utils/interviews.SHORT_INTERVIEW`` as the app labels them.
SHORT_INTERVIEW_CANDIDATE = [
    ("L2", "At Acme I led the migration of our billing service"),
    ("L4", "We replayed a week of production traffic against both databases"),
]


def _cite(candidate: list[tuple[str, str]], k: int) -> list[dict[str, str]]:
    """A citation of the ``k``-th candidate line (cycling): its label and its first words, verbatim."""
    if not candidate:
        return []
    label, text = candidate[k % len(candidate)]
    return [{"line": label, "quote": " ".join(text.split()[:8])}]


def sample_feedback(
    questions: int = 2,
    overall: int = 72,
    *,
    categories: tuple[str, ...] = CATEGORY_KEYS,
    candidate: list[tuple[str, str]] | None = None,
    question_type: str = "behavioural",
    strengths: int = 3,
    improvements: int = 3,
) -> dict[str, Any]:
    """A feedback object that satisfies the app's schema, citing ``candidate`` lines (label, text)."""
    lines = SHORT_INTERVIEW_CANDIDATE if candidate is None else candidate
    point = lambda text, k: {"text": text, "citations": _cite(lines, k)}  # noqa: E731
    strength_texts = [
        "Clear ownership of the migration.",
        "Quantified results (40% faster).",
        "Calm under follow-up questions.",
        "Named the tools precisely.",
        "Closed each answer with the outcome.",
    ]
    improvement_texts = [
        "Open with the result, then the story.",
        "Cut filler words: pause instead.",
        "Name the trade-offs you weighed.",
        "Say what you personally did.",
        "Check in with the interviewer on long answers.",
    ]
    return {
        "overall_score": overall,
        "headline": "A solid, specific interview; lead with results to make it stronger.",
        "categories": {
            key: {
                "score": max(0, min(10, overall // 10 - 1 + i % 3)),
                "reason": f"Reason for {key.replace('_', ' ')}.",
                "citations": _cite(lines, i),
            }
            for i, key in enumerate(categories)
        },
        "strengths": [point(t, k) for k, t in enumerate(strength_texts[:strengths])],
        "improvements": [point(t, k + 1) for k, t in enumerate(improvement_texts[:improvements])],
        "fix_first": point("Open every answer with its result in one sentence.", 0),
        "answers": [
            {
                "answer": f"A{n + 1}",
                "question_type": question_type,
                "score": max(0, min(10, overall // 10 - n % 2)),
                "verdict": "Specific and well-owned, but the result comes late.",
                "category_scores": [],
                "what_worked": point("You named the goal and your role.", n),
                "what_to_change": point("Say what you personally did, not the team.", n),
                "key_points": ["The goal and the stakes", "Your own actions", "A measured result"],
                "sample_answer": (
                    "At Acme I led the move of our billing service to PostgreSQL. I planned the cut-over, "
                    "wrote the dual-write layer, and we finished two weeks early with zero downtime."
                ),
            }
            for n in range(questions)
        ],
    }


def feedback_for_request(body: Any, overall: int = 72) -> dict[str, Any]:
    """Feedback fitted to a request the app sent: its rubric's categories, its answers, its lines."""
    schema = body["response_format"]["json_schema"]["schema"]
    props = schema["properties"]
    note = props["answers"]["items"]["properties"]
    answer_ids = note["answer"].get("enum") or []
    types = note["question_type"]["enum"]
    category_enum = note["category_scores"]["items"]["properties"]["category"]["enum"]
    prompt = body["messages"][-1]["content"]
    candidate = [(label, text) for label, who, text in _LINE_RE.findall(prompt) if who == "Candidate"]
    fb = sample_feedback(
        questions=len(answer_ids),
        overall=overall,
        categories=tuple(props["categories"]["properties"]),
        candidate=candidate,
        question_type=types[0],
    )
    for k, answer in enumerate(fb["answers"]):
        answer["answer"] = answer_ids[k]
        answer["question_type"] = types[k % len(types)]
        answer["category_scores"] = [
            {"category": key, "score": 5 + i % 4} for i, key in enumerate(category_enum[:6])
        ]
        answer["what_worked"]["citations"] = _cite(candidate, k)
        answer["what_to_change"]["citations"] = _cite(candidate, k)
    return fb


def regrade_for_request(body: Any, score: int = 8) -> dict[str, Any]:
    """A redo's grading fitted to the request (issue 16): its key points (the first one newly covered),
    citations of the new transcript's candidate lines."""
    schema = body["response_format"]["json_schema"]["schema"]
    points = schema["properties"]["key_points"]["items"]["properties"]["point"].get("enum") or []
    prompt = body["messages"][-1]["content"]
    candidate = [(label, text) for label, who, text in _LINE_RE.findall(prompt) if who == "Candidate"]
    return {
        "score": score,
        "verdict": "Clearer and better owned than the first try.",
        "improved": {"text": "You opened with the result this time.", "citations": _cite(candidate, 0)},
        "still_missing": {"text": "Say what you would do differently.", "citations": _cite(candidate, 0)},
        "key_points": [
            {"point": p, "covered_before": k > 0, "covered_now": True} for k, p in enumerate(points)
        ],
    }


@dataclass
class Reply:
    """One scripted answer; ``delay`` seconds pass before it is sent."""

    status: int = 200
    content: str | None = None  # the assistant message's content (200 only)
    finish_reason: str = "stop"
    refusal: str | None = None
    error: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw_body: bytes | None = None
    fitted_overall: int | None = None  # answer with ``feedback_for_request`` (this overall score)

    @classmethod
    def valid(cls, feedback: dict[str, Any] | None = None, delay: float = 0.0) -> Reply:
        """This feedback, or (None) feedback fitted to the request: its rubric, answers and lines."""
        if feedback is None:
            return cls.fitted(delay=delay)
        return cls(content=json.dumps(feedback), delay=delay)

    @classmethod
    def fitted(cls, overall: int = 72, delay: float = 0.0) -> Reply:
        return cls(fitted_overall=overall, delay=delay)

    @classmethod
    def malformed_json(cls) -> Reply:
        return cls(content='{"overall_score": 72, "categories": {"relevance": {"score": 7')

    @classmethod
    def truncated(cls) -> Reply:
        return cls(content=json.dumps(sample_feedback())[:300], finish_reason="length")

    @classmethod
    def schema_violation(cls) -> Reply:
        bad = sample_feedback()
        bad["overall_score"] = 140
        bad["strengths"] = []
        return cls(content=json.dumps(bad))

    @classmethod
    def refusal_reply(cls) -> Reply:
        return cls(content=None, refusal="I'm sorry, I can't help with that.")

    @classmethod
    def server_error(cls, status: int = 500) -> Reply:
        return cls(
            status=status,
            error={
                "message": "The server had an error while processing your request. Sorry about that!",
                "type": "server_error",
                "param": None,
                "code": None,
            },
        )

    @classmethod
    def rate_limited(cls, retry_after: str = "7") -> Reply:
        return cls(
            status=429,
            headers={"Retry-After": retry_after},
            error={
                "message": "Rate limit reached for requests. Please try again in 7s.",
                "type": "requests",
                "param": None,
                "code": "rate_limit_exceeded",
            },
        )

    @classmethod
    def quota_exceeded(cls) -> Reply:
        return cls(
            status=429,
            error={
                "message": "You exceeded your current quota, please check your plan and billing details.",
                "type": "insufficient_quota",
                "param": None,
                "code": "insufficient_quota",
            },
        )

    @classmethod
    def bad_request(cls, message: str = "Invalid value for 'model'.") -> Reply:
        return cls(
            status=400,
            error={"message": message, "type": "invalid_request_error", "param": None, "code": None},
        )


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def schema(self) -> dict[str, Any] | None:
        try:
            return self.body["response_format"]["json_schema"]["schema"]
        except (KeyError, TypeError):
            return None


# Keywords strict structured outputs refuse (OpenAI's "supported schemas" guide), on any model.
UNSUPPORTED_KEYWORDS = frozenset(
    {
        "allOf", "oneOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas",
        "patternProperties", "unevaluatedProperties", "propertyNames", "minProperties", "maxProperties",
        "unevaluatedItems", "contains", "minContains", "maxContains", "uniqueItems", "minLength",
        "maxLength", "prefixItems", "default",
    }
)  # fmt: skip
# Accepted by OpenAI's newest models only (not fine-tuned ones, nor every compatible server).
RANGE_KEYWORDS = frozenset(
    {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems"}
)
MAX_NESTING = 10
MAX_PROPERTIES = 5000
MAX_ENUM_VALUES = 1000


def strict_schema_problems(
    schema: Any, path: str = "$", *, portable: bool = True, depth: int = 0
) -> list[str]:
    """What a ``strict: true`` schema may not do: every object requires all its properties and forbids
    extras; no unsupported keyword (``portable``: nor the ranges only newer models accept); the root is
    an object; at most 10 levels of nesting, 5000 properties and 1000 values per enum."""
    problems: list[str] = []
    if not isinstance(schema, dict):
        return [f"{path}: schema must be an object"]
    if depth == 0 and schema.get("type") != "object":
        problems.append(f"{path}: the root schema must be an object, not {schema.get('type')!r}")
    if depth > MAX_NESTING:
        problems.append(f"{path}: more than {MAX_NESTING} levels of nesting")
    banned = UNSUPPORTED_KEYWORDS | (RANGE_KEYWORDS if portable else frozenset())
    problems += [f"{path}: '{key}' is not supported in strict mode" for key in sorted(set(schema) & banned)]
    if not any(k in schema for k in ("type", "anyOf", "$ref", "enum", "const")):
        problems.append(f"{path}: every schema needs a 'type'")
    if len(schema.get("enum") or []) > MAX_ENUM_VALUES:
        problems.append(f"{path}: more than {MAX_ENUM_VALUES} enum values")
    if schema.get("type") == "object":
        props = schema.get("properties") or {}
        if schema.get("additionalProperties") is not False:
            problems.append(f"{path}: 'additionalProperties' is required to be supplied and to be false")
        missing = [k for k in props if k not in (schema.get("required") or [])]
        if missing:
            problems.append(f"{path}: 'required' must include every key in properties; missing {missing}")
        for key, sub in props.items():
            problems += strict_schema_problems(sub, f"{path}.{key}", portable=portable, depth=depth + 1)
    if schema.get("type") == "array":
        problems += strict_schema_problems(
            schema.get("items"), f"{path}[]", portable=portable, depth=depth + 1
        )
    for k, sub in enumerate(schema.get("anyOf") or []):
        problems += strict_schema_problems(sub, f"{path}.anyOf[{k}]", portable=portable, depth=depth + 1)
    if depth == 0 and _count_properties(schema) > MAX_PROPERTIES:
        problems.append(f"{path}: more than {MAX_PROPERTIES} properties in all")
    return problems


def _count_properties(schema: Any) -> int:
    if not isinstance(schema, dict):
        return 0
    props = schema.get("properties") or {}
    return (
        len(props)
        + sum(_count_properties(v) for v in props.values())
        + _count_properties(schema.get("items"))
    )


class FakeOpenAI:
    """``with FakeOpenAI() as fake: settings OPENAI_BASE_URL=fake.base_url``; script with
    ``fake.enqueue(...)``."""

    def __init__(self, api_key: str | None = None) -> None:
        self.api_key = api_key  # when set, other keys get OpenAI's 401
        self.requests: list[RecordedRequest] = []
        self.default: Reply = Reply.valid()
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- control ---
    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._script.extend(replies)

    def set_default(self, reply: Reply) -> None:
        self.default = reply

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self.requests.clear()
        self.default = Reply.valid()

    @property
    def completions(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._send(
                    self,
                    404,
                    {
                        "error": {
                            "message": f"Unknown request URL: GET {self.path}",
                            "type": "invalid_request_error",
                            "param": None,
                            "code": "unknown_url",
                        }
                    },
                )

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()

    # --- serving ---
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw or b"null")
        except ValueError:
            body = None
        with self._lock:
            self.requests.append(
                RecordedRequest("POST", h.path, {k.lower(): v for k, v in h.headers.items()}, body)
            )
            reply = self._script.popleft() if self._script else self.default
        if not h.path.rstrip("/").endswith("/v1/chat/completions"):
            self._send(
                h,
                404,
                {
                    "error": {
                        "message": f"Unknown request URL: POST {h.path}",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "unknown_url",
                    }
                },
            )
            return
        auth = h.headers.get("Authorization") or ""
        if not auth.startswith("Bearer ") or (self.api_key and auth[7:] != self.api_key):
            key = auth[7:]
            masked = f"{key[:8]}{'*' * 10}{key[-4:]}" if len(key) > 12 else key
            self._send(
                h,
                401,
                {
                    "error": {
                        "message": f"Incorrect API key provided: {masked}. You can find your API key at https://platform.openai.com/account/api-keys.",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": "invalid_api_key",
                    }
                },
            )
            return
        problem = self._request_problem(body)
        if problem:
            self._send(
                h,
                400,
                {
                    "error": {
                        "message": problem,
                        "type": "invalid_request_error",
                        "param": "response_format",
                        "code": None,
                    }
                },
            )
            return
        if reply.delay:
            time.sleep(reply.delay)
        if reply.fitted_overall is not None:
            fitted = (
                regrade_for_request(body, min(10, reply.fitted_overall // 10 + 1))
                if body["response_format"]["json_schema"].get("name") == "answer_regrade"
                else feedback_for_request(body, reply.fitted_overall)
            )
            reply = Reply(content=json.dumps(fitted))
        if reply.raw_body is not None:
            self._send_raw(h, reply.status, reply.raw_body, reply.headers)
        elif reply.status != 200:
            self._send(h, reply.status, {"error": reply.error or {}}, reply.headers)
        else:
            self._send(h, 200, self._completion(body, reply), reply.headers)

    @staticmethod
    def _request_problem(body: Any) -> str | None:
        if not isinstance(body, dict):
            return "We could not parse the JSON body of your request."
        if not body.get("model"):
            return "you must provide a model parameter"
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            return "Invalid 'messages': empty array."
        fmt = body.get("response_format")
        if fmt is not None:
            if fmt.get("type") != "json_schema" or not isinstance(fmt.get("json_schema"), dict):
                return "Invalid 'response_format'."
            spec = fmt["json_schema"]
            if not spec.get("name"):
                return "Missing required parameter: 'response_format.json_schema.name'."
            if spec.get("strict"):
                problems = strict_schema_problems(spec.get("schema"))
                if problems:
                    return f"Invalid schema for response_format '{spec.get('name')}': {problems[0]}"
        return None

    @staticmethod
    def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
        completion_chars = len(reply.content or reply.refusal or "")
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": f"{body.get('model')}-2025-04-14",
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": reply.content,
                        "refusal": reply.refusal,
                        "annotations": [],
                    },
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_chars // 4,
                "completion_tokens": completion_chars // 4,
                "total_tokens": (prompt_chars + completion_chars) // 4,
            },
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict[str, str] | None = None
    ) -> None:
        FakeOpenAI._send_raw(
            h, status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})}
        )

    @staticmethod
    def _send_raw(h: BaseHTTPRequestHandler, status: int, data: bytes, headers: dict[str, str]) -> None:
        try:
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(data)))
            h.send_header("x-request-id", f"req_{uuid.uuid4().hex[:16]}")
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test)


@contextmanager
def running_fake(api_key: str | None = None) -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key) as fake:
        yield fake
