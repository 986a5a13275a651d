"""Text from an uploaded résumé (PDF, DOCX or plain text), checked on the server; nothing is stored here.

The browser's size limit is only a courtesy: ``extract_resume_text`` refuses
anything over 5 MB itself, checks that the bytes are what the name says, and
stops reading once it has more text than an interview keeps. The parsers' own
limits are set low (decompressed size, parsing work) and hitting one, or running
out of memory, is ``ResumeTooComplex``. The app calls this through
``resume_reader``, in a separate process with a memory cap and a time limit.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from xml.etree import ElementTree

from vocahire.errors import InvalidInput
from vocahire.limits import (
    MAX_RESUME_BYTES,
    MAX_RESUME_PARAGRAPHS,
    MAX_RESUME_TEXT_CHARS,
    MAX_RESUME_UNPACKED_MB,
    MAX_RESUME_XML_ELEMENTS,
)
from vocahire.wording import RESUME_TOO_BIG, RESUME_TOO_COMPLEX, RESUME_WRONG_TYPE

MAX_TEXT_CHARS = MAX_RESUME_TEXT_CHARS
# Raw text read before whitespace is tidied: past this, nothing more can be kept.
TEXT_BUDGET = 2 * MAX_RESUME_TEXT_CHARS
MAX_PDF_PAGES = 30
MAX_UNPACKED_BYTES = MAX_RESUME_UNPACKED_MB * 1024 * 1024
# A content stream of a real résumé page is a few thousand operators.
MAX_PDF_PARSING_WORK = 500_000
TEXT_EXTENSIONS = (".txt", ".md", ".text")


class ResumeTooComplex(InvalidInput):
    """The file is within the size limit but reading it hit a parser, memory or time limit."""

    default_message = RESUME_TOO_COMPLEX


@dataclass(frozen=True)
class ResumeText:
    filename: str
    text: str
    kind: str  # "pdf" | "docx" | "text"

    @property
    def summary(self) -> str:
        words = len(self.text.split())
        return f"{self.filename} · {words:,} words"


def clean_name(filename: str | None) -> str:
    """The file's own name (no path), printable, at most 120 characters."""
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
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError, PdfReadError

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise InvalidInput("That file doesn't look like a PDF. Upload a PDF, Word (.docx) or text file.")
    try:
        with apply_configuration(
            maximum_declared_stream_length=MAX_UNPACKED_BYTES,
            array_based_stream_maximum_output_length=MAX_UNPACKED_BYTES,
            jbig2_maximum_output_length=MAX_UNPACKED_BYTES,
            lzw_maximum_output_length=MAX_UNPACKED_BYTES,
            run_length_maximum_output_length=MAX_UNPACKED_BYTES,
            zlib_maximum_output_length=MAX_UNPACKED_BYTES,
            brotli_maximum_output_length=MAX_UNPACKED_BYTES,
            image_maximum_buffer_size=MAX_UNPACKED_BYTES,
            stream_decoding_work_maximum_length=2 * MAX_UNPACKED_BYTES,
            stream_parsing_work_maximum_count=MAX_PDF_PARSING_WORK,
            jbig2dec_binary=None,  # never start an external decoder
        ):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise InvalidInput("That PDF is password-protected. Upload an unprotected copy.")
            parts: list[str] = []
            size = 0
            for page in reader.pages[:MAX_PDF_PAGES]:
                parts.append(page.extract_text() or "")
                size += len(parts[-1])
                if size > TEXT_BUDGET:
                    break
    except InvalidInput:
        raise
    except LimitReachedError:
        raise ResumeTooComplex() from None
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


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _wordml_pieces(xml: IO[bytes]) -> Iterator[str]:
    """The text of a ``word/document.xml`` in reading order, streamed: read elements are dropped.

    Paragraphs end lines; table cells are joined with `` | `` and rows end lines. A document of more
    paragraphs or elements than a long CV has is ``ResumeTooComplex``, found as soon as they are read.
    """
    body: ElementTree.Element | None = None
    depth = cells = elements = paragraphs = 0
    first_cell = True
    for event, element in ElementTree.iterparse(xml, events=("start", "end")):
        name = _local(element.tag)
        if event == "start":
            depth += 1
            if name == "body" and body is None:
                body = element
            elif name == "tr":
                first_cell = True
            elif name == "tc":
                cells += 1
                if not first_cell:
                    yield " | "
                first_cell = False
            continue
        depth -= 1
        elements += 1
        if elements > MAX_RESUME_XML_ELEMENTS:
            raise ResumeTooComplex()
        if name == "t":
            yield element.text or ""
        elif name == "tab":
            yield "\t"
        elif name in ("br", "cr", "tr"):
            yield "\n"
        elif name == "tc":
            cells -= 1
        elif name == "p":
            paragraphs += 1
            if paragraphs > MAX_RESUME_PARAGRAPHS:
                raise ResumeTooComplex()
            yield " " if cells else "\n"
        if depth == 2 and body is not None:
            body.clear()  # a finished paragraph or table: nothing in it is needed again
        elif name in ("p", "r", "tr"):
            element.clear()


def _docx_text(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise InvalidInput("That file doesn't look like a Word (.docx) document.")
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise ResumeTooComplex()
            parts: list[str] = []
            size = 0
            with archive.open("word/document.xml") as xml:
                for piece in _wordml_pieces(xml):
                    parts.append(piece)
                    size += len(piece)
                    if size > TEXT_BUDGET:
                        break
    except InvalidInput:
        raise
    except zipfile.BadZipFile:
        raise InvalidInput(
            "That file doesn't look like a Word (.docx) document. "
            "Old .doc files aren't supported: save it as .docx or PDF."
        ) from None
    except (ElementTree.ParseError, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError):
        raise InvalidInput("We couldn't read that Word document; it may be damaged.") from None
    return "".join(parts)


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


def check_upload(filename: str | None, data: object) -> str:
    """The checks that need no parser (size, emptiness, kind of file); returns the cleaned name."""
    name = clean_name(filename)
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidInput("That upload didn't arrive. Please try again.")
    if len(data) > MAX_RESUME_BYTES:
        raise InvalidInput(RESUME_TOO_BIG)
    if not data:
        raise InvalidInput("That file is empty.")
    if not name.lower().endswith((".pdf", ".docx", *TEXT_EXTENSIONS)):
        raise InvalidInput(RESUME_WRONG_TYPE)
    return name


def extract_resume_text(filename: str | None, data: bytes) -> ResumeText:
    """The résumé's text, or ``InvalidInput`` with a message the candidate can act on."""
    name = check_upload(filename, data)
    lower = name.lower()
    try:
        if lower.endswith(".pdf"):
            kind, text = "pdf", _pdf_text(bytes(data))
        elif lower.endswith(".docx"):
            kind, text = "docx", _docx_text(bytes(data))
        else:
            kind, text = "text", _plain_text(bytes(data))
    except MemoryError:
        raise ResumeTooComplex() from None
    text = _tidy(text)
    if len(text.split()) < 5:
        raise InvalidInput(
            "We couldn't find any text in that file (a scanned image?). Upload a file with selectable text."
        )
    return ResumeText(name, text, kind)
