"""Résumé uploads: text from PDF, DOCX and text files; clear refusals for anything else, hostile
files included (refused as soon as a limit is reached, never read to the end)."""

import io
import zipfile

import pytest

from tests.utils.documents import (
    make_docx,
    make_docx_of_tiny_paragraphs,
    make_pdf,
    make_pdf_with_inflating_stream,
    make_resume_pdf,
)
from vocahire.errors import InvalidInput
from vocahire.limits import MAX_RESUME_BYTES, MAX_RESUME_TEXT_CHARS
from vocahire.services.interviews.resume_text import ResumeTooComplex, extract_resume_text
from vocahire.wording import RESUME_TOO_COMPLEX

RESUME = ["Ada Lovelace", "Backend engineer at Acme 2021-2026", "Led the billing migration to PostgreSQL"]


def test_pdf_text_is_extracted():
    result = extract_resume_text("Ada CV.pdf", make_pdf(RESUME))
    assert result.kind == "pdf"
    assert "billing migration to PostgreSQL" in result.text
    assert result.filename == "Ada CV.pdf"
    assert "words" in result.summary


def test_docx_paragraphs_and_tables_are_extracted():
    result = extract_resume_text("cv.docx", make_docx(RESUME))
    assert result.kind == "docx"
    assert "Backend engineer at Acme" in result.text
    assert "Python, PostgreSQL" in result.text


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16"])
def test_text_files_in_common_encodings(encoding):
    text = "José Núñez — backend engineer, Python and PostgreSQL for six years."
    result = extract_resume_text(
        "cv.txt", text.encode(encoding) if encoding != "utf-16" else text.encode("utf-16")
    )
    assert "Python and PostgreSQL" in result.text
    assert "Jos" in result.text


def test_path_parts_are_dropped_from_the_name():
    assert (
        extract_resume_text("../../etc/passwd.txt", b"plain words about a backend engineer career").filename
        == "passwd.txt"
    )


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("big.pdf", b"%PDF-1.4" + b"0" * (MAX_RESUME_BYTES + 1), "limit is 5 MB"),
        ("cv.exe", b"MZ" + b"0" * 100, "Upload your résumé as"),
        ("cv.doc", b"\xd0\xcf\x11\xe0" + b"0" * 100, "Upload your résumé as"),
        ("fake.pdf", b"GIF89a not a pdf", "doesn't look like a PDF"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage", "couldn't"),
        ("fake.docx", b"PK\x03\x04 not really a zip", "doesn't look like a Word"),
        ("empty.txt", b"", "empty"),
        ("binary.txt", b"\x00\x01\x02" * 100, "doesn't look like text"),
        ("short.txt", b"hi", "couldn't find any text"),
    ],
)
def test_bad_files_get_a_clear_message(name, data, message):
    with pytest.raises(InvalidInput) as info:
        extract_resume_text(name, data)
    assert message in info.value.message


def test_a_zip_that_is_not_a_word_document_is_refused():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hello")
    with pytest.raises(InvalidInput, match="Word"):
        extract_resume_text("cv.docx", buf.getvalue())


def test_a_two_page_resume_is_read_whole():
    result = extract_resume_text("cv.pdf", make_resume_pdf(2))
    assert "Page 1, line 1:" in result.text and "Page 2, line 45:" in result.text


def test_a_word_table_reads_in_place_as_cells_and_rows():
    result = extract_resume_text("cv.docx", make_docx(RESUME))
    assert result.text.splitlines() == [*RESUME, "Skills | Python, PostgreSQL"]


@pytest.mark.parametrize(
    "name,make",
    [("cv.docx", make_docx_of_tiny_paragraphs), ("cv.pdf", make_pdf_with_inflating_stream)],
    ids=["docx-39-MB-of-tiny-paragraphs", "pdf-stream-inflating-past-pypdf's-limit"],
)
def test_hostile_resumes_are_refused_with_a_clear_message(name, make):
    data = make()
    assert len(data) < 300 * 1024, "small enough to upload"
    with pytest.raises(ResumeTooComplex) as info:
        extract_resume_text(name, data)
    assert info.value.message == RESUME_TOO_COMPLEX


def test_a_long_resume_is_read_up_to_what_is_kept_and_no_further():
    paragraphs = [f"Paragraph {n}: " + "delivered the platform migration on time " * 25 for n in range(2_000)]
    result = extract_resume_text("long.docx", make_docx(paragraphs))
    assert len(result.text) == MAX_RESUME_TEXT_CHARS
    assert result.text.startswith("Paragraph 0:") and "Paragraph 1999:" not in result.text


def _docx_with_body(xml: bytes) -> bytes:
    template = zipfile.ZipFile(io.BytesIO(make_docx(["placeholder"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in template.infolist():
            archive.writestr(
                info.filename, xml if info.filename == "word/document.xml" else template.read(info)
            )
    return out.getvalue()


def test_a_word_file_with_an_entity_bomb_is_refused():
    laughs = b"".join(
        b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">' % ((i,) + (i - 1,) * 10)
        for i in range(1, 10)
    )
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY l0 "lol">' + laughs + b"]>"
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        b"<w:p><w:r><w:t>&l9;</w:t></w:r></w:p></w:body></w:document>"
    )
    with pytest.raises(InvalidInput, match="damaged"):
        extract_resume_text("cv.docx", _docx_with_body(xml))


def test_a_word_file_of_empty_paragraphs_is_refused_early():
    body = b"<w:p/>" * 100_000
    xml = (
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        + body
        + b"</w:body></w:document>"
    )
    with pytest.raises(ResumeTooComplex):
        extract_resume_text("cv.docx", _docx_with_body(xml))
