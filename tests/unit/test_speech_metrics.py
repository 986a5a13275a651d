"""Golden tests: the measured speech figures on fixed transcripts whose answers were worked out by hand."""

from __future__ import annotations

import json

import pytest

from vocahire.services.feedback.key_terms import key_terms
from vocahire.services.feedback.speech_metrics import Line, compute_speech_metrics
from vocahire.services.feedback.speech_text import count_fillers, words_in


def words(n: int, *, prefix: str = "") -> str:
    """``n`` plain words (no fillers), optionally starting with ``prefix`` (whose words count too)."""
    head = prefix.split()
    return " ".join(head + [f"w{i}" for i in range(n - len(head))])


INTERVIEWER, CANDIDATE = "interviewer", "candidate"

# Worked by hand (seconds):
#  I1 0-5 | C1 6-36 (60 words, 4 fillers) | I2 37-40 | C2 42-52 "I like Python." (3 words)
#  I3 53-58 | C3 57.5-257.5 (400 words, starts 0.5 s before I3 ends) | 7.5 s silence | I4 265-269
BASIC = [
    Line(INTERVIEWER, "Tell me about yourself.", 0, 5),
    Line(CANDIDATE, words(60, prefix="um so um you know I basically"), 6, 36),
    Line(INTERVIEWER, "Why this role?", 37, 40),
    Line(CANDIDATE, "I like Python.", 42, 52),
    Line(INTERVIEWER, "Walk me through your biggest project, from the start.", 53, 58),
    Line(CANDIDATE, words(400), 57.5, 257.5),
    Line(INTERVIEWER, "Thank you, that's all.", 265, 269),
]


def test_golden_basic_interview():
    m = compute_speech_metrics(BASIC)
    assert [a.words for a in m.answers] == [60, 3, 400]
    assert [a.seconds for a in m.answers] == [30.0, 10.0, 200.0]
    assert [a.wpm for a in m.answers] == [120.0, 18.0, 120.0]
    assert [a.latency_seconds for a in m.answers] == [1.0, 2.0, -0.5]
    assert [a.fillers for a in m.answers] == [4, 0, 0]
    assert m.answers[0].filler_words == {"basically": 1, "um": 2, "you know": 1}
    assert m.answers[0].fillers_per_minute == 8.0
    assert [(a.too_short, a.too_long) for a in m.answers] == [(False, False), (True, False), (False, True)]
    assert m.answers[1].question == "Why this role?"

    assert m.summary["wpm"] == 115.8  # 463 words / 4 minutes
    assert m.summary["fillers_per_minute"] == 1.0  # 4 fillers / 4 minutes
    assert m.summary["median_latency_seconds"] == 1.0
    assert m.summary["talk_ratio_percent"] == 93.4  # 240 s of 257 s
    assert m.worst_filler_answers == [1]
    assert m.filler_totals == {"um": 2, "basically": 1, "you know": 1}

    t = m.turn_taking
    assert (t.candidate_interruptions, t.interviewer_interruptions, t.overlap_seconds) == (1, 0, 0.5)
    assert (t.long_silences, t.longest_silence_seconds, t.total_silence_seconds) == (1, 7.5, 12.5)
    assert (t.longest_monologue_seconds, t.longest_monologue_answer) == (200.0, 3)
    assert (t.candidate_talk_seconds, t.interviewer_talk_seconds) == (240.0, 17.0)

    figures = {f.key: f for f in m.figures}
    assert figures["wpm"].status == "watch" and figures["wpm"].display == "116 wpm"
    assert figures["fillers_per_minute"].status == "good"
    assert figures["talk_ratio_percent"].status == "watch"
    assert (
        figures["median_answer_seconds"].value == 30.0 and figures["median_answer_seconds"].status == "watch"
    )
    assert figures["longest_monologue_seconds"].status == "watch"
    assert figures["keyword_coverage_percent"].status == "na"  # no job description
    for f in m.figures:
        assert f.explanation and f.target


def test_metrics_are_json_for_the_feedback_row_and_deterministic():
    first = compute_speech_metrics(BASIC).to_json()
    assert json.loads(json.dumps(first)) == first
    assert compute_speech_metrics(BASIC).to_json() == first


def test_golden_empty_answers():
    m = compute_speech_metrics(
        [
            Line(INTERVIEWER, "First question?", 0, 3),
            Line(CANDIDATE, "", 4, 8),  # transcription produced nothing
            Line(INTERVIEWER, "Let me ask another way: what did you build?", 9, 12),
            Line(CANDIDATE, words(30), 13, 28),
        ]
    )
    assert [a.words for a in m.answers] == [0, 30]
    assert m.answers[0].too_short and m.answers[0].wpm is None and m.answers[0].answer_excerpt == ""
    assert m.summary["wpm"] == 120.0  # the silent line's 4 s don't count as speaking
    assert m.candidate_words == 30


def test_golden_no_transcript_at_all():
    m = compute_speech_metrics([])
    assert m.answers == [] and m.candidate_words == 0
    assert all(f.status == "na" for f in m.figures)
    assert m.turn_taking.talk_ratio_basis == "none"


def test_golden_one_sided_interviews():
    only_interviewer = compute_speech_metrics(
        [Line(INTERVIEWER, "Hello? Can you hear me?", 0, 3), Line(INTERVIEWER, "I'll wait a moment.", 10, 12)]
    )
    assert only_interviewer.answers == []
    assert only_interviewer.summary["talk_ratio_percent"] == 0.0
    assert only_interviewer.summary["wpm"] is None
    assert only_interviewer.turn_taking.long_silences == 1  # 7 s of nothing

    only_candidate = compute_speech_metrics([Line(CANDIDATE, words(50), 0, 20)])
    (answer,) = only_candidate.answers
    assert answer.question == "" and answer.latency_seconds is None and answer.wpm == 150.0
    assert only_candidate.summary["talk_ratio_percent"] == 100.0
    assert only_candidate.summary["median_latency_seconds"] is None


def test_golden_overlapping_speech():
    m = compute_speech_metrics(
        [
            Line(CANDIDATE, words(50), 0, 20),
            Line(
                INTERVIEWER, "Sorry to jump in: which database?", 15, 18
            ),  # talks over the candidate for 3 s
            Line(CANDIDATE, words(10), 19, 23),  # starts after the interviewer stopped at 18: no overlap
            Line(
                INTERVIEWER, "Great, and then?", 22.9, 25
            ),  # 0.1 s overlap: timestamp jitter, not an interruption
            Line(CANDIDATE, words(20), 24, 30),  # 1 s over the interviewer: an interruption
        ]
    )
    t = m.turn_taking
    assert t.interviewer_interruptions == 1
    assert t.candidate_interruptions == 1
    assert t.overlap_seconds == 4.0
    assert m.answers[2].latency_seconds == -1.0


def test_golden_untimed_transcript_falls_back_to_words():
    m = compute_speech_metrics(
        [
            Line(INTERVIEWER, "Tell me about you."),
            Line(CANDIDATE, words(120)),
            Line(INTERVIEWER, "And why us?"),
            Line(CANDIDATE, words(40)),
        ]
    )
    assert not m.timed
    assert m.summary["wpm"] is None and m.summary["median_latency_seconds"] is None
    assert m.turn_taking.talk_ratio_basis == "words"
    assert m.summary["talk_ratio_percent"] == 95.8  # 160 of 167 words
    assert m.figure("median_answer_words").value == 80.0


def sixty_minutes() -> list[Line]:
    """30 two-minute cycles: question 0-8 s (20 words), answer 10-110 s (200 words, 2 fillers),
    silence to 120 s."""
    lines = []
    for k in range(30):
        t = 120 * k
        lines.append(Line(INTERVIEWER, words(20), t, t + 8))
        lines.append(Line(CANDIDATE, words(200, prefix="um well uh"), t + 10, t + 110))
    return lines


def test_golden_sixty_minute_interview():
    m = compute_speech_metrics(sixty_minutes())
    assert len(m.answers) == 30 and m.candidate_words == 6000
    assert m.summary["wpm"] == 120.0
    assert m.summary["fillers_per_minute"] == 1.2
    assert m.summary["median_latency_seconds"] == 2.0
    assert m.summary["talk_ratio_percent"] == 92.6  # 3000 s of 3240 s
    t = m.turn_taking
    assert (t.long_silences, t.longest_silence_seconds, t.total_silence_seconds) == (29, 10.0, 350.0)
    assert t.longest_monologue_seconds == 100.0
    assert m.worst_filler_answers == [1, 2, 3]  # all equal: the earliest first


def test_keyword_coverage_of_the_job_description():
    jd = "Python Python Django PostgreSQL. REST APIs, REST APIs. Node.js and C++ too."
    assert key_terms(jd) == ["rest apis", "python", "django", "postgresql", "node.js", "c++"]
    m = compute_speech_metrics(
        [
            Line(INTERVIEWER, "Tell me about a project."),
            Line(CANDIDATE, "I built a REST API in Python with Django models."),
        ],
        jd,
    )
    assert m.keywords.mentioned == ["rest apis", "python", "django"]
    assert m.keywords.missing == ["postgresql", "node.js", "c++"]
    assert m.keywords.coverage_percent == 50.0
    assert m.figure("keyword_coverage_percent").status == "good"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Um, so, like, I basically led the, uh, migration, you know?",
            {"um": 1, "like": 1, "basically": 1, "uh": 1, "you know": 1},
        ),
        ("I like Python and I would like to learn Go. It looks like fun.", {}),
        ("What kind of team is it? It was kind of hard, sort of.", {"kind of": 1, "sort of": 1}),
        ("Do you know what I mean? I mean, we had like ten people.", {"i mean": 1, "like": 1}),
        ("Like, we were stuck. And like, um, nobody knew.", {"like": 2, "um": 1}),
        ("Honestly it was literally, actually, the hardest bug.", {"literally": 1, "actually": 1}),
        ("Ummm no. Uhh yes. Erm maybe. Hmm.", {"um": 1, "uh": 1, "er": 1, "hmm": 1}),
    ],
)
def test_filler_words(text, expected):
    assert dict(count_fillers(text)) == {k: v for k, v in expected.items() if v}


def test_words_are_counted_as_spoken():
    assert words_in("I don't know—well-known C++ résumé, 40%!") == [
        "I",
        "don't",
        "know",
        "well-known",
        "C",
        "résumé",
        "40",
    ]
