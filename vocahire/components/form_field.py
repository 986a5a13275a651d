"""A labelled text input: the one field shape every form of the app uses (label tied by ``for``/``id``)."""

from __future__ import annotations

import reflex as rx

LABEL_STYLE = {"fontWeight": 500, "fontSize": "14px"}


def text_field(
    label: str, name: str, type_: str, autocomplete: str, *, id_prefix: str = "field", **props: object
) -> rx.Component:
    """``<label>`` + ``<input id="{id_prefix}-{name}">`` (underscores in ``name`` become dashes in the id)."""
    field_id = f"{id_prefix}-{name.replace('_', '-')}"
    return rx.vstack(
        rx.el.label(label, html_for=field_id, style=LABEL_STYLE),
        rx.input(
            id=field_id, name=name, type=type_, auto_complete=autocomplete, size="3", width="100%", **props
        ),
        spacing="1",
        width="100%",
    )
