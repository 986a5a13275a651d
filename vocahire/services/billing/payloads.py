"""Typed views of the Stripe objects we read (API version 2026-10-28); unknown fields are ignored.

Expandable fields arrive as an id or as the expanded object: both become the id. What we keep is
checked at the door, so a signed event that could never be stored is refused as malformed instead
of failing in the database: text a column takes (no NUL character, which PostgreSQL refuses, no
lone surrogate), ids, currencies and statuses that fit their columns, amounts and times in range.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from vocahire.services.webhook_deliveries import unstorable

MAX_AMOUNT = 10**12  # minor units: far above any Stripe amount, far below a BIGINT
MAX_UNIX_TIME = 253402300799  # 9999-12-31T23:59:59Z, the last second datetime can hold
MAX_QUANTITY = 10_000


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


def _unstorable(value: Any) -> str | None:
    if isinstance(value, str):
        return unstorable(value)
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, list | tuple):
        return next((why for why in map(_unstorable, value) if why), None)
    return None


StripeId = Annotated[str, StringConstraints(min_length=1, max_length=255)]
ExpandableId = Annotated[StripeId | None, BeforeValidator(_expandable_id)]
Metadata = Annotated[dict[str, str], BeforeValidator(_str_dict)]
Currency = Annotated[str, StringConstraints(max_length=8)]
Status = Annotated[str, StringConstraints(max_length=24)]
Amount = Annotated[int, Field(ge=0, le=MAX_AMOUNT)]
UnixTime = Annotated[int, Field(ge=0, le=MAX_UNIX_TIME)]


def from_unix(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


class _Obj(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @field_validator("*")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        why = _unstorable(value)
        if why:
            raise ValueError(why)
        return value


class ObjectRef(_Obj):
    """Just the id of the object an event is about (when the rest is re-read from Stripe)."""

    id: StripeId


class PriceRef(_Obj):
    id: StripeId
    unit_amount: Amount | None = None  # present on the full Price a Checkout line item carries
    currency: Currency | None = None


class CheckoutLineItem(_Obj):
    price: PriceRef | None = None
    quantity: Annotated[int, Field(ge=0, le=MAX_QUANTITY)] | None = 1
    amount_total: Amount | None = None


class CheckoutLineItems(_Obj):
    data: list[CheckoutLineItem] = Field(default_factory=list)


class CheckoutSession(_Obj):
    id: StripeId
    mode: Status | None = None
    status: Status | None = None
    payment_status: Status | None = None
    customer: ExpandableId = None
    client_reference_id: Annotated[str, StringConstraints(max_length=255)] | None = None
    metadata: Metadata = Field(default_factory=dict)
    payment_intent: ExpandableId = None
    subscription: ExpandableId = None
    amount_total: Amount | None = None
    currency: Currency | None = None
    line_items: CheckoutLineItems | None = None  # present only when expanded (or listed)


class SubscriptionItem(_Obj):
    price: PriceRef | None = None
    current_period_end: UnixTime | None = None


class SubscriptionItems(_Obj):
    data: list[SubscriptionItem] = Field(default_factory=list)


class Subscription(_Obj):
    id: StripeId
    customer: ExpandableId = None
    status: Status
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
    type: Annotated[str, StringConstraints(max_length=64)] | None = None
    subscription_details: SubscriptionDetails | None = None


class Period(_Obj):
    start: UnixTime | None = None
    end: UnixTime | None = None


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
    id: StripeId
    customer: ExpandableId = None
    status: Status | None = None
    billing_reason: Annotated[str, StringConstraints(max_length=64)] | None = None
    amount_paid: Amount = 0
    amount_due: Amount = 0
    currency: Currency = ""
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
    id: StripeId
    amount: Amount = 0
    amount_refunded: Amount = 0  # a running total over every refund of this charge
    currency: Currency = ""
    customer: ExpandableId = None
    payment_intent: ExpandableId = None


class Dispute(_Obj):
    id: StripeId
    charge: ExpandableId = None
    payment_intent: ExpandableId = None
    amount: Amount = 0
    currency: Currency = ""
    status: Status | None = None


class EventData(BaseModel):
    """The object the event is about, as sent: each handler reads it through its own typed view."""

    model_config = ConfigDict(extra="ignore")

    object: dict[str, Any]


class StripeEvent(_Obj):
    """The envelope of a webhook delivery (a snapshot event)."""

    id: str = Field(min_length=1, max_length=255)
    type: str = Field(min_length=1, max_length=128)
    created: UnixTime
    livemode: bool = False
    data: EventData
