"""The set-up form is validated on the server with messages a candidate can act on."""

import pytest

from vocahire.errors import InvalidInput
from vocahire.services.interviews.lifecycle import limit_seconds, parse_setup
from vocahire.settings import Settings

GOOD = {
    "job_title": "  Backend Engineer ",
    "job_description": "APIs",
    "interview_type": "technical",
    "difficulty": "hard",
    "duration_minutes": "30",
    "pace": "brisk",
}


def test_a_good_form_is_normalised():
    setup = parse_setup(GOOD)
    assert setup.job_title == "Backend Engineer"
    assert setup.duration_minutes == 30 and setup.pace == "brisk" and setup.interview_type == "technical"


def test_defaults_fill_optional_fields():
    setup = parse_setup({"job_title": "Nurse"})
    assert (
        setup.interview_type,
        setup.difficulty,
        setup.duration_minutes,
        setup.pace,
        setup.job_description,
    ) == ("mixed", "medium", 20, "patient", "")


@pytest.mark.parametrize(
    "change,message",
    [
        ({"job_title": ""}, "Enter the job title"),
        ({"job_title": "   "}, "Enter the job title"),
        ({"job_title": "x" * 201}, "at most 200"),
        ({"job_description": "x" * 20_001}, "20,000"),
        ({"interview_type": "trivia"}, "interview type"),
        ({"difficulty": "impossible"}, "difficulty"),
        ({"duration_minutes": 45}, "10, 20 or 30"),
        ({"duration_minutes": "-10"}, "not valid"),
        ({"duration_minutes": True}, "not valid"),
        ({"pace": "sloth"}, "pace"),
        ({"job_title": {"$ne": 1}}, "not valid"),
        ({"job_title": ["a"]}, "not valid"),
    ],
)
def test_bad_values_are_refused_with_a_reason(change, message):
    with pytest.raises(InvalidInput) as info:
        parse_setup({**GOOD, **change})
    assert message in info.value.message


@pytest.mark.parametrize("junk", [None, "form", 3, ["job_title"]])
def test_junk_instead_of_a_form(junk):
    with pytest.raises(InvalidInput):
        parse_setup(junk)


def test_length_is_capped_by_settings_and_overridable_for_tests():
    assert limit_seconds(Settings(), 30) == 30 * 60
    assert limit_seconds(Settings(INTERVIEW_MAX_MINUTES="10"), 30) == 10 * 60
    assert limit_seconds(Settings(INTERVIEW_LIMIT_SECONDS="12"), 30) == 12
