"""Final transcript lines from recorded Realtime (GA) event sequences: deltas, interruptions, and the
conversation order they are placed in (``transcript.place_lines``, the one place order is decided)."""

from datetime import UTC, datetime, timedelta

from vocahire.services.interviews.transcript import FinalLine, LineRevision, PlacedLine, place_lines
from vocahire.services.interviews.transcript_assembly import CUT_MARK, TranscriptAssembler, heard_part

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def assistant_turn(
    item: str, previous: str | None, response: str, text: str, t: float, spoken: float = 2.0
) -> list[tuple[dict, datetime]]:
    words = text.split(" ")
    events = [
        (
            {"type": "response.created", "response": {"id": response, "status": "in_progress", "output": []}},
            at(t),
        ),
        (
            {
                "type": "conversation.item.added",
                "previous_item_id": previous,
                "item": {"id": item, "type": "message", "role": "assistant", "content": []},
            },
            at(t),
        ),
        ({"type": "output_audio_buffer.started", "response_id": response}, at(t + 0.1)),
    ]
    events += [
        (
            {
                "type": "response.output_audio_transcript.delta",
                "response_id": response,
                "item_id": item,
                "delta": w + " ",
            },
            at(t + 0.1 + i * 0.01),
        )
        for i, w in enumerate(words)
    ]
    events += [
        (
            {
                "type": "response.output_audio_transcript.done",
                "response_id": response,
                "item_id": item,
                "transcript": text,
            },
            at(t + 0.3),
        ),
        ({"type": "output_audio_buffer.stopped", "response_id": response}, at(t + 0.1 + spoken)),
        (
            {
                "type": "response.done",
                "response": {
                    "id": response,
                    "status": "completed",
                    "output": [
                        {
                            "id": item,
                            "type": "message",
                            "role": "assistant",
                            "content": [{"type": "output_audio", "transcript": text}],
                        }
                    ],
                },
            },
            at(t + 0.1 + spoken),
        ),
    ]
    return events


def lines_of(changes):
    return [c for c in changes if isinstance(c, FinalLine)]


def ordered(changes, saved=()):
    """The lines as they are placed when saved one after another in arrival order."""
    placed = place_lines(list(saved), lines_of(changes))
    return [(line.role, line.text) for line, _ in sorted(placed, key=lambda p: p[1])]


def test_deltas_build_a_partial_line_and_done_makes_it_final_once():
    asm = TranscriptAssembler()
    events = assistant_turn(
        "item_a", None, "resp_1", "Hello, I'm your AI interviewer. Tell me about yourself.", 0
    )
    done = next(i for i, (e, _) in enumerate(events) if e["type"] == "response.output_audio_transcript.done")
    changes = []
    for event, now in events[:done]:
        changes += asm.feed(event, now)
        if event["type"].endswith(".delta"):
            assert asm.partial_text("item_a").startswith("Hello,")
            assert asm.speaking == "interviewer"
    assert changes == []
    changes += asm.feed(*events[done])
    assert ordered(changes) == [("interviewer", "Hello, I'm your AI interviewer. Tell me about yourself.")]
    line = lines_of(changes)[0]
    assert line.item_id == "item_a" and line.previous_item_id is None
    assert line.started_at == at(0.1)  # when the audio started playing, not when the text arrived
    later = asm.feed_all(events[done + 1 :])
    assert lines_of(later) == []  # response.done repeats the transcript: no duplicate
    assert LineRevision("item_a", ended_at=at(2.1)) in later  # the end is when the audio stopped


def test_out_of_order_transcription_completion_keeps_conversation_order():
    asm = TranscriptAssembler()
    changes = asm.feed_all(assistant_turn("item_a", None, "resp_1", "Tell me about a project.", 0))
    changes += asm.feed_all(
        [
            (
                {"type": "input_audio_buffer.speech_started", "item_id": "item_b", "audio_start_ms": 3000},
                at(3),
            ),
            ({"type": "input_audio_buffer.speech_stopped", "item_id": "item_b", "audio_end_ms": 9000}, at(9)),
            (
                {
                    "type": "conversation.item.added",
                    "previous_item_id": "item_a",
                    "item": {
                        "id": "item_b",
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_audio", "transcript": None}],
                    },
                },
                at(9.1),
            ),
        ]
    )
    # The interviewer's reply is final before the candidate's transcription completes.
    changes += asm.feed_all(assistant_turn("item_c", "item_b", "resp_2", "How did you test it?", 9.5))
    changes += asm.feed_all(
        [
            (
                {
                    "type": "conversation.item.input_audio_transcription.delta",
                    "item_id": "item_b",
                    "delta": "I led ",
                },
                at(10),
            ),
            (
                {
                    "type": "conversation.item.input_audio_transcription.completed",
                    "item_id": "item_b",
                    "transcript": "I led the billing migration.",
                },
                at(10.5),
            ),
        ]
    )
    arrival = [(final.role, final.text) for final in lines_of(changes)]
    assert arrival == [
        ("interviewer", "Tell me about a project."),
        ("interviewer", "How did you test it?"),
        ("candidate", "I led the billing migration."),
    ]
    assert ordered(changes) == [
        ("interviewer", "Tell me about a project."),
        ("candidate", "I led the billing migration."),
        ("interviewer", "How did you test it?"),
    ]
    candidate = next(final for final in lines_of(changes) if final.role == "candidate")
    assert candidate.started_at == at(3) and candidate.ended_at == at(9)  # speech, not transcription, times
    assert candidate.previous_item_id == "item_a"


def line(item_id, previous=None, text=None):
    return FinalLine(item_id, "candidate", text or item_id, previous)


def test_a_line_goes_after_the_one_it_follows_and_before_the_one_that_follows_it():
    saved = [PlacedLine("a", None, 1.0), PlacedLine("c", "b", 2.0)]
    assert place_lines(saved, [line("b", "a")]) == [(line("b", "a"), 1.5)]
    # Its predecessor is missing (a failed transcription) but its follower is saved: just before it.
    assert place_lines(saved, [line("b", "lost")]) == [(line("b", "lost"), 1.5)]
    # Nothing links it: at the end (a new call's first line, say).
    assert place_lines(saved, [line("x")]) == [(line("x"), 3.0)]
    assert place_lines([], [line("first")]) == [(line("first"), 1.0)]


def test_two_answers_whose_transcriptions_complete_after_the_reply_keep_their_order():
    # a: question; b1, b2: two answers in a row; c: the reply, final before either answer.
    for arrival in (["c", "b2", "b1"], ["c", "b1", "b2"]):
        chain = {"c": "b2", "b2": "b1", "b1": "a"}
        placed = place_lines([PlacedLine("a", None, 1.0)], [line(i, chain[i]) for i in arrival])
        assert [i.item_id for i, _ in sorted(placed, key=lambda p: p[1])] == ["b1", "b2", "c"]
        assert all(position > 1.0 for _, position in placed)


def test_lines_already_saved_or_repeated_in_a_batch_are_placed_once():
    saved = [PlacedLine("a", None, 1.0)]
    placed = place_lines(saved, [line("a"), line("b", "a"), line("b", "a")])
    assert placed == [(line("b", "a"), 2.0)]


def test_interruption_keeps_only_what_was_heard():
    asm = TranscriptAssembler()
    text = (
        "Before we move on, I would like you to describe in detail how you planned the cut-over"
        " and who you involved."
    )
    events = assistant_turn("item_a", None, "resp_1", text, 0, spoken=8.0)
    changes = asm.feed_all(events[:-2])  # up to .done: the whole text was generated
    assert lines_of(changes)[0].text == text
    changes = asm.feed_all(
        [
            (
                {"type": "input_audio_buffer.speech_started", "item_id": "item_b", "audio_start_ms": 2100},
                at(2.1),
            ),
            ({"type": "output_audio_buffer.cleared", "response_id": "resp_1"}, at(2.1)),
            (
                {
                    "type": "conversation.item.truncated",
                    "item_id": "item_a",
                    "content_index": 0,
                    "audio_end_ms": 2000,
                },
                at(2.2),
            ),
        ]
    )
    revisions = [c for c in changes if isinstance(c, LineRevision) and c.text]
    assert revisions, "the interrupted line must be revised"
    heard = revisions[-1].text
    assert heard.endswith(CUT_MARK) and text.startswith(heard[: -len(CUT_MARK)])
    assert len(heard) < len(text) / 2
    assert revisions[-1].ended_at == at(2.1)  # started at 0.1 + 2000 ms heard
    assert asm.speaking == "candidate"


def test_truncation_before_the_transcript_is_done_cuts_the_final_line():
    asm = TranscriptAssembler()
    text = "Could you walk me through the architecture of the system you built, component by component?"
    events = assistant_turn("item_a", None, "resp_1", text, 0, spoken=6.0)
    asm.feed_all(events[:4])  # created, added, audio started, first delta
    asm.feed(
        {
            "type": "conversation.item.truncated",
            "item_id": "item_a",
            "content_index": 0,
            "audio_end_ms": 1500,
        },
        at(1.6),
    )
    changes = asm.feed(*events[-3])  # .done arrives after the cut
    line = lines_of(changes)[0]
    assert line.text == heard_part(text, 1500) and line.text.endswith(CUT_MARK)


def test_server_supplied_truncated_transcript_wins_over_the_estimate():
    asm = TranscriptAssembler()
    events = assistant_turn(
        "item_a",
        None,
        "resp_1",
        "Tell me about a time you disagreed with your manager and what happened next.",
        0,
        spoken=5.0,
    )
    asm.feed_all(events[:-2])
    changes = asm.feed(
        {
            "type": "conversation.item.truncated",
            "item_id": "item_a",
            "content_index": 0,
            "audio_end_ms": 1200,
            "item": {
                "id": "item_a",
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_audio", "transcript": "Tell me about a time"}],
            },
        },
        at(1.3),
    )
    assert [c.text for c in changes if isinstance(c, LineRevision)] == ["Tell me about a time"]


def test_typed_answers_in_text_mode_are_final_when_added():
    asm = TranscriptAssembler()
    asm.feed_all(assistant_turn("item_a", None, "resp_1", "What is your greatest strength?", 0))
    changes = asm.feed(
        {
            "type": "conversation.item.added",
            "previous_item_id": "item_a",
            "item": {
                "id": "item_t",
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "Calm under pressure."}],
            },
        },
        at(5),
    )
    assert ordered(changes) == [("candidate", "Calm under pressure.")]
    assert (
        asm.feed(
            {
                "type": "conversation.item.done",
                "previous_item_id": "item_a",
                "item": {
                    "id": "item_t",
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "Calm under pressure."}],
                },
            },
            at(5),
        )
        == []
    )


def test_failed_or_empty_transcriptions_make_no_line_and_junk_is_ignored():
    asm = TranscriptAssembler()
    changes = asm.feed_all(
        [
            (
                {
                    "type": "conversation.item.added",
                    "previous_item_id": None,
                    "item": {"id": "u1", "type": "message", "role": "user"},
                },
                at(0),
            ),
            (
                {
                    "type": "conversation.item.input_audio_transcription.failed",
                    "item_id": "u1",
                    "error": {"message": "bad audio"},
                },
                at(1),
            ),
            (
                {
                    "type": "conversation.item.input_audio_transcription.completed",
                    "item_id": "u2",
                    "transcript": "   ",
                },
                at(2),
            ),
            ({"type": "conversation.item.added", "item": "not an object"}, at(3)),
            ({"type": "response.output_audio_transcript.done", "item_id": 42, "transcript": "x"}, at(3)),
            (
                {
                    "type": "conversation.item.added",
                    "previous_item_id": None,
                    "item": {
                        "id": "s1",
                        "type": "message",
                        "role": "system",
                        "content": [{"type": "input_text", "text": "hidden"}],
                    },
                },
                at(3),
            ),
            (
                {
                    "type": "error",
                    "error": {
                        "type": "invalid_request_error",
                        "message": "Conversation already has an active response",
                    },
                },
                at(4),
            ),
            ({"type": 7}, at(4)),
            ({}, at(4)),
        ]
    )
    assert changes == []
    assert asm.errors == ["Conversation already has an active response"]


def test_heard_part_cuts_at_a_word_boundary():
    assert heard_part("short", 5000) == "short"
    cut = heard_part("one two three four five six seven eight nine ten eleven twelve", 1000)
    assert cut == "one two three" + CUT_MARK
    assert heard_part("anything", 0) == ""
