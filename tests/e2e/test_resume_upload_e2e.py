"""The set-up page's résumé upload in Chromium: a normal résumé shows its name; a hostile Word file and
a file over the size limit each get a clear message by the upload field, and Start stays usable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import OUTPUT, AppServer, shot, sign_up, wait_hydrated
from tests.utils.documents import make_docx_of_tiny_paragraphs, make_resume_pdf
from vocahire.limits import MAX_RESUME_BYTES
from vocahire.wording import RESUME_TOO_BIG, RESUME_TOO_COMPLEX

pytestmark = pytest.mark.e2e

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(params=["1 worker", "2 workers + Redis"])
def app_that_can_start(request: pytest.FixtureRequest, e2e_app_factory: Any) -> AppServer:
    """The shared build with an OpenAI key set, so Start is enabled (nothing here presses it); also
    served by two workers keeping Reflex's state in Redis, where a lock held too long expires."""
    scale_out = request.getfixturevalue("scale_out_env") if request.param != "1 worker" else {}
    return e2e_app_factory(OPENAI_API_KEY="sk-test-e2e-resume-upload-0123456789", **scale_out)


@pytest.fixture
def page(browser: Any, app_that_can_start: AppServer) -> Iterator[Any]:
    context = browser.new_context(base_url=app_that_can_start.url, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    yield pg
    context.close()


def _choose(page, name: str, mime: str, data: bytes) -> None:
    page.locator("input[type=file]").set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])


def test_resume_upload_shows_the_file_or_a_clear_message(page):
    from playwright.sync_api import expect

    sign_up(page, "resume-upload-e2e@example.com", name="Grace Hopper")  # each build has its own database
    page.goto("/interview")
    wait_hydrated(page)
    page.wait_for_selector("#start-interview:not([disabled])")
    start = page.locator("#start-interview")

    _choose(page, "Grace Hopper CV.pdf", "application/pdf", make_resume_pdf())
    expect(page.locator("#resume-summary")).to_contain_text("Grace Hopper CV.pdf")
    expect(page.locator("#resume-summary")).to_contain_text("words")
    expect(start).to_be_enabled()

    # A 150 KB Word file that unpacks to 39 MB of one-word paragraphs: read in a limited process.
    _choose(page, "tiny-paragraphs.docx", DOCX, make_docx_of_tiny_paragraphs())
    expect(page.locator("#resume-error")).to_contain_text(RESUME_TOO_COMPLEX, timeout=30_000)
    expect(page.get_by_text("Reading your résumé…")).to_have_count(0)
    expect(page.locator("#resume-summary")).to_have_count(0)
    expect(start).to_be_enabled()
    page.set_viewport_size({"width": 375, "height": 812})
    page.evaluate("document.getElementById('resume-error').scrollIntoView({block: 'center'})")
    OUTPUT.mkdir(exist_ok=True)  # the screen as the phone shows it: the field, its message, then the form
    page.screenshot(path=str(OUTPUT / "resume-upload-too-complex-phone.png"))
    page.set_viewport_size({"width": 1280, "height": 900})

    # Over the size limit: the browser refuses it and the field says why (not "choose one file").
    _choose(page, "portfolio.pdf", "application/pdf", b"%PDF-1.4\n" + b"0" * (MAX_RESUME_BYTES + 1024))
    expect(page.locator("#resume-error")).to_contain_text(RESUME_TOO_BIG)
    expect(start).to_be_enabled()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "resume-upload-too-big")

    # And a good file after both still works.
    _choose(page, "cv.pdf", "application/pdf", make_resume_pdf(1))
    expect(page.locator("#resume-summary")).to_contain_text("cv.pdf")
    expect(page.locator("#resume-error")).to_have_count(0)
    expect(start).to_be_enabled()
