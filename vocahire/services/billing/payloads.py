"""Typed views of the Stripe objects we read (API version 2026-10-28); unknown fields are ignored.

Expandable fields arrive as an id or as the expanded object: both become the id.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _expandable_id(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("id")
    return value


def _str_dict(value: Any) -> Any:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if v is not None}
    return value


ExpandableId = Annotated[str | None, BeforeValidator(_expandable_id)]
Metadata = Annotated[dict[str, str], BeforeValidator(_str_dict)]


def from_unix(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


class _Obj(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PriceRef(_Obj):
    id: str


class CheckoutLineItem(_Obj):
    price: PriceRef | None = None
    quantity: int | None = 1
    amount_total: int | None = None


class CheckoutLineItems(_Obj):
    data: list[CheckoutLineItem] = Field(default_factory=list)


class CheckoutSession(_Obj):
    id: str
    mode: str | None = None
    status: str | None = None
    payment_status: str | None = None
    customer: ExpandableId = None
    client_reference_id: str | None = None
    metadata: Metadata = Field(default_factory=dict)
    payment_intent: ExpandableId = None
    subscription: ExpandableId = None
    amount_total: int | None = None
    currency: str | None = None
    line_items: CheckoutLineItems | None = None  # present only when expanded (or listed)


class SubscriptionItem(_Obj):
    price: PriceRef | None = None
    current_period_end: int | None = None


class SubscriptionItems(_Obj):
    data: list[SubscriptionItem] = Field(default_factory=list)


class Subscription(_Obj):
    id: str
    customer: ExpandableId = None
    status: str
    metadata: Metadata = Field(default_factory=dict)
    items: SubscriptionItems = Field(default_factory=SubscriptionItems)
    cancel_at_period_end: bool = False

    @property
    def period_end(self) -> int | None:
        """The period now lives on the items (no longer on the subscription): the latest one."""
        ends = [i.current_period_end for i in self.items.data if i.current_period_end]
        return max(ends) if ends else None

    @property
    def price_ids(self) -> list[str]:
        return [i.price.id for i in self.items.data if i.price]


class SubscriptionDetails(_Obj):
    subscription: ExpandableId = None
    metadata: Metadata = Field(default_factory=dict)


class InvoiceParent(_Obj):
    type: str | None = None
    subscription_details: SubscriptionDetails | None = None


class Period(_Obj):
    start: int | None = None
    end: int | None = None


class PriceDetails(_Obj):
    price: ExpandableId = None


class LinePricing(_Obj):
    price_details: PriceDetails | None = None


class SubscriptionItemDetails(_Obj):
    subscription: ExpandableId = None


class InvoiceLineParent(_Obj):
    subscription_item_details: SubscriptionItemDetails | None = None


class InvoiceLine(_Obj):
    period: Period = Field(default_factory=Period)
    pricing: LinePricing | None = None
    parent: InvoiceLineParent | None = None

    @property
    def price_id(self) -> str | None:
        return self.pricing.price_details.price if self.pricing and self.pricing.price_details else None


class InvoiceLines(_Obj):
    data: list[InvoiceLine] = Field(default_factory=list)


class Invoice(_Obj):
    id: str
    customer: ExpandableId = None
    status: str | None = None
    billing_reason: str | None = None
    amount_paid: int = 0
    amount_due: int = 0
    currency: str = ""
    parent: InvoiceParent | None = None
    lines: InvoiceLines = Field(default_factory=InvoiceLines)

    @property
    def subscription_id(self) -> str | None:
        """Under ``parent.subscription_details`` now (the top-level field is gone); lines say it too."""
        if self.parent and self.parent.subscription_details and self.parent.subscription_details.subscription:
            return self.parent.subscription_details.subscription
        for line in self.lines.data:
            if (
                line.parent
                and line.parent.subscription_item_details
                and line.parent.subscription_item_details.subscription
            ):
                return line.parent.subscription_item_details.subscription
        return None

    @property
    def subscription_metadata(self) -> dict[str, str]:
        details = self.parent.subscription_details if self.parent else None
        return details.metadata if details else {}


class Charge(_Obj):
    id: str
    amount: int = 0
    amount_refunded: int = 0  # a running total over every refund of this charge
    currency: str = ""
    customer: ExpandableId = None
    payment_intent: ExpandableId = None


class Dispute(_Obj):
    id: str
    charge: ExpandableId = None
    payment_intent: ExpandableId = None
    amount: int = 0
    currency: str = ""
    status: str | None = None


class EventData(_Obj):
    object: dict[str, Any]


class StripeEvent(_Obj):
    """The envelope of a webhook delivery (a snapshot event)."""

    id: str = Field(min_length=1, max_length=255)
    type: str = Field(min_length=1, max_length=128)
    created: int
    livemode: bool = False
    data: EventData
