"""The "verify your e-mail" banner under the header, for built-in accounts whose address isn't proven."""

from __future__ import annotations

import reflex as rx

from vocahire.state.account_settings import VerifyBannerState
from vocahire.state.session import SessionState


def verify_banner() -> rx.Component:
    return rx.cond(
        SessionState.signed_in & SessionState.needs_verification,
        rx.box(
            rx.flex(
                rx.hstack(
                    rx.icon("mail-warning", size=18, aria_hidden="true", flex_shrink="0"),
                    rx.text(
                        "Please verify your e-mail address: open the link we sent to ",
                        rx.text.strong(SessionState.user_email, word_break="break-all"),
                        ".",
                        size="2",
                    ),
                    spacing="2",
                    align="start",
                ),
                rx.button(
                    "Send it again",
                    size="1",
                    variant="soft",
                    on_click=VerifyBannerState.resend,
                    loading=VerifyBannerState.sending,
                    id="verify-banner-resend",
                ),
                rx.text(VerifyBannerState.notice, size="2", role="status"),
                rx.cond(
                    VerifyBannerState.error != "",
                    rx.text(VerifyBannerState.error, size="2", color=rx.color("red", 11), role="alert"),
                ),
                spacing="3",
                align="center",
                wrap="wrap",
                max_width="1100px",
                margin_x="auto",
            ),
            background=rx.color("amber", 3),
            color=rx.color("amber", 12),
            border_bottom=f"1px solid {rx.color('amber', 6)}",
            padding="10px 16px",
            width="100%",
            id="verify-banner",
            role="region",  # a landmark of its own, so nothing on the page sits outside one
            aria_label="E-mail verification",
        ),
    )
