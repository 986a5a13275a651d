"""A newcomer signs up, sees 3.00 VocahireCredits, signs out and back in; a wrong password is explained."""

import pytest

from tests.e2e.conftest import shot, sign_in, sign_up, wait_hydrated

pytestmark = pytest.mark.e2e


def test_landing_page_says_it_is_ai_practice(page):
    page.goto("/")
    wait_hydrated(page)
    assert page.get_by_text("AI interviewer").first.is_visible()
    assert page.get_by_text("not a real job interview").first.is_visible()
    shot(page, "landing-desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    shot(page, "landing-phone")


def test_sign_up_sign_out_sign_in_and_wrong_password(page):
    sign_up(page, "grace@example.com")
    page.wait_for_selector("#balance-amount")
    page.get_by_text("3.00").first.wait_for()
    assert page.locator("#balance-amount").inner_text() == "3.00"
    assert page.get_by_text("No interviews yet").is_visible()
    shot(page, "dashboard-new-user")

    page.click("#user-menu")
    page.get_by_text("Sign out").click()
    page.wait_for_url(lambda url: "/dashboard" not in url)
    page.goto("/dashboard")
    page.wait_for_url("**/sign-in**")
    assert "next=%2Fdashboard" in page.url or "/sign-in" in page.url

    page.fill("#field-email", "grace@example.com")
    page.fill("#field-password", "not-the-password-1")
    page.click("#sign-in-submit")
    page.wait_for_selector("#auth-error")
    assert "Wrong e-mail or password" in page.locator("#auth-error").inner_text()
    assert page.input_value("#field-email") == "grace@example.com"
    shot(page, "sign-in-wrong-password")

    sign_in(page, "grace@example.com")
    page.wait_for_selector("#balance-amount")
    page.get_by_text("3.00").first.wait_for()
    assert page.locator("#balance-amount").inner_text() == "3.00"


def test_protected_page_sends_visitor_to_sign_in_and_back(page):
    sign_up(page, "linus@example.com")
    page.context.clear_cookies()
    page.goto("/dashboard")
    page.wait_for_url("**/sign-in**")
    sign_in(page, "linus@example.com", next_url="**/dashboard**")


def test_duplicate_email_and_weak_password_get_clear_messages(page):
    sign_up(page, "dup@example.com")
    page.context.clear_cookies()
    page.goto("/sign-up")
    wait_hydrated(page)
    page.fill("#field-email", "dup@example.com")
    page.fill("#field-password", "correct-horse-42")
    page.click("#sign-up-submit")
    page.wait_for_selector("#auth-error")
    assert "already exists" in page.locator("#auth-error").inner_text()

    page.fill("#field-email", "new@example.com")
    page.fill("#field-password", "abcdefghijkl")
    page.click("#sign-up-submit")
    page.wait_for_selector("#auth-error")
    assert "stronger password" in page.locator("#auth-error").inner_text()
    shot(page, "sign-up-weak-password")
