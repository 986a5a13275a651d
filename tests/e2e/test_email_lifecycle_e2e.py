"""E-mail and the account lifecycle in Chromium, with the app's mail caught by a real SMTP server:
verify an address from the e-mail, reset a forgotten password (which signs out the other browser),
and the account page's settings."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.e2e.conftest import shot, sign_up, wait_hydrated
from tests.utils.smtp_server import Received

pytestmark = pytest.mark.e2e


def wait_for_mail(app: Any, to: str, subject: str, timeout: float = 30.0) -> Received:
    """The newest message to ``to`` with ``subject``, once the app's e-mail worker has sent it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in app.upstreams["smtp"].messages_to(to) if m.message["Subject"] == subject]
        if found:
            return found[-1]
        time.sleep(0.3)
    raise AssertionError(f"no e-mail {subject!r} to {to} within {timeout} s")


def link(mail: Received, path: str) -> str:
    match = re.search(r"(http://localhost:\d+" + re.escape(path) + r"\?token=[\w\-.%]+)", mail.part("plain"))
    assert match, mail.part("plain")
    return match.group(1)


def test_sign_up_then_the_emailed_link_verifies_and_the_banner_goes(page, e2e_app):
    sign_up(page, "verify-me@example.com", name="Vera")
    page.wait_for_selector("#verify-banner")
    assert "verify-me@example.com" in page.locator("#verify-banner").inner_text()
    shot(page, "verify-banner")
    page.set_viewport_size({"width": 375, "height": 812})
    shot(page, "verify-banner-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    mail = wait_for_mail(e2e_app, "verify-me@example.com", "Confirm your e-mail address for VocaHire")
    assert mail.message.get_body(preferencelist=("html",)) is not None
    page.goto(link(mail, "/verify-email"))
    page.wait_for_selector("#verify-done")
    assert "verify-me@example.com" in page.locator("#verify-done").inner_text()
    shot(page, "verify-done")
    page.goto("/dashboard")
    wait_hydrated(page)
    page.wait_for_selector("#balance-amount")
    assert page.locator("#verify-banner").count() == 0

    page.goto(link(mail, "/verify-email").replace("token=", "token=x"))  # tampered
    page.wait_for_selector("#link-error")
    assert "not valid" in page.locator("#link-error").inner_text()


def test_forgot_password_reset_signs_out_the_other_browser(page, browser, e2e_app):
    sign_up(page, "forgetful@example.com", name="Fran")
    other = browser.new_context(base_url=e2e_app.url)
    other.add_cookies(page.context.cookies())  # the same account, signed in on a second device
    other_page = other.new_page()
    other_page.goto("/dashboard")
    other_page.wait_for_selector("#balance-amount")

    page.context.clear_cookies()
    page.goto("/sign-in")
    wait_hydrated(page)
    page.click("#forgot-password-link")
    page.wait_for_url("**/forgot-password")
    wait_hydrated(page)
    page.fill("#field-email", "forgetful@example.com")
    page.click("#forgot-submit")
    page.wait_for_selector("#reset-sent")
    shot(page, "forgot-password-sent")

    mail = wait_for_mail(e2e_app, "forgetful@example.com", "Reset your VocaHire password")
    page.goto(link(mail, "/reset-password"))
    wait_hydrated(page)
    page.wait_for_selector("#field-password")
    assert "forgetful@example.com" in page.get_by_text("For ").first.inner_text()
    shot(page, "reset-password-form")
    page.fill("#field-password", "brand-new-secret-5")
    page.click("#reset-submit")
    page.wait_for_selector("#reset-done")
    shot(page, "reset-password-done")
    page.goto("/dashboard")
    page.wait_for_selector("#balance-amount")  # this browser is signed in with the new password

    other_page.goto("/dashboard")
    other_page.wait_for_url("**/sign-in**")  # the other device was signed out
    other.close()
    changed = wait_for_mail(e2e_app, "forgetful@example.com", "Your VocaHire password was changed")
    assert "signed out" in changed.part("plain")


def test_account_page_changes_name_and_password_and_signs_out_everywhere(page, e2e_app):
    sign_up(page, "settings@example.com", name="Sam")
    page.goto("/account")
    wait_hydrated(page)
    page.wait_for_selector("#name-form")
    shot(page, "account-settings")
    page.set_viewport_size({"width": 375, "height": 812})
    shot(page, "account-settings-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.fill("#settings-name", "Samantha")
    page.click("#save-name")
    page.wait_for_selector("#name-notice")
    page.wait_for_function("document.querySelector('#user-menu').innerText.includes('Samantha')")

    page.fill("#settings-current-password", "not-my-password-1")
    page.fill("#settings-new-password", "another-secret-8")
    page.fill("#settings-confirm-password", "another-secret-8")
    page.click("#change-password")
    page.wait_for_selector("#password-error")
    assert "current password" in page.locator("#password-error").inner_text()
    page.fill("#settings-current-password", "correct-horse-42")
    page.fill("#settings-new-password", "another-secret-8")
    page.fill("#settings-confirm-password", "another-secret-8")
    page.click("#change-password")
    page.wait_for_selector("#password-notice")

    page.click("#sign-out-everywhere")
    page.wait_for_url("**/sign-in**")
    page.goto("/dashboard")
    page.wait_for_url("**/sign-in**")  # this browser's session ended too
