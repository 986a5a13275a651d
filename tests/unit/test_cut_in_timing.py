"""The polite cut-in's timing, driven by scripted sideband speech events (times in seconds)."""

from vocahire.services.interviews.cut_in import CutInClock


def speech_started() -> dict:
    return {"type": "input_audio_buffer.speech_started", "item_id": "item_u"}


def speech_stopped() -> dict:
    return {"type": "input_audio_buffer.speech_stopped", "item_id": "item_u"}


def response(kind: str, rid: str) -> dict:
    return {"type": kind, "response": {"id": rid}}


def feed_at(clock: CutInClock, script: list[tuple[float, dict]], until: float) -> list[float]:
    asked: list[float] = []
    events = sorted(script, key=lambda pair: pair[0])
    for second in range(int(until) + 1):
        while events and events[0][0] <= second:
            at, event = events.pop(0)
            clock.feed(event, at)
        if clock.due(float(second)):
            clock.mark_requested()
            asked.append(float(second))
    return asked


def test_exactly_one_cut_in_once_an_answer_runs_past_the_threshold():
    clock = CutInClock(120)
    script = [(10.0, speech_started())]  # speaks without a pause until 300 s
    assert feed_at(clock, script, 300) == [130.0]
    assert clock.count == 1


def test_no_cut_in_below_the_threshold():
    clock = CutInClock(120)
    script = [
        (10.0, speech_started()),
        (125.0, speech_stopped()),
        (126.0, response("response.created", "r1")),
    ]
    assert feed_at(clock, script, 300) == []


def test_never_within_the_first_30_seconds_of_an_answer_even_with_a_lower_threshold():
    clock = CutInClock(5)
    script = [(0.0, speech_started())]
    assert feed_at(clock, script, 29) == []
    assert feed_at(clock, [], 40) == [30.0]


def test_none_while_a_response_is_in_progress_and_its_end_lets_it_through():
    clock = CutInClock(90)
    clock.feed(speech_started(), 0.0)
    # A response started outside the candidate's turn (not ending the answer: it began before it)
    clock.responses.add("r_busy")
    assert not clock.due(150.0)
    clock.feed(response("response.done", "r_busy"), 151.0)
    assert clock.due(151.0)


def test_none_while_the_interviewers_audio_is_playing():
    clock = CutInClock(90)
    clock.feed(speech_started(), 0.0)
    clock.feed({"type": "output_audio_buffer.started", "response_id": "x"}, 50.0)
    assert not clock.due(100.0)
    clock.feed({"type": "output_audio_buffer.stopped", "response_id": "x"}, 101.0)
    assert clock.due(101.0)


def test_none_when_switched_off():
    clock = CutInClock(None)
    assert feed_at(clock, [(0.0, speech_started())], 600) == []


def test_one_per_answer_and_a_new_answer_may_have_its_own():
    clock = CutInClock(90)
    script = [
        (0.0, speech_started()),
        # the cut-in's response at 91 s ends the first answer
        (91.0, response("response.created", "cut")),
        (95.0, response("response.done", "cut")),
        (96.0, speech_started()),
    ]
    assert feed_at(clock, script, 400) == [90.0, 186.0]
    assert clock.count == 2


def test_no_second_cut_in_while_the_first_is_still_awaited():
    clock = CutInClock(90)
    assert feed_at(clock, [(0.0, speech_started())], 300) == [90.0]


def test_the_candidate_must_be_speaking():
    clock = CutInClock(90)
    script = [(0.0, speech_started()), (80.0, speech_stopped())]
    assert feed_at(clock, script, 200) == []
    assert feed_at(clock, [(201.0, speech_started())], 202) == [201.0]
