"""Text from an uploaded résumé (PDF, DOCX or plain text), checked on the server; nothing is stored here.

The browser's size limit is only a courtesy: ``extract_resume_text`` refuses
anything over 5 MB itself, checks that the bytes are what the name says, and
guards against decompression bombs and page floods.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from vocahire.errors import InvalidInput
from vocahire.limits import MAX_RESUME_BYTES, MAX_RESUME_MB

MAX_TEXT_CHARS = 50_000
MAX_PDF_PAGES = 30
MAX_DOCX_UNCOMPRESSED = 40 * 1024 * 1024
ACCEPTED = ".pdf, .docx, .txt or .md"
TEXT_EXTENSIONS = (".txt", ".md", ".text")


@dataclass(frozen=True)
class ResumeText:
    filename: str
    text: str
    kind: str  # "pdf" | "docx" | "text"

    @property
    def summary(self) -> str:
        words = len(self.text.split())
        return f"{self.filename} · {words:,} words"


def _clean_name(filename: str | None) -> str:
    name = (filename or "resume").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(c for c in name if c.isprintable())[:120]
    return name or "resume"


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.replace("\x00", "").splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()[:MAX_TEXT_CHARS]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise InvalidInput("That file doesn't look like a PDF. Upload a PDF, Word (.docx) or text file.")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InvalidInput("That PDF is password-protected. Upload an unprotected copy.")
        parts = []
        for page in reader.pages[:MAX_PDF_PAGES]:
            parts.append(page.extract_text() or "")
            if sum(len(p) for p in parts) > MAX_TEXT_CHARS:
                break
    except InvalidInput:
        raise
    except (
        PdfReadError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        OSError,
    ):
        raise InvalidInput("We couldn't read that PDF; it may be damaged. Try exporting it again.") from None
    return "\n".join(parts)


def _docx_text(data: bytes) -> str:
    import docx  # python-docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "word/document.xml" not in names:
                raise InvalidInput("That file doesn't look like a Word (.docx) document.")
            if sum(info.file_size for info in archive.infolist()) > MAX_DOCX_UNCOMPRESSED:
                raise InvalidInput("That Word document is too large once unpacked.")
    except zipfile.BadZipFile:
        raise InvalidInput(
            "That file doesn't look like a Word (.docx) document. "
            "Old .doc files aren't supported: save it as .docx or PDF."
        ) from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:
        raise InvalidInput("We couldn't read that Word document; it may be damaged.") from None
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _plain_text(data: bytes) -> str:
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
    if not utf16 and b"\x00" in data[:4096]:
        raise InvalidInput("That file doesn't look like text. Upload a PDF, Word (.docx) or text file.")
    for encoding in ("utf-16",) if utf16 else ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput("We couldn't read that text file's encoding. Save it as UTF-8 and try again.")


def extract_resume_text(filename: str | None, data: bytes) -> ResumeText:
    """The résumé's text, or ``InvalidInput`` with a message the candidate can act on."""
    name = _clean_name(filename)
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidInput("That upload didn't arrive. Please try again.")
    if len(data) > MAX_RESUME_BYTES:
        raise InvalidInput(
            f"That file is {len(data) / 1024 / 1024:.1f} MB; the limit is {MAX_RESUME_MB} MB. "
            "Upload a smaller file."
        )
    if not data:
        raise InvalidInput("That file is empty.")
    lower = name.lower()
    if lower.endswith(".pdf"):
        kind, text = "pdf", _pdf_text(bytes(data))
    elif lower.endswith(".docx"):
        kind, text = "docx", _docx_text(bytes(data))
    elif lower.endswith(TEXT_EXTENSIONS):
        kind, text = "text", _plain_text(bytes(data))
    else:
        raise InvalidInput(f"Upload your résumé as {ACCEPTED}.")
    text = _tidy(text)
    if len(text.split()) < 5:
        raise InvalidInput(
            "We couldn't find any text in that file (a scanned image?). Upload a file with selectable text."
        )
    return ResumeText(name, text, kind)
