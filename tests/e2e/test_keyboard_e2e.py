"""Keyboard only: a newcomer signs up, then sets up and starts an interview, without touching the mouse."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import LiveApp, shot, signed_in_context, wait_hydrated
from tests.utils.users import make_user

pytestmark = pytest.mark.e2e

MAX_TABS = 60


@pytest.fixture
def page(browser: Any, live_app_db: LiveApp) -> Iterator[Any]:
    context = signed_in_context(browser, live_app_db.app, None)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def focused(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => { const el = document.activeElement; return {
            id: el.id || "", tag: el.tagName.toLowerCase(), role: el.getAttribute("role") || "",
            name: el.getAttribute("name") || "", text: (el.innerText || "").trim().slice(0, 60),
            value: el.value === undefined ? "" : String(el.value) }; }"""
    )


def expect_focus(page: Any, element_id: str) -> None:
    """The element gets the focus (Radix moves it on a timer after an arrow key)."""
    page.wait_for_function(
        "id => document.activeElement && document.activeElement.id === id", arg=element_id, timeout=3000
    )


def arrow_to(page: Any, key: str, element_id: str) -> None:
    """An arrow key held as a person does (Radix checks the radio it moves to while the key is down)."""
    page.keyboard.down(key)
    expect_focus(page, element_id)
    page.keyboard.up(key)
    # The choice is the state's: it shows checked once the server's answer re-renders the group.
    page.wait_for_function(
        "id => document.getElementById(id)?.getAttribute('aria-checked') === 'true'",
        arg=element_id,
        timeout=5000,
    )


def tab_to(page: Any, wanted: str, seen: list[dict[str, str]] | None = None) -> dict[str, str]:
    """Press Tab until the element with id ``wanted`` has the focus (recording each stop)."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        now = focused(page)
        if seen is not None:
            seen.append(now)
        if now["id"] == wanted:
            return now
    raise AssertionError(f"#{wanted} never got the focus; stops: {seen}")


def test_sign_up_with_the_keyboard_only(page: Any) -> None:
    page.goto("/sign-up")
    wait_hydrated(page)
    page.keyboard.press("Tab")
    expect_focus(page, "skip-link")  # the first Tab stop
    assert page.locator("#skip-link").is_visible()  # shown while focused
    page.keyboard.press("Enter")
    expect_focus(page, "main")
    page.keyboard.press("Tab")
    expect_focus(page, "field-name")  # past the header, straight into the form
    page.keyboard.type("Kay Board")
    page.keyboard.press("Tab")
    expect_focus(page, "field-email")
    page.keyboard.type("kay-board@example.com")
    page.keyboard.press("Tab")
    expect_focus(page, "field-password")
    described = page.get_attribute("#field-password", "aria-describedby")
    assert described and "characters" in page.locator(f"#{described}").inner_text()
    page.keyboard.type("short")
    page.keyboard.press("Enter")
    # Too short: the browser's own check keeps the form; the user fixes it and presses Enter again.
    assert "/sign-up" in page.url
    page.keyboard.press("Control+A")
    page.keyboard.type("correct-horse-42")
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard**")
    wait_hydrated(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Hi, Kay Board"
    shot(page, "keyboard-signed-up")


def test_a_sign_up_error_is_focused_and_announced(page: Any) -> None:
    make_user("taken-kb@example.com")
    page.goto("/sign-up")
    wait_hydrated(page)
    page.fill("#field-name", "Kay")
    page.fill("#field-email", "taken-kb@example.com")
    page.fill("#field-password", "correct-horse-42")
    page.press("#field-password", "Enter")
    page.wait_for_selector("#auth-error")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'auth-error'")
    assert page.get_attribute("#auth-error", "role") == "alert"
    assert "already exists" in page.locator("#auth-error").inner_text()
    page.keyboard.press("Tab")  # on into the form
    assert focused(page)["tag"] in ("input", "a")
    shot(page, "keyboard-sign-up-error-focused")


def test_set_up_an_interview_with_the_keyboard_only(page: Any, tmp_path: Any) -> None:
    make_user("kb-setup@example.com", name="Kay Setup")
    page.goto("/sign-in")
    wait_hydrated(page)
    page.fill("#field-email", "kb-setup@example.com")
    page.fill("#field-password", "correct-horse-42")
    page.press("#field-password", "Enter")
    page.wait_for_url("**/dashboard**")

    page.goto("/interview")
    wait_hydrated(page)
    page.wait_for_selector("#start-interview:not([disabled])")
    page.keyboard.press("Tab")
    expect_focus(page, "skip-link")
    page.keyboard.press("Enter")
    stops: list[dict[str, str]] = []
    tab_to(page, "job_title", stops)
    page.keyboard.type("Site Reliability Engineer")
    tab_to(page, "job_description", stops)
    page.keyboard.type("Keep Python services up; on-call; PostgreSQL.")

    # The résumé drop zone is a button: Enter opens the file chooser.
    page.keyboard.press("Tab")
    zone = focused(page)
    assert zone["role"] == "button" and "résumé" in zone["text"]
    resume = tmp_path / "resume.txt"
    resume.write_text("Kay Setup. SRE at Acme 2020-2026: Python, PostgreSQL, on-call, incident reviews.")
    # (Whether headless Chromium then shows its chooser varies; that the zone asks for it is ours.)
    page.evaluate(
        "window.__choose = 0; document.getElementById('resume-file')"
        ".addEventListener('click', () => { window.__choose += 1; })"
    )
    page.keyboard.press("Enter")
    page.wait_for_function("window.__choose === 1")
    page.set_input_files("#resume-file", str(resume))
    page.wait_for_selector("#resume-summary")

    # Each choice is one Tab stop; the arrow keys pick within it.
    tab_to(page, "interview_type-mixed", stops)
    arrow_to(page, "ArrowLeft", "interview_type-general")  # mixed's neighbour since the five types
    page.keyboard.press("Tab")
    expect_focus(page, "difficulty-medium")
    arrow_to(page, "ArrowRight", "difficulty-hard")
    page.keyboard.press("Tab")
    expect_focus(page, "duration_minutes-20")
    arrow_to(page, "ArrowLeft", "duration_minutes-10")
    page.keyboard.press("Tab")
    expect_focus(page, "pace-patient")
    # The interviewer: language and voice drop-downs, then style and cut-in, each one Tab stop.
    tab_to(page, "language", stops)
    page.keyboard.press("Tab")
    expect_focus(page, "voice")
    page.keyboard.press("Tab")
    expect_focus(page, "style-neutral")
    arrow_to(page, "ArrowRight", "style-challenging")
    tab_to(page, "start-interview", stops)
    reached = {s["id"] for s in stops}
    assert {"job_title", "job_description", "start-interview"} <= reached
    shot(page, "keyboard-setup-ready")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/interview/[0-9a-f]{32}"))
    page.wait_for_selector("#interview-title")
    assert page.locator("#interview-title").inner_text() == "Site Reliability Engineer"
    assert page.locator("main").inner_text().count("General · Hard · 10 min") == 1
    page.wait_for_selector("#connection-state:has-text('Live')")
    # Ending it is keyboard-operable too.
    page.focus("#end-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#confirm-end")
    page.focus("#confirm-end")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ended-panel")
    shot(page, "keyboard-interview-ended")
