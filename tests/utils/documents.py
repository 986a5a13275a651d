"""Real documents for upload tests: text PDFs written by hand, DOCX files from python-docx, and the
hostile résumés a review found (a Word file of tiny paragraphs, a PDF whose content stream inflates
past every limit), each small enough to upload."""

from __future__ import annotations

import io
import zipfile
import zlib

_PAGE_SIZE = "/MediaBox [0 0 612 792]"


def _text_stream(lines: list[str]) -> str:
    return (
        "BT /F1 12 Tf 72 720 Td 14 TL "
        + " ".join(f"({line.replace('(', '[').replace(')', ']')}) '" for line in lines)
        + " ET"
    )


def _pdf(page_streams: list[bytes], *, stream_dict: str = "") -> bytes:
    """A PDF with one page per content stream (Helvetica), cross-reference table and all."""
    pages = len(page_streams)
    first_page = 4  # 1 catalog, 2 pages, 3 font, then (page, contents) pairs
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(pages))
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, stream in enumerate(page_streams):
        contents = first_page + 2 * i + 1
        objects.append(
            f"<< /Type /Page /Parent 2 0 R {_PAGE_SIZE} "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {contents} 0 R >>".encode()
        )
        objects.append(
            f"<< /Length {len(stream)}{stream_dict} >>\nstream\n".encode() + stream + b"\nendstream"
        )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def make_pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text pypdf (or any reader) can extract."""
    return _pdf([_text_stream(lines).encode("latin-1")])


def make_resume_pdf(pages: int = 2) -> bytes:
    """An ordinary résumé of ``pages`` full pages (about 45 lines of prose each)."""
    streams = []
    for page in range(pages):
        lines = [
            f"Page {page + 1}, line {line + 1}: led the billing migration to PostgreSQL, "
            "cut p95 latency by 40 percent and mentored four engineers."
            for line in range(45)
        ]
        streams.append(_text_stream(lines).encode("latin-1"))
    return _pdf(streams)


def make_pdf_with_inflating_stream(inflated_bytes: int = 80 * 1024 * 1024) -> bytes:
    """A PDF of about 80 KB whose one content stream inflates to ``inflated_bytes`` (default: past
    pypdf's 75 MB output limit, so pypdf raises ``LimitReachedError``)."""
    compressor = zlib.compressobj(9)
    block = b"BT /F1 12 Tf 72 720 Td (zip bomb) Tj ET\n" * 26_000  # about 1 MB
    parts = [compressor.compress(block) for _ in range(inflated_bytes // len(block) + 1)]
    parts.append(compressor.flush())
    return _pdf([b"".join(parts)], stream_dict=" /Filter /FlateDecode")


def make_docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "Skills"
    table.rows[0].cells[1].text = "Python, PostgreSQL"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_docx_of_tiny_paragraphs(unpacked_bytes: int = 39 * 1024 * 1024) -> bytes:
    """A valid Word file of about 120 KB whose ``word/document.xml`` unpacks to ``unpacked_bytes`` of
    one-word paragraphs: just under the 40 MB unpacked limit, as the review built it."""
    template = zipfile.ZipFile(io.BytesIO(make_docx(["placeholder"])))
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    )
    tail = b"</w:body></w:document>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        others = [info for info in template.infolist() if info.filename != "word/document.xml"]
        for info in others:
            archive.writestr(info.filename, template.read(info.filename))
        budget = unpacked_bytes - len(head) - len(tail) - sum(info.file_size for info in others)
        with archive.open("word/document.xml", "w", force_zip64=True) as xml:
            xml.write(head)
            chunk = b"<w:p><w:r><w:t>Python</w:t></w:r></w:p>" * 10_000
            for _ in range(budget // len(chunk)):
                xml.write(chunk)
            xml.write(tail)
    return out.getvalue()
