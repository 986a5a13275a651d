"""The feedback page in the interview's language (issue 17): its fillers marked in the transcript,
Japanese and Chinese paced in characters, dates and numbers written the language's way, cut-ins shown."""

import dataclasses
from datetime import UTC, datetime

from tests.unit.test_feedback_citations import report_for
from vocahire.services.feedback.annotated import FILLER, build_annotated_transcript
from vocahire.services.feedback.locale_format import format_day, format_number
from vocahire.services.feedback.speech_languages import count_fillers_in, count_words, find_fillers_in
from vocahire.services.feedback.speech_metrics import Line, compute_speech_metrics
from vocahire.state.feedback_views import feedback_markdown, feedback_view

SPANISH = "Bueno, o sea, trabajé en plan tres años en Madrid, eh, y pues lideré el equipo de datos."
HINDI = "मतलब, मैंने यानी तीन साल डेटा टीम का नेतृत्व किया, हम्म।"


def spanish_report(**fields: object):
    lines = [
        Line("interviewer", "Cuéntame de tu último puesto.", 0.0, 3.0),
        Line("candidate", SPANISH, 4.0, 11.5),
        Line("interviewer", "Déjame interrumpirte: ¿cuál fue tu papel?", 130.0, 134.0, cut_in=True),
    ]
    metrics = compute_speech_metrics(lines, language="es")
    return dataclasses.replace(report_for(lines, None), metrics=metrics, language="es", **fields)


def test_hindi_words_keep_their_vowel_signs_and_its_fillers_are_found():
    # मतलब मैंने यानी तीन साल डेटा टीम का नेतृत्व किया हम्म: 11 words, not the ~25 pieces the
    # vowel signs would cut them into.
    assert count_words(HINDI, "hi") == 11
    assert dict(count_fillers_in(HINDI, "hi")) == {"मतलब": 1, "यानी": 1, "हम्म": 1}


def test_filler_spans_point_at_the_words_themselves():
    spans = find_fillers_in(SPANISH, "es")
    assert [SPANISH[a:b] for a, b, _ in spans] == ["Bueno", "o sea", "en plan", "eh", "pues"]
    japanese = "えーと、えー、あのー、あの"
    assert [japanese[a:b] for a, b, _ in find_fillers_in(japanese, "ja")] == [
        "えーと",
        "えー",
        "あのー",
        "あの",
    ]


def test_the_annotated_transcript_marks_the_languages_fillers_and_the_cut_in():
    out = build_annotated_transcript(spanish_report())
    answer = out["lines"][1]
    marked = [s["text"] for s in answer["segments"] if s["flags"] & FILLER]
    assert marked == ["Bueno", "o sea", "en plan", "eh", "pues"]
    assert [line["cut_in"] for line in out["lines"]] == [False, False, True]
    english = report_for(spanish_report().lines, None)  # the same words read as English: none of these
    assert not [s for s in build_annotated_transcript(english)["lines"][1]["segments"] if s["flags"] & FILLER]


def test_japanese_and_chinese_pace_is_in_characters_against_their_own_targets():
    japanese = "私はデータ分析のチームで三年間働きました。主にSQLとPythonを使って売上の予測をしました。"
    assert count_words(japanese, "ja") == 39  # 37 characters, and SQL and Python as one each
    lines = [Line("interviewer", "自己紹介をお願いします。", 0, 3), Line("candidate", japanese, 4, 11.8)]
    metrics = compute_speech_metrics(lines, language="ja")
    pace = next(f for f in metrics.figures if f.key == "wpm")
    assert pace.display == "300 characters/min"  # 39 in 7.8 s
    assert pace.target == "250–350 characters per minute" and pace.status == "good"
    assert "in characters per minute" in pace.explanation
    chinese = next(f for f in compute_speech_metrics(lines, language="zh").figures if f.key == "wpm")
    assert chinese.target == "180–260 characters per minute" and chinese.status == "watch"  # too fast
    english = next(f for f in compute_speech_metrics(lines).figures if f.key == "wpm")
    assert english.target == "120–160 words per minute" and english.display.endswith(" wpm")


def test_the_filler_figure_explains_with_the_languages_own_fillers():
    figure = next(f for f in spanish_report().metrics.figures if f.key == "fillers_per_minute")
    assert "“o sea”" in figure.explanation and "“um”" not in figure.explanation


def test_dates_and_numbers_follow_the_language():
    day = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
    assert [format_day(day, code) for code in ("en", "es", "de", "ja", "zh")] == [
        "4 Dec 2026",
        "4 dic 2026",
        "04.12.2026",
        "2026/12/04",
        "2026年12月4日",
    ]
    assert (format_number(7.5, "es"), format_number(7.5, "en"), format_number(1234.5, "fr")) == (
        "7,5",
        "7.5",
        "1\u202f234,5",
    )
    assert format_day(day, "xx") == "4 Dec 2026"  # an unknown code falls back to English


def test_the_feedback_page_writes_dates_and_figures_the_spanish_way_and_labels_the_cut_in():
    data = feedback_view(spanish_report(created_at=datetime(2026, 12, 4, tzinfo=UTC)))
    assert data["date_label"] == "4 dic 2026"
    assert data["answers"][0]["duration"] == "7,5 s"  # 4.0 -> 11.5
    assert data["transcript"][2]["cut_in"] == "Cut in on a long answer"
    assert data["transcript"][1]["cut_in"] == ""
    assert (data["length_unit"], data["pace_unit"]) == ("Words", "Pace (wpm)")
    assert "| # | Words | Length | Pace (wpm) |" in feedback_markdown(data)
    lines = [Line("candidate", "えーと、はい。", 0, 2)]
    japanese = feedback_view(dataclasses.replace(report_for(lines, None), language="ja"))
    assert (japanese["length_unit"], japanese["pace_unit"]) == ("Characters", "Pace (chars/min)")
    assert "| # | Characters | Length | Pace (chars/min) |" in feedback_markdown(japanese)


def test_a_redos_answer_is_measured_in_the_interviews_language_like_the_first_try():
    from vocahire.services.feedback.regrade import answer_figures

    lines = [Line("interviewer", "¿Cuál fue tu papel?", 0.0, 2.0), Line("candidate", SPANISH, 3.0, 13.0)]
    spanish = answer_figures(lines, "es")
    assert (spanish["words"], spanish["fillers"], spanish["seconds"]) == (18, 5, 10.0)
    assert spanish["fillers_per_minute"] == 30.0 and spanish["latency_seconds"] == 1.0
    assert answer_figures(lines)["fillers"] == 0  # read by English rules, none of these is a filler
    japanese = [Line("candidate", "えーと、私はデータ分析を三年やりました。", 0.0, 6.0)]
    figures = answer_figures(japanese, "ja")
    assert figures["words"] == 18 and figures["fillers"] == 1  # characters, and "えーと"
    assert answer_figures(japanese)["words"] == 2  # split at spaces and punctuation it would be 2 "words"


def test_the_comparison_page_holds_a_japanese_answer_to_its_character_targets():
    from vocahire.state.practice_views import _figures

    first = {"wpm": 420.0, "words": 700, "seconds": 100.0, "fillers_per_minute": 2.0, "latency_seconds": 2.0}
    redo = {"wpm": 310.0, "words": 520, "seconds": 100.0, "fillers_per_minute": 2.0, "latency_seconds": 2.0}
    shown = {f["key"]: f for f in _figures(redo, first, "ja")}
    assert shown["wpm"]["value"] == "310 chars/min" and shown["wpm"]["trend"] == "better"  # into 250-350
    assert shown["words"]["label"] == "Characters" and shown["words"]["trend"] == "better"  # into 300-600
    english = {f["key"]: f for f in _figures(redo, first)}
    assert english["wpm"]["value"] == "310 wpm" and english["words"]["label"] == "Words"
