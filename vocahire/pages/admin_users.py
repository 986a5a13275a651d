"""/admin/users: search, page through, inspect and manage accounts."""

from __future__ import annotations

from typing import Any, cast

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from vocahire.components.layout import (
    VISUALLY_HIDDEN,
    card,
    empty_state,
    error_callout,
    loading_block,
    page_header,
    template,
)
from vocahire.state.admin_users import AdminUsersState
from vocahire.wording import CREDITS_NAME

# Calling a state's event handler with arguments carries ``type: ignore[operator]``: Reflex types
# ``@rx.event`` for pyright (``EventNamespace.__new__`` returns the handler), so mypy sees an
# ``EventNamespace`` where the page holds an ``EventHandler``.

S = AdminUsersState
MUTED = rx.color("gray", 11)  # secondary text: 4.5:1 or better on the page and on cards, both themes
# Reflex's Field typing reads a dict field as an array under mypy; at runtime it is this ObjectVar.
PROFILE = cast("ObjectVar[dict[str, Any]]", S.profile)


def _search_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=16, aria_hidden="true")),
                name="q",
                aria_label="Search users by e-mail or name",
                placeholder="Search by e-mail or name",
                default_value=S.query,
                max_length=200,
                width="100%",
                id="user-search",
            ),
            rx.button("Search", type="submit", id="user-search-submit"),
            width="100%",
            spacing="2",
        ),
        on_submit=S.search,
        reset_on_submit=False,
        width="100%",
        role="search",
    )


def _status_badges(row: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.hstack(
        rx.cond(row["role"] == "admin", rx.badge("admin", color_scheme="violet", variant="soft")),
        rx.cond(
            row["premium"],
            rx.badge(rx.icon("crown", size=12), "premium", color_scheme="amber", variant="soft"),
        ),
        rx.cond(row["deleted"], rx.badge("deleted", color_scheme="red", variant="soft")),
        spacing="1",
        wrap="wrap",
    )


def _user_row(row: ObjectVar[dict[str, Any]]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.text(row["email"].to(str), weight="medium", size="2"),
                rx.text(row["name"].to(str), size="1", color=MUTED, weight="regular"),
                spacing="0",
            )
        ),
        rx.table.cell(row["credits"].to(str), white_space="nowrap"),
        rx.table.cell(_status_badges(row)),
        rx.table.cell(row["created"].to(str), white_space="nowrap", display=["none", "none", "table-cell"]),
        rx.table.cell(
            rx.button(
                "Open",
                size="1",
                variant="soft",
                on_click=S.open_user(row["id"].to(int)),  # type: ignore[operator]  # rx.event
                aria_label="Open " + row["email"].to(str),
            )
        ),
        align="center",
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.text(S.total_label, size="2", color=MUTED, id="user-total", role="status"),
        rx.spacer(),
        rx.button(
            rx.icon("chevron-left", size=16),
            "Previous",
            size="1",
            variant="soft",
            disabled=S.page <= 1,
            on_click=S.go_to_page(S.page - 1),  # type: ignore[operator]  # rx.event
        ),
        rx.text(S.page_label, size="2", id="user-page"),
        rx.button(
            "Next",
            rx.icon("chevron-right", size=16),
            size="1",
            variant="soft",
            disabled=S.page >= S.pages,
            on_click=S.go_to_page(S.page + 1),  # type: ignore[operator]  # rx.event
            id="next-page",
        ),
        align="center",
        width="100%",
        spacing="2",
    )


def _user_list() -> rx.Component:
    return rx.cond(
        S.loading,
        loading_block("Loading users…"),
        rx.cond(
            S.error != "",
            error_callout(S.error, id="users-error"),
            rx.cond(
                S.rows.length() > 0,
                card(
                    rx.vstack(
                        rx.box(
                            rx.table.root(
                                rx.table.header(
                                    rx.table.row(
                                        rx.table.column_header_cell("User"),
                                        rx.table.column_header_cell(CREDITS_NAME),
                                        rx.table.column_header_cell("Status"),
                                        rx.table.column_header_cell(
                                            "Joined", display=["none", "none", "table-cell"]
                                        ),
                                        rx.table.column_header_cell(
                                            rx.el.span("Actions", style=VISUALLY_HIDDEN)
                                        ),
                                    )
                                ),
                                rx.table.body(rx.foreach(S.rows, _user_row)),
                                size="1",
                                width="100%",
                                id="users-table",
                            ),
                            overflow_x="auto",
                            width="100%",
                        ),
                        _pager(),
                        spacing="3",
                        width="100%",
                    ),
                ),
                empty_state(
                    "users",
                    "No users found",
                    "Nobody matches that search. Try part of an e-mail address or a name.",
                ),
            ),
        ),
    )


def _field(label: str, control_id: str, control: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="12px", color=MUTED, font_weight="500"),
        control,
        spacing="1",
        width="100%",
    )


def _adjust_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Adjust credits", size="3", as_="h3"),
            rx.flex(
                _field(
                    "Amount (negative removes)",
                    "adjust-amount",
                    rx.input(
                        name="amount",
                        placeholder="2.00 or -1.50",
                        required=True,
                        max_length=12,
                        input_mode="decimal",
                        id="adjust-amount",
                        width="100%",
                    ),
                ),
                _field(
                    "Reason (kept in the ledger)",
                    "adjust-reason",
                    rx.input(
                        name="reason",
                        placeholder="Goodwill after a failed interview",
                        required=True,
                        min_length=3,
                        max_length=500,
                        id="adjust-reason",
                        width="100%",
                    ),
                ),
                direction=rx.breakpoints(initial="column", sm="row"),
                spacing="2",
                width="100%",
            ),
            rx.button("Apply adjustment", type="submit", size="2", id="adjust-submit"),
            spacing="2",
            width="100%",
        ),
        on_submit=S.adjust_credits,
        reset_on_submit=True,
        width="100%",
    )


def _premium_controls() -> rx.Component:
    return rx.vstack(
        rx.heading("Premium", size="3", as_="h3"),
        rx.cond(
            PROFILE["premium"],
            rx.hstack(
                rx.text(
                    rx.cond(
                        PROFILE["premium_until"] != "",
                        "Premium until " + PROFILE["premium_until"].to(str),
                        "Premium, no end date",
                    ),
                    size="2",
                ),
                rx.button(
                    "Revoke premium",
                    size="1",
                    color_scheme="red",
                    variant="soft",
                    on_click=S.revoke_premium,
                    id="revoke-premium",
                ),
                align="center",
                wrap="wrap",
                spacing="2",
            ),
            rx.form(
                rx.flex(
                    _field(
                        "Until (optional)",
                        "premium-until",
                        rx.input(type="date", name="until", id="premium-until"),
                    ),
                    rx.button("Grant premium", type="submit", size="2", id="grant-premium"),
                    align="end",
                    spacing="2",
                    wrap="wrap",
                ),
                on_submit=S.grant_premium,
                reset_on_submit=True,
            ),
        ),
        spacing="2",
        width="100%",
    )


def _delete_controls() -> rx.Component:
    return rx.vstack(
        rx.heading("Account", size="3", as_="h3"),
        rx.cond(
            PROFILE["deleted"],
            rx.hstack(
                rx.text("Deleted on " + PROFILE["deleted_at"].to(str), size="2", color=rx.color("red", 11)),
                rx.button("Restore account", size="1", on_click=S.restore, id="restore-user"),
                align="center",
                wrap="wrap",
                spacing="2",
            ),
            rx.alert_dialog.root(
                rx.alert_dialog.trigger(
                    rx.button(
                        "Delete account…", size="1", color_scheme="red", variant="soft", id="delete-user"
                    )
                ),
                rx.alert_dialog.content(
                    rx.alert_dialog.title("Delete this account?"),
                    rx.alert_dialog.description(
                        "The user can no longer sign in. Their data is kept and the account can be restored."
                    ),
                    rx.form(
                        rx.vstack(
                            rx.input(
                                name="reason",
                                placeholder="Reason (optional)",
                                aria_label="Reason for deleting (optional)",
                                max_length=500,
                                width="100%",
                            ),
                            rx.hstack(
                                rx.alert_dialog.cancel(
                                    rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                                ),
                                rx.alert_dialog.action(
                                    rx.button(
                                        "Delete account",
                                        color_scheme="red",
                                        type="submit",
                                        id="confirm-delete",
                                    )
                                ),
                                justify="end",
                                spacing="2",
                                width="100%",
                            ),
                            spacing="3",
                        ),
                        on_submit=S.soft_delete,
                    ),
                ),
            ),
        ),
        spacing="2",
        width="100%",
    )


def _mini_table(
    label: str, headers: list[str], rows: ArrayVar[Any], cells: list[str], table_id: str, empty: str
) -> rx.Component:
    return rx.cond(
        rows.length() > 0,
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
                rx.table.body(
                    rx.foreach(
                        rows, lambda r: rx.table.row(*[rx.table.cell(r[c].to(str), size="1") for c in cells])
                    )
                ),
                size="1",
                width="100%",
                id=table_id,
            ),
            overflow_x="auto",
            max_height="320px",
            overflow_y="auto",
            width="100%",
            # This box scrolls (it takes the keyboard focus), not the table's own scroll area inside.
            style={"& .rt-ScrollAreaViewport": {"overflow": "visible !important"}},
            tab_index=0,
            role="region",
            aria_label=label,
        ),
        rx.text(empty, size="2", color=MUTED),
    )


def _detail_body() -> rx.Component:
    profile = PROFILE
    return rx.vstack(
        rx.hstack(
            rx.vstack(
                rx.text(profile["email"].to(str), size="4", weight="bold", id="detail-email"),
                rx.text(
                    profile["name"].to(str)
                    + " · "
                    + profile["provider"].to(str)
                    + " · joined "
                    + profile["created"].to(str),
                    size="1",
                    color=MUTED,
                ),
                spacing="1",
            ),
            rx.spacer(),
            rx.badge(
                rx.icon("coins", size=14),
                profile["credits"].to(str),
                " ",
                CREDITS_NAME,
                color_scheme="grass",
                high_contrast=True,
                size="3",
                id="detail-balance",
            ),
            wrap="wrap",
            width="100%",
            align="center",
        ),
        rx.cond(
            ~profile["ledger_matches"].to(bool),
            error_callout("The balance does not match the ledger sum: investigate before adjusting."),
        ),
        rx.cond(S.action_error != "", error_callout(S.action_error, id="action-error")),
        rx.cond(
            S.action_notice != "",
            rx.callout(S.action_notice, icon="check", color_scheme="grass", size="1", id="action-notice"),
        ),
        card(
            rx.vstack(
                _adjust_form(),
                rx.separator(),
                _premium_controls(),
                rx.separator(),
                _delete_controls(),
                spacing="3",
                width="100%",
            )
        ),
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Interviews", value="sessions"),
                rx.tabs.trigger("Ledger", value="ledger"),
                rx.tabs.trigger("Admin log", value="actions"),
            ),
            rx.tabs.content(
                _mini_table(
                    "Interviews",
                    ["Started", "Job", "Status", "Feedback", "Score", "Length", "Error"],
                    S.sessions,
                    ["created", "job_title", "status", "feedback_status", "score", "duration", "error"],
                    "detail-sessions",
                    "No interviews yet.",
                ),
                value="sessions",
                padding_top="8px",
            ),
            rx.tabs.content(
                _mini_table(
                    "Ledger",
                    ["When", "Kind", "Amount", "Reason", "By"],
                    S.ledger,
                    ["when", "kind", "amount", "reason", "actor"],
                    "detail-ledger",
                    "No ledger rows.",
                ),
                value="ledger",
                padding_top="8px",
            ),
            rx.tabs.content(
                _mini_table(
                    "Admin log",
                    ["When", "Action", "Admin", "Details"],
                    S.actions,
                    ["when", "action", "admin", "details"],
                    "detail-actions",
                    "No admin actions on this account.",
                ),
                value="actions",
                padding_top="8px",
            ),
            default_value="sessions",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _detail_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title("User details", margin="0", custom_attrs={"as": "h2"}),  # Radix: an h1
                rx.spacer(),
                rx.dialog.close(rx.icon_button(rx.icon("x", size=16), variant="ghost", aria_label="Close")),
                align="center",
                width="100%",
            ),
            rx.cond(S.detail_loading, loading_block("Loading the account…"), _detail_body()),
            max_width="860px",
            width="calc(100vw - 24px)",
            id="user-detail",
        ),
        open=S.detail_open,
        on_open_change=S.dialog_open_changed,
    )


@template(admin_only=True)
def admin_users_page() -> rx.Component:
    return rx.vstack(
        page_header(
            "Users", "Search accounts, inspect their interviews and ledger, adjust credits and premium."
        ),
        _search_form(),
        _user_list(),
        _detail_dialog(),
        spacing="4",
        width="100%",
        id="admin-users",
    )
