"""What /admin/users shows: search results, one user's detail, and the admin actions on it.

Every handler re-checks admin in the database (``current_admin`` then the service's
own check); the user being inspected is remembered server-side, so the action
handlers never take a user id from the browser.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import reflex as rx

from vocahire.errors import Conflict, InvalidInput, NotFound
from vocahire.infra.database import run_db
from vocahire.services.admin import users as admin_users
from vocahire.state.admin_usage import plural
from vocahire.state.errors import friendly_error
from vocahire.state.session import SessionState, current_admin


def _form_value(form_data: Any, key: str) -> Any:
    return form_data.get(key) if isinstance(form_data, dict) else None


class AdminUsersState(rx.State):
    query: str = ""
    page: int = 1
    pages: int = 1
    total: int = 0
    rows: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    loading: bool = True
    error: str = ""

    detail_open: bool = False
    detail_loading: bool = False
    profile: rx.Field[dict[str, Any]] = rx.field(default_factory=dict)
    sessions: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    ledger: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    actions: rx.Field[list[dict[str, Any]]] = rx.field(default_factory=list)
    action_error: str = ""
    action_notice: str = ""

    @rx.var
    def total_label(self) -> str:
        """``1 user``, ``12 users``; with the search when there is one."""
        found = plural(self.total, "user")
        return f"{found} matching “{self.query}”" if self.query else found

    @rx.var
    def page_label(self) -> str:
        return f"Page {self.page:,} of {self.pages:,}"

    # Backend-only: the account being inspected and the one-time key of the open adjustment form.
    _selected_id: int = 0
    _adjust_key: str = ""

    # --- the list ---
    async def _fetch_page(self, admin_id: int) -> None:
        result = await run_db(
            admin_users.search_users, admin_user_id=admin_id, query=self.query, page=self.page
        )
        self.rows, self.total, self.page, self.pages = result.rows, result.total, result.page, result.pages
        self.error = ""

    async def _list(self, change: Callable[[], None] | None = None) -> None:
        try:
            admin = await current_admin(self)
            if change is not None:
                change()
            await self._fetch_page(admin.id)
        except InvalidInput as exc:
            self.error = friendly_error(exc)
        except Exception as exc:
            self.rows, self.total = [], 0
            self.error = friendly_error(exc)
        finally:
            self.loading = False

    @rx.event
    async def load(self) -> None:
        self.loading = True
        self.detail_open = False
        await self._list()

    @rx.event
    async def search(self, form_data: dict[str, Any]) -> None:
        """The search form: ``{"q": "..."}`` matches e-mail or name."""
        raw = _form_value(form_data, "q")
        text = raw.strip()[: admin_users.MAX_QUERY_LENGTH + 1] if isinstance(raw, str) else ""

        def change() -> None:
            if len(text) > admin_users.MAX_QUERY_LENGTH:
                raise InvalidInput(f"Search for at most {admin_users.MAX_QUERY_LENGTH} characters.")
            self.query, self.page = text, 1

        await self._list(change)

    @rx.event
    async def go_to_page(self, page: int) -> None:
        def change() -> None:
            if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= max(1, self.pages):
                raise InvalidInput("That page doesn't exist.")
            self.page = page

        await self._list(change)

    # --- one user ---
    async def _fetch_detail(self, admin_id: int) -> None:
        detail = await run_db(admin_users.user_detail, admin_user_id=admin_id, user_id=self._selected_id)
        self.profile, self.sessions = detail["user"], detail["sessions"]
        self.ledger, self.actions = detail["ledger"], detail["actions"]

    @rx.event
    async def open_user(self, user_id: int) -> AsyncIterator[None]:
        self.action_error = self.action_notice = ""
        try:
            admin = await current_admin(self)
            if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**63:
                raise NotFound("We couldn't find that user.")
            self._selected_id = user_id
            self._adjust_key = admin_users.new_request_key()
            self.detail_open, self.detail_loading = True, True
            yield
            await self._fetch_detail(admin.id)
        except Exception as exc:
            self.detail_open = False
            self._selected_id = 0
            self.error = friendly_error(exc)
        finally:
            self.detail_loading = False

    @rx.event
    async def dialog_open_changed(self, is_open: bool) -> None:
        """The dialog's own close button and Escape key (it can only be closed from here)."""
        try:
            await current_admin(self)
        except Exception as exc:
            self.error = friendly_error(exc)
            is_open = False
        if is_open is not True:
            self.detail_open = False
            self._selected_id = 0
            self.profile, self.sessions, self.ledger, self.actions = {}, [], [], []

    async def _act(self, action: Callable[[int], Awaitable[str]]) -> None:
        """Run one admin action on the selected user, show its outcome, refresh what the page shows."""
        self.action_error = self.action_notice = ""
        try:
            admin = await current_admin(self)
            if not self._selected_id:
                raise NotFound("Open a user first.")
            self.action_notice = await action(admin.id)
            await self._fetch_detail(admin.id)
            await self._fetch_page(admin.id)
            if self._selected_id == admin.id:
                await (await self.get_state(SessionState))._refresh_user()
        except Conflict as exc:
            self.action_notice = friendly_error(exc)
        except Exception as exc:
            self.action_error = friendly_error(exc)

    @rx.event
    async def adjust_credits(self, form_data: dict[str, Any]) -> None:
        """``{"amount": "-1.50", "reason": "..."}``: the ledger row names the admin; never below zero."""
        amount, reason = _form_value(form_data, "amount"), _form_value(form_data, "reason")
        key = self._adjust_key or admin_users.new_request_key()

        async def action(admin_id: int) -> str:
            balance = await run_db(
                admin_users.adjust_credits,
                admin_user_id=admin_id,
                user_id=self._selected_id,
                amount=amount,
                reason=reason,
                request_key=key,
            )
            self._adjust_key = admin_users.new_request_key()  # the next submission is a new adjustment
            return f"Credits adjusted: the balance is now {balance:.2f}."

        await self._act(action)

    @rx.event
    async def grant_premium(self, form_data: dict[str, Any]) -> None:
        """``{"until": "YYYY-MM-DD" or ""}``: premium until that day (empty: until revoked)."""
        until = _form_value(form_data, "until")

        async def action(admin_id: int) -> str:
            await run_db(
                admin_users.set_premium,
                admin_user_id=admin_id,
                user_id=self._selected_id,
                premium=True,
                until=until,
            )
            return "Premium granted."

        await self._act(action)

    @rx.event
    async def revoke_premium(self) -> None:
        async def action(admin_id: int) -> str:
            await run_db(
                admin_users.set_premium, admin_user_id=admin_id, user_id=self._selected_id, premium=False
            )
            return "Premium revoked."

        await self._act(action)

    @rx.event
    async def soft_delete(self, form_data: dict[str, Any]) -> None:
        """Soft-delete the selected account (``{"reason": "..."}`` optional): sign-in stops, data is kept."""
        reason = _form_value(form_data, "reason")

        async def action(admin_id: int) -> str:
            await run_db(
                admin_users.set_deleted,
                admin_user_id=admin_id,
                user_id=self._selected_id,
                deleted=True,
                reason=reason,
            )
            return "Account deleted: the user can no longer sign in. It can be restored."

        await self._act(action)

    @rx.event
    async def restore(self) -> None:
        async def action(admin_id: int) -> str:
            await run_db(
                admin_users.set_deleted, admin_user_id=admin_id, user_id=self._selected_id, deleted=False
            )
            return "Account restored."

        await self._act(action)
