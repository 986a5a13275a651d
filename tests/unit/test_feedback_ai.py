"""The AI call's request and the validation of what comes back, against the local OpenAI fake."""

from __future__ import annotations

import json

import httpx
import pytest
from openai.types.chat import ChatCompletion
from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming

from tests.fakes.openai_api import FakeOpenAI, Reply, sample_feedback, strict_schema_problems
from vocahire.services.feedback import ai
from vocahire.services.feedback.speech_metrics import Line
from vocahire.settings import get_settings

KEY = "sk-test-unit-0123456789abcdefghij"


def request(lines=None) -> ai.FeedbackRequest:
    return ai.FeedbackRequest(
        job_title="Data Analyst",
        job_description="SQL, dashboards and stakeholder communication.",
        resume_text="Grace. Analyst at Initech: SQL, Tableau.",
        lines=lines
        or [
            Line("interviewer", "Tell me about a dashboard you built.", 0, 4),
            Line("candidate", "At Initech I built a churn dashboard in Tableau.", 5, 15),
        ],
    )


def test_the_schema_is_accepted_by_strict_structured_outputs():
    assert strict_schema_problems(ai.FEEDBACK_SCHEMA) == []
    assert set(ai.FEEDBACK_SCHEMA["properties"]["categories"]["required"]) == set(ai.CATEGORY_LABELS)


def test_the_request_body_uses_only_chat_completions_fields():
    body = ai.build_body(request(), model="gpt-4.1-mini")
    assert set(body) <= set(CompletionCreateParamsNonStreaming.__annotations__)
    assert body["response_format"]["json_schema"]["name"] == ai.SCHEMA_NAME
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert (
        "[00:05] Candidate: At Initech I built a churn dashboard in Tableau."
        in body["messages"][1]["content"]
    )


def test_the_fakes_answer_is_a_real_chat_completion_and_validates():
    completion = FakeOpenAI._completion({"model": "gpt-4.1-mini", "messages": []}, Reply.valid())
    ChatCompletion.model_validate(completion)
    feedback = ai.parse_completion(completion)
    assert feedback.overall_score == 72 and len(feedback.strengths) == 3


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply.malformed_json(), "wasn't valid JSON"),
        (Reply.truncated(), "cut off"),
        (Reply.schema_violation(), "expected format (overall_score, strengths)"),
        (Reply.refusal_reply(), "declined"),
        (Reply(content=json.dumps({**sample_feedback(), "extra": 1})), "expected format (extra)"),
        (
            Reply(content=json.dumps({**sample_feedback(), "overall_score": "85"})),
            "expected format (overall_score)",
        ),
        (Reply(content=""), "empty"),
    ],
)
def test_bad_output_is_rejected_as_retryable(reply, message):
    completion = FakeOpenAI._completion({"model": "m", "messages": []}, reply)
    with pytest.raises(ai.FeedbackAIError) as err:
        ai.parse_completion(completion)
    assert err.value.transient and message in err.value.message


def test_blank_strengths_are_rejected():
    bad = sample_feedback()
    bad["strengths"][1] = "   "
    with pytest.raises(ai.FeedbackAIError):
        ai.parse_completion(
            FakeOpenAI._completion({"model": "m", "messages": []}, Reply(content=json.dumps(bad)))
        )


def test_long_transcripts_lose_interviewer_text_before_any_answer():
    lines = []
    for k in range(40):
        lines.append(Line("interviewer", "Context " * 150 + f"QUESTION-{k}?", k * 100, k * 100 + 30))
        lines.append(
            Line("candidate", f"ANSWER-{k} " + "detail " * 60 + f"END-{k}", k * 100 + 31, k * 100 + 90)
        )
    full = sum(len(line.text) for line in lines)

    rendered, trimmed = ai.trim_transcript(lines, budget_chars=full // 2)
    text = "\n".join(rendered)
    assert trimmed and len(text) <= full // 2
    assert all(f"ANSWER-{k} " in text and f"END-{k}" in text for k in range(40))  # every answer whole
    assert "QUESTION-0?" in text  # questions kept (the end of each interviewer turn)

    rendered, _ = ai.trim_transcript(lines, budget_chars=15_000)
    text = "\n".join(rendered)
    assert len(text) <= 15_000 and "QUESTION-" not in text
    assert all(f"ANSWER-{k} " in text for k in range(40))

    rendered, _ = ai.trim_transcript(lines, budget_chars=3_000)
    text = "\n".join(rendered)
    assert len(text) <= 3_000
    assert "ANSWER-0 " in text and "ANSWER-39 " in text and "answers omitted" in text


def test_short_transcripts_are_sent_whole():
    rendered, trimmed = ai.trim_transcript(request().lines)
    assert not trimmed and rendered[0] == "[00:00] Interviewer: Tell me about a dashboard you built."


def test_retry_after_in_seconds_milliseconds_or_a_date():
    assert ai.parse_retry_after(httpx.Headers({"retry-after": "12"})) == 12
    assert ai.parse_retry_after(httpx.Headers({"retry-after-ms": "1500", "retry-after": "9"})) == 1.5
    assert 0 <= ai.parse_retry_after(httpx.Headers({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})) <= 1
    assert ai.parse_retry_after(httpx.Headers({"retry-after": "99999"})) == ai.MAX_RETRY_AFTER_SECONDS
    assert ai.parse_retry_after(httpx.Headers({})) is None


def test_keys_are_scrubbed_whole_or_masked():
    assert ai.scrub(f"key {KEY} and sk-test-u**********ghij", KEY) == "key [redacted] and [redacted]"


async def test_the_call_sends_model_schema_and_key_and_returns_feedback(env):
    with FakeOpenAI(api_key=KEY) as fake:
        env(OPENAI_API_KEY=KEY, OPENAI_BASE_URL=fake.base_url, FEEDBACK_MODEL="gpt-4.1")
        async with httpx.AsyncClient() as client:
            result = await ai.request_feedback(request(), settings=get_settings(), client=client)
    assert result.feedback.overall_score == 72 and result.model.startswith("gpt-4.1")
    (sent,) = fake.completions
    assert sent.model == "gpt-4.1" and sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.schema == ai.FEEDBACK_SCHEMA


async def test_a_slow_answer_times_out_as_a_transient_error(env):
    with FakeOpenAI() as fake:
        env(OPENAI_API_KEY=KEY, OPENAI_BASE_URL=fake.base_url, FEEDBACK_TIMEOUT_SECONDS="0.3")
        fake.enqueue(Reply.valid(delay=1.5))
        async with httpx.AsyncClient() as client:
            with pytest.raises(ai.FeedbackAIError) as err:
                await ai.request_feedback(request(), settings=get_settings(), client=client)
    assert err.value.transient and "0.3 seconds" in err.value.message


async def test_an_unreachable_service_is_transient(env):
    env(OPENAI_API_KEY=KEY, OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    async with httpx.AsyncClient() as client:
        with pytest.raises(ai.FeedbackAIError) as err:
            await ai.request_feedback(request(), settings=get_settings(), client=client)
    assert err.value.transient and "Couldn't reach" in err.value.message
