"""GET /api/interviews/{id}/lines: the live page's saved transcript, for its owner only."""

from tests.utils.live import connect_without_upstream, start
from tests.utils.users import make_user, session_cookie_for
from vocahire import routes
from vocahire.infra.database import in_session
from vocahire.services.accounts import sessions
from vocahire.services.interviews.transcript import FinalLine, save_lines


def _get(client, user_id, interview_id, cookies=None):
    client.cookies.clear()
    for name, value in (
        cookies if cookies is not None else session_cookie_for(user_id) if user_id else {}
    ).items():
        client.cookies.set(name, value)
    return client.get(routes.interview_lines_url(interview_id))


def _live_interview_with_lines(email="ada@example.com"):
    user = make_user(email)
    started = start(user.id)
    connect_without_upstream(started.id)
    in_session(
        save_lines,
        interview_id=started.id,
        lines=[
            FinalLine("q1", "interviewer", "Tell me about a project."),
            FinalLine("q2", "interviewer", "How did you test it?", "a1"),
            FinalLine("a1", "candidate", "I led the billing migration.", "q1"),  # transcribed late
        ],
    )
    return user, started.id


def test_the_owner_reads_the_saved_lines_in_conversation_order(api_client):
    user, interview_id = _live_interview_with_lines()
    response = _get(api_client, user.id, interview_id)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "lines": [
            {
                "item_id": "q1",
                "previous_item_id": None,
                "role": "interviewer",
                "text": "Tell me about a project.",
            },
            {
                "item_id": "a1",
                "previous_item_id": "q1",
                "role": "candidate",
                "text": "I led the billing migration.",
            },
            {
                "item_id": "q2",
                "previous_item_id": "a1",
                "role": "interviewer",
                "text": "How did you test it?",
            },
        ]
    }


def test_a_new_interview_has_no_lines_yet(api_client):
    user = make_user()
    started = start(user.id)
    response = _get(api_client, user.id, started.id)
    assert response.status_code == 200 and response.json() == {"lines": []}


def test_someone_elses_interview_is_not_found_and_shows_nothing(api_client):
    _, interview_id = _live_interview_with_lines()
    eve = make_user("eve@example.com")
    response = _get(api_client, eve.id, interview_id)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "billing" not in response.text


def test_signed_out_or_signed_out_elsewhere_gets_401(api_client):
    user, interview_id = _live_interview_with_lines()
    assert _get(api_client, None, interview_id).status_code == 401
    cookies = session_cookie_for(user.id)
    in_session(sessions.end_other_sessions, user_id=user.id)  # "Sign out everywhere"
    response = _get(api_client, user.id, interview_id, cookies=cookies)
    assert response.status_code == 401 and "billing" not in response.text


def test_a_malformed_or_unknown_id_is_not_found(api_client):
    user = make_user()
    for junk in ("x", "0" * 32, "../admin", "%00"):
        response = _get(api_client, user.id, junk)
        assert response.status_code == 404, (junk, response.text)


def test_only_get_is_allowed(api_client):
    user, interview_id = _live_interview_with_lines()
    for name, value in session_cookie_for(user.id).items():
        api_client.cookies.set(name, value)
    response = api_client.post(routes.interview_lines_url(interview_id))
    assert response.status_code == 405
