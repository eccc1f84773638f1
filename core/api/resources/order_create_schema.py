"""The body of ``POST /orders/`` (pretix's order creation fields)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from core.api.resources.order_patch import Email, InvoiceAddressIn
from core.api.schemas import ApiInput, Money
from core.models import OrderFee

FeeType = Literal[OrderFee.FEE_TYPES]  # type: ignore[valid-type]


class AnswerIn(ApiInput):
    """An answer to a question: text (``answer``) and, for choice questions, option ids."""

    question: int
    answer: str = ""
    options: list[int] = []


class PositionIn(ApiInput):
    """One position; ``addon_to`` is the ``positionid`` of its parent, ``price`` None = computed."""

    positionid: int | None = Field(default=None, ge=1)
    item: int
    variation: int | None = None
    subevent: int | None = None
    price: Money | None = None
    voucher: str | None = None
    addon_to: int | None = None
    attendee_name: str | None = Field(default=None, max_length=255)
    attendee_name_parts: dict[str, Any] | None = None
    attendee_email: Email | None = None
    company: str | None = Field(default=None, max_length=255)
    street: str | None = None
    zipcode: str | None = Field(default=None, max_length=30)
    city: str | None = Field(default=None, max_length=255)
    country: str | None = Field(default=None, max_length=2)
    state: str | None = Field(default=None, max_length=255)
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    answers: list[AnswerIn] = []


class FeeIn(ApiInput):
    """An extra fee of the new order."""

    fee_type: FeeType
    value: Money
    description: str = Field(default="", max_length=190)
    internal_type: str = Field(default="", max_length=255)
    tax_rule: int | None = None


class OrderCreate(ApiInput):
    """Order creation: contact data, positions, fees, payment, flags (``simulate``, ``force``, ``send_email``)."""

    code: str | None = Field(default=None, min_length=5, max_length=16, pattern=r"^[A-Z0-9]+$")
    status: Literal["n", "p"] = "n"
    testmode: bool | None = None
    consume_carts: list[str] = []
    email: Email | None = None
    phone: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=32)
    sales_channel: str = "web"
    payment_provider: str | None = None
    payment_info: dict[str, Any] | None = None
    payment_date: dt.datetime | None = None
    fees: list[FeeIn] = []
    positions: list[PositionIn] = Field(max_length=500)
    invoice_address: InvoiceAddressIn | None = None
    comment: str | None = None
    custom_followup_at: dt.date | None = None
    checkin_attention: bool = False
    checkin_text: str | None = None
    api_meta: dict[str, Any] = {}
    require_approval: bool = False
    valid_if_pending: bool = False
    simulate: bool = False
    force: bool = False
    send_email: bool | None = False
