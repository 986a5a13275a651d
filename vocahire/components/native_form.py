"""A plain HTML form that really posts to the server (Reflex's form always prevents the default)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_components_core.el.elements.forms import Form


class NativeForm(Form):
    """Posts to ``action`` with a full page load: the server sets the httpOnly session cookie."""

    @classmethod
    def create(cls, *children: Any, **props: Any) -> rx.Component:
        # Skip Form.create, which installs a preventDefault submit handler.
        return super(Form, cls).create(*children, **props)


native_form = NativeForm.create
