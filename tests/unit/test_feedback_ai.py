"""The AI call's request and the validation of what comes back, against the local OpenAI fake."""

from __future__ import annotations

import json

import httpx
import pytest
from openai.types.chat import ChatCompletion
from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming

from tests.fakes.openai_api import FakeOpenAI, Reply, sample_feedback, strict_schema_problems
from vocahire.services.feedback import ai, rubric
from vocahire.services.feedback.answers import segment_answers
from vocahire.services.feedback.speech_metrics import Line
from vocahire.settings import get_settings

KEY = "sk-test-unit-0123456789abcdefghij"


def request(lines=None, interview_type: str = "mixed") -> ai.FeedbackRequest:
    lines = lines or [
        Line("interviewer", "Tell me about a dashboard you built.", 0, 4),
        Line("candidate", "At Initech I built a churn dashboard in Tableau.", 5, 15),
    ]
    return ai.FeedbackRequest(
        job_title="Data Analyst",
        job_description="SQL, dashboards and stakeholder communication.",
        resume_text="Grace. Analyst at Initech: SQL, Tableau.",
        lines=lines,
        interview_type=interview_type,
        answers=segment_answers(lines),
    )


@pytest.mark.parametrize("interview_type", rubric.INTERVIEW_TYPES)
def test_every_types_schema_is_strict_mode_valid(interview_type):
    schema = ai.feedback_schema(interview_type, ["A1", "A2"])
    assert strict_schema_problems(schema) == []
    assert strict_schema_problems(ai.feedback_schema(interview_type)) == []  # no answers to list
    categories = schema["properties"]["categories"]
    assert categories["required"] == list(rubric.overall_rubric(interview_type).category_keys)
    note = schema["properties"]["answers"]["items"]["properties"]
    assert note["answer"]["enum"] == ["A1", "A2"]
    assert note["question_type"]["enum"] == list(rubric.question_types_for(interview_type))


def test_the_strict_mode_checker_catches_what_openai_refuses():
    bad = {
        "type": "object",
        "properties": {
            "a": {"type": "array", "items": {"type": "string", "minLength": 2}, "minItems": 1},
            "b": {"type": "object", "properties": {"c": {"type": "integer"}}},
        },
        "required": ["a"],
        "additionalProperties": False,
    }
    problems = " ".join(strict_schema_problems(bad))
    assert "'minLength' is not supported" in problems and "'minItems' is not supported" in problems
    assert "missing ['b']" in problems and "$.b: 'additionalProperties'" in problems
    assert strict_schema_problems({"type": "array", "items": {"type": "string"}})  # the root is an object


def test_every_rubric_has_categories_with_three_anchors():
    assert set(rubric.INTERVIEW_TYPES) == {*rubric.RUBRICS, "mixed"}
    assert set(rubric.RUBRICS) == {"behavioural", "technical", "system_design", "product_case", "general"}
    for r in rubric.RUBRICS.values():
        assert len(r.categories) == rubric.CATEGORIES_PER_RUBRIC == len(set(r.category_keys))
        assert all(len(c.anchors) == 3 and all(c.anchors) for c in r.categories)


def test_the_request_body_uses_only_chat_completions_fields():
    body = ai.build_body(request(), model="gpt-4.1-mini")
    assert set(body) <= set(CompletionCreateParamsNonStreaming.__annotations__)
    assert body["response_format"]["json_schema"]["name"] == ai.SCHEMA_NAME
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    user = body["messages"][1]["content"]
    assert "[L2 00:05] Candidate: At Initech I built a churn dashboard in Tableau." in user
    assert "A1: question (asked in L1): Tell me about a dashboard you built. | answer: L2" in user


def test_the_fakes_answer_is_a_real_chat_completion_and_validates():
    completion = FakeOpenAI._completion(
        {"model": "gpt-4.1-mini", "messages": []}, Reply.valid(sample_feedback())
    )
    ChatCompletion.model_validate(completion)
    feedback = ai.parse_completion(completion)
    assert feedback.overall_score == 72 and len(feedback.strengths) == 3
    assert feedback.strengths[0].citations[0].line == "L2"


def test_more_than_five_strengths_are_trimmed_and_none_is_refused():
    many = sample_feedback(strengths=5)
    many["strengths"] += many["strengths"][:3]
    completion = FakeOpenAI._completion({"model": "m", "messages": []}, Reply(content=json.dumps(many)))
    assert len(ai.parse_completion(completion).strengths) == 5
    with pytest.raises(ai.FeedbackAIError, match="strengths"):
        ai.parse_completion(
            FakeOpenAI._completion(
                {"model": "m", "messages": []}, Reply(content=json.dumps({**many, "strengths": []}))
            )
        )


def test_categories_must_be_the_interviews_rubric():
    completion = FakeOpenAI._completion({"model": "m", "messages": []}, Reply.valid(sample_feedback()))
    with pytest.raises(ai.FeedbackAIError, match="categories"):
        ai.parse_completion(completion, "system_design")


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
    assert not trimmed and rendered[0] == "[L1 00:00] Interviewer: Tell me about a dashboard you built."


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
    assert sent.schema == ai.feedback_schema("mixed", ["A1"])


@pytest.mark.parametrize("interview_type", rubric.INTERVIEW_TYPES)
async def test_the_request_sent_holds_the_interviews_rubric(env, interview_type):
    """What the local OpenAI server receives: the rubric's categories and anchors in the prompt, its
    categories in the strict schema; a mixed interview carries every rubric."""
    with FakeOpenAI(api_key=KEY) as fake:
        env(OPENAI_API_KEY=KEY, OPENAI_BASE_URL=fake.base_url)
        async with httpx.AsyncClient() as client:
            result = await ai.request_feedback(
                request(interview_type=interview_type), settings=get_settings(), client=client
            )
    (sent,) = fake.completions
    system = sent.body["messages"][0]["content"]
    shown = [r for r in rubric.RUBRICS.values() if f"{r.label} rubric (question type '{r.key}')" in system]
    expected = list(rubric.question_types_for(interview_type))
    assert [r.key for r in shown] == expected
    for r in shown:
        for category in r.categories:
            assert f"- {category.key} ({category.label})" in system and category.anchors[2] in system
    assert list(sent.schema["properties"]["categories"]["properties"]) == list(
        rubric.overall_rubric(interview_type).category_keys
    )
    assert strict_schema_problems(sent.schema) == []
    assert set(result.feedback.categories) == set(rubric.overall_rubric(interview_type).category_keys)
    assert [a.answer for a in result.feedback.answers] == ["A1"]


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
