"""Speech figures in the interview's language: golden counts of words and fillers (issue 17)."""

import pytest

from vocahire.services.feedback.ai import FeedbackRequest, build_messages
from vocahire.services.feedback.speech_languages import count_fillers_in, count_words
from vocahire.services.feedback.speech_metrics import Line, compute_speech_metrics

SPANISH = "Bueno, o sea, trabajé en plan tres años en Madrid, eh, y pues lideré el equipo de datos."
GERMAN = "Ähm, ich habe halt sozusagen drei Jahre lang das Team geleitet, äh, irgendwie erfolgreich."
JAPANESE = "えーと、私はデータ分析を三年やりました。あのー、SQL も使います。"
CHINESE = "嗯，我在那个公司工作了三年，就是说主要做数据分析。"


@pytest.mark.parametrize(
    "language,text,words,fillers",
    [
        ("es", SPANISH, 18, {"bueno": 1, "o sea": 1, "en plan": 1, "eh": 1, "pues": 1}),
        ("de", GERMAN, 14, {"ähm": 1, "halt": 1, "sozusagen": 1, "äh": 1, "irgendwie": 1}),
        # Characters, not spaces: えーと(3) 私は(2) データ(3) 分析を(3) 三年(2) やりました(5) あのー(3) SQL(1)
        # も使います(5).
        ("ja", JAPANESE, 27, {"えーと": 1, "あのー": 1}),
        ("zh", CHINESE, 22, {"嗯": 1, "那个": 1, "就是说": 1}),
    ],
)
def test_golden_words_and_fillers_per_language(language, text, words, fillers):
    assert count_words(text, language) == words
    assert dict(count_fillers_in(text, language)) == fillers


def test_a_longer_filler_is_not_counted_again_as_a_shorter_one():
    assert dict(count_fillers_in("えーと、えー、あのー、あの", "ja")) == {
        "えーと": 1,
        "えー": 1,
        "あのー": 1,
        "あの": 1,
    }


def test_english_keeps_its_own_rules():
    assert count_words("I basically, um, led the team", "en") == 6
    assert dict(count_fillers_in("I basically, um, led the team", "en")) == {"basically": 1, "um": 1}


def test_the_figures_of_a_chinese_interview_count_characters_and_its_fillers():
    lines = [
        Line("interviewer", "请介绍一下你自己。", 0, 3),
        Line("candidate", CHINESE, 4, 14),
    ]
    metrics = compute_speech_metrics(lines, language="zh")
    assert metrics.candidate_words == 22
    assert metrics.answers[0].filler_words == {"嗯": 1, "那个": 1, "就是说": 1}
    assert compute_speech_metrics(lines).candidate_words < 22  # counted by spaces it would be a few "words"


def test_the_feedback_is_asked_for_in_the_interviews_language():
    lines = [Line("interviewer", "Cuéntame de ti.", 0, 2), Line("candidate", SPANISH, 3, 20)]
    spanish = build_messages(FeedbackRequest("Analista", "", "", lines, language="es"))[0]["content"]
    assert "Write every piece of feedback text in Spanish" in spanish
    english = build_messages(FeedbackRequest("Analyst", "", "", lines))[0]["content"]
    assert "Write every piece of feedback text" not in english


def test_the_turn_taking_figures_count_the_interviewers_cut_ins():
    lines = [
        Line("interviewer", "Tell me about a project.", 0, 3),
        Line("candidate", "So we built a pipeline and then " * 20, 4, 130),
        Line("interviewer", "Let me stop you there: what was your own part?", 130, 134, cut_in=True),
        Line("candidate", "I designed the schema.", 135, 138),
    ]
    assert compute_speech_metrics(lines).turn_taking.interviewer_cut_ins == 1
    assert compute_speech_metrics(lines[:2]).turn_taking.interviewer_cut_ins == 0
