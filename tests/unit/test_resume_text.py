"""Résumé uploads: text from PDF, DOCX and text files; clear refusals for anything else."""

import pytest

from tests.utils.documents import make_docx, make_pdf
from vocahire.errors import InvalidInput
from vocahire.limits import MAX_RESUME_BYTES
from vocahire.services.interviews.resume_text import extract_resume_text

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
