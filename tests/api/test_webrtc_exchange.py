"""POST /api/webrtc-exchange: only the owner's interview, answers with OpenAI's SDP, refunds on upstream
faults."""

from decimal import Decimal

import pytest

from tests.fakes.openai_realtime import CANNED_ANSWER_SDP
from tests.fakes.realtime_fixtures import fake_realtime  # noqa: F401 - fixture
from tests.utils.live import OFFER_SDP, end, get, start
from tests.utils.users import balance_of, make_user, session_cookie_for
from vocahire.infra.database import in_session
from vocahire.services.accounts import sessions

URL = "/api/webrtc-exchange"


def post(client, user_id, body, **headers):
    cookies = session_cookie_for(user_id) if user_id else {}
    client.cookies.clear()
    for name, value in cookies.items():
        client.cookies.set(name, value)
    return client.post(URL, json=body, headers=headers)


def test_the_owner_gets_the_answer_and_never_the_key(api_client, fake_realtime):
    user = make_user()
    started = start(user.id)
    response = post(api_client, user.id, {"session_id": started.id, "sdp": OFFER_SDP})
    assert response.status_code == 200, response.text
    assert response.json() == {"sdp": CANNED_ANSWER_SDP}
    assert fake_realtime.api_key not in response.text and "sk-" not in response.text
    assert response.headers["cache-control"] == "no-store"
    assert get(started.id).status == "active"


def test_signed_out_gets_401(api_client, fake_realtime):
    user = make_user()
    started = start(user.id)
    response = post(api_client, None, {"session_id": started.id, "sdp": OFFER_SDP})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert fake_realtime.creates == [] and get(started.id).status == "starting"


def test_a_session_signed_out_elsewhere_gets_401_and_nothing_is_created(api_client, fake_realtime):
    user = make_user()
    started = start(user.id)
    cookies = session_cookie_for(user.id)
    in_session(sessions.end_other_sessions, user_id=user.id)  # "Sign out everywhere"
    api_client.cookies.clear()
    for name, value in cookies.items():
        api_client.cookies.set(name, value)
    response = api_client.post(URL, json={"session_id": started.id, "sdp": OFFER_SDP})
    assert response.status_code == 401
    assert fake_realtime.creates == [] and get(started.id).status == "starting"


def test_someone_elses_interview_is_not_found(api_client, fake_realtime):
    owner, other = make_user(), make_user("eve@example.com")
    started = start(owner.id)
    response = post(api_client, other.id, {"session_id": started.id, "sdp": OFFER_SDP})
    assert response.status_code == 404
    assert fake_realtime.creates == []
    assert get(started.id).status == "starting" and balance_of(owner.id) == Decimal("2.00")


def test_an_ended_interview_cannot_connect_again(api_client, fake_realtime):
    user = make_user()
    started = start(user.id)
    assert post(api_client, user.id, {"session_id": started.id, "sdp": OFFER_SDP}).status_code == 200
    end(started.id)
    response = post(api_client, user.id, {"session_id": started.id, "sdp": OFFER_SDP})
    assert response.status_code == 409 and "already ended" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"session_id": "x", "sdp": OFFER_SDP},
        {"sdp": OFFER_SDP},
        {"session_id": None, "sdp": OFFER_SDP},
        {"session_id": ["a"], "sdp": OFFER_SDP},
    ],
)
def test_junk_ids_are_not_found(api_client, fake_realtime, body):
    user = make_user()
    assert post(api_client, user.id, body).status_code == 404


@pytest.mark.parametrize("sdp", [None, "", "not sdp", 12, {"a": 1}])
def test_bad_offers_are_refused_before_anything_is_charged_or_sent(api_client, fake_realtime, sdp):
    user = make_user()
    started = start(user.id)
    response = post(api_client, user.id, {"session_id": started.id, "sdp": sdp})
    assert response.status_code == 422
    assert fake_realtime.creates == [] and get(started.id).status == "starting"


def test_oversized_bodies_and_non_json_are_refused(api_client, fake_realtime):
    user = make_user()
    started = start(user.id)
    huge = OFFER_SDP + "a=x\r\n" * 30_000
    assert post(api_client, user.id, {"session_id": started.id, "sdp": huge}).status_code == 422
    api_client.cookies.clear()
    for name, value in session_cookie_for(user.id).items():
        api_client.cookies.set(name, value)
    assert (
        api_client.post(URL, content=b"{not json", headers={"content-type": "application/json"}).status_code
        == 422
    )
    assert (
        api_client.post(URL, content=b"[1,2]", headers={"content-type": "application/json"}).status_code
        == 422
    )
    assert fake_realtime.creates == []


def test_cross_site_posts_are_refused(api_client, fake_realtime, env):
    env(
        ENVIRONMENT="test",
        APP_URL="http://localhost:3000",
        OPENAI_API_KEY=fake_realtime.api_key,
        OPENAI_BASE_URL=fake_realtime.base_url,
    )
    user = make_user()
    started = start(user.id)
    response = post(
        api_client, user.id, {"session_id": started.id, "sdp": OFFER_SDP}, origin="https://evil.example"
    )
    assert response.status_code == 403
    assert fake_realtime.creates == []


@pytest.mark.parametrize("fault,status", [("500", 502), ("429", 502), ("timeout", 504), ("malformed", 502)])
def test_upstream_faults_map_to_502_504_and_refund(api_client, fake_realtime, fault, status):
    user = make_user()
    started = start(user.id)
    fake_realtime.fail_next(fault)
    response = post(api_client, user.id, {"session_id": started.id, "sdp": OFFER_SDP})
    assert response.status_code == status
    body = response.json()["error"]
    assert (
        body["request_id"] and "Traceback" not in response.text and fake_realtime.api_key not in response.text
    )
    assert get(started.id).status == "failed"
    assert balance_of(user.id) == Decimal("3.00")
