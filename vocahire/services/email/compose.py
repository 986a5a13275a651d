"""Branded messages: one plain-text and one HTML part from the same words, then a MIME message.

No images, no tracking pixel, no click tracking: every link is the real URL, and the action's URL is
also printed in full for copy-paste. Every piece of text is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from vocahire.models import utcnow

PRODUCT = "VocaHire"
TAGLINE = "Interview practice with an AI interviewer."
ACCENT = "#6E56CF"  # Radix violet 9: the app's accent colour (rxconfig accent_color="violet")
ACCENT_TEXT = "#5746AF"  # violet 11, for links on white
INK = "#1C2024"  # gray 12
MUTED = "#60646C"  # gray 11
PAGE = "#F9F9FB"  # gray 2
BORDER = "#E0E1E6"  # gray 6
FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class ComposedEmail:
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


# Called as ``composer(session=session, email=row, settings=settings)`` inside a database transaction,
# with ``row`` the outbox's OutboundEmail; returns None when there is nothing to send any more.
Composer = Callable[..., ComposedEmail | None]
Composers = Mapping[str, Composer]


def compose(
    *,
    subject: str,
    heading: str,
    paragraphs: Sequence[str],
    action: tuple[str, str] | None = None,
    after_action: Sequence[str] = (),
    footer: str = "",
    unsubscribe_url: str | None = None,
) -> ComposedEmail:
    """The product's message: ``action`` is (label, URL), a button in HTML and the bare URL in text."""
    if action is not None:
        _check_url(action[1])
    headers: dict[str, str] = {}
    if unsubscribe_url is not None:
        _check_url(unsubscribe_url)
        # RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click" to the URL.
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return ComposedEmail(
        subject=" ".join(subject.split()),
        text=_text(heading, paragraphs, action, after_action, footer, unsubscribe_url),
        html=_html(subject, heading, paragraphs, action, after_action, footer, unsubscribe_url),
        headers=headers,
    )


def to_message(
    composed: ComposedEmail, *, to: str, sender: str, message_id: str | None = None
) -> EmailMessage:
    """A multipart/alternative message (text first, HTML preferred) ready for the transport."""
    message = EmailMessage()
    message["Subject"] = composed.subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id or make_msgid(domain=sender_domain(sender))
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to us
    for name, value in composed.headers.items():
        message[name] = value
    # Quoted-printable keeps both parts readable as sent (base64 text looks like spam to filters).
    message.set_content(composed.text, cte="quoted-printable")
    message.add_alternative(composed.html, subtype="html", cte="quoted-printable")
    return message


def sender_domain(sender: str) -> str:
    """The domain of ``"Name <user@domain>"`` (for Message-IDs), ``localhost`` if there is none."""
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def _check_url(url: str) -> None:
    if not url.startswith(("https://", "http://")) or any(c in url for c in " \t\r\n<>\"'"):
        raise ValueError(f"not a link we put in an e-mail: {url!r}")


# --- plain text ----------------------------------------------------------------------------------


def _text(
    heading: str,
    paragraphs: Sequence[str],
    action: tuple[str, str] | None,
    after_action: Sequence[str],
    footer: str,
    unsubscribe_url: str | None,
) -> str:
    blocks = [PRODUCT, heading, *paragraphs]
    if action is not None:
        label, url = action
        blocks.append(f"{label}:\n{url}")
    blocks.extend(after_action)
    tail = [line for line in (footer, f"{PRODUCT} · {TAGLINE}") if line]
    if unsubscribe_url is not None:
        tail.append(f"Unsubscribe: {unsubscribe_url}")
    blocks.append("-- \n" + "\n".join(tail))  # "-- " is the signature separator mail clients know
    return "\n\n".join(b.strip("\n") for b in blocks if b.strip()) + "\n"


# --- HTML ----------------------------------------------------------------------------------------


def _html(
    subject: str,
    heading: str,
    paragraphs: Sequence[str],
    action: tuple[str, str] | None,
    after_action: Sequence[str],
    footer: str,
    unsubscribe_url: str | None,
) -> str:
    e = html.escape
    body = [
        f'<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:{INK};">{e(heading)}</h1>',
        *(_paragraph(p) for p in paragraphs),
    ]
    if action is not None:
        label, url = action
        body.append(
            '<table role="presentation" cellpadding="0" cellspacing="0" style="margin:24px 0;"><tr>'
            f'<td style="border-radius:8px;background:{ACCENT};">'
            f'<a href="{e(url)}" style="display:inline-block;padding:12px 22px;font-weight:600;'
            f'color:#ffffff;text-decoration:none;border-radius:8px;">{e(label)}</a></td></tr></table>'
            f'<p style="margin:0 0 16px;font-size:13px;color:{MUTED};">'
            f"If the button doesn't work, copy this link into your browser:<br>"
            f'<a href="{e(url)}" style="color:{ACCENT_TEXT};word-break:break-all;">{e(url)}</a></p>'
        )
    body.extend(_paragraph(p) for p in after_action)
    small = [e(line) for line in (footer, f"{PRODUCT} · {TAGLINE}") if line]
    if unsubscribe_url is not None:
        small.append(f'<a href="{e(unsubscribe_url)}" style="color:{MUTED};">Unsubscribe</a>')
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light">'
        f"<title>{e(subject)}</title></head>\n"
        f'<body style="margin:0;padding:0;background:{PAGE};font-family:{FONT};color:{INK};">'
        f'<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:{PAGE};">'
        '<tr><td align="center" style="padding:32px 16px;">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;">'
        f'<tr><td style="padding:0 4px 16px;font-size:20px;font-weight:700;color:{ACCENT};">'
        f"{PRODUCT}</td></tr>"
        f'<tr><td style="background:#ffffff;border:1px solid {BORDER};border-radius:12px;padding:32px;'
        f'font-size:15px;line-height:1.6;">\n' + "\n".join(body) + "\n</td></tr>"
        f'<tr><td style="padding:16px 4px;font-size:12px;line-height:1.5;color:{MUTED};">'
        + "<br>".join(small)
        + "</td></tr></table></td></tr></table></body></html>\n"
    )


def _paragraph(text: str) -> str:
    lines = "<br>".join(html.escape(line) for line in text.strip("\n").split("\n"))
    return f'<p style="margin:0 0 16px;">{lines}</p>'
