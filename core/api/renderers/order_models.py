"""The shapes of the order JSON for the OpenAPI document (the renderers build the dicts directly, for speed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.api.schemas import ApiModel, Money, Percent


class AnswerOut(ApiModel):
    question: int
    answer: str
    question_identifier: str | None
    options: list[int]
    option_identifiers: list[str]


class PositionOut(ApiModel):
    id: int
    order: str
    positionid: int
    item: int
    variation: int | None
    price: Money
    attendee_name: str | None
    attendee_name_parts: dict[str, Any]
    company: str | None
    street: str | None
    zipcode: str | None
    city: str | None
    country: str | None
    state: str | None
    discount: int | None
    attendee_email: str | None
    voucher: int | None
    tax_rate: Percent
    tax_value: Money
    secret: str
    addon_to: int | None
    subevent: int | None
    checkins: list[dict[str, Any]]
    print_logs: list[dict[str, Any]]
    downloads: list[dict[str, Any]]
    answers: list[AnswerOut]
    tax_rule: int | None
    pseudonymization_id: str
    seat: dict[str, Any] | None
    canceled: bool
    tax_code: str | None
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    blocked: list[str] | None
    voucher_budget_use: Money | None
    plugin_data: dict[str, Any]


class FeeOut(ApiModel):
    id: int
    fee_type: str
    value: Money
    description: str
    internal_type: str
    tax_rate: Percent
    tax_value: Money
    tax_rule: int | None
    tax_code: str | None
    canceled: bool


class OrderPaymentOut(ApiModel):
    local_id: int
    state: str
    amount: Money
    created: dt.datetime
    payment_date: dt.datetime | None
    provider: str
    payment_url: str | None
    details: dict[str, Any]


class OrderRefundOut(ApiModel):
    local_id: int
    state: str
    source: str
    amount: Money
    payment: int | None
    created: dt.datetime
    execution_date: dt.datetime | None
    comment: str | None
    provider: str | None
    details: dict[str, Any]


class InvoiceAddressOut(ApiModel):
    last_modified: dt.datetime
    is_business: bool
    company: str
    name: str
    name_parts: dict[str, Any]
    street: str
    zipcode: str
    city: str
    country: str
    state: str
    vat_id: str
    vat_id_validated: bool
    custom_field: str | None
    internal_reference: str
    transmission_type: str
    transmission_info: dict[str, Any]


class OrderOut(ApiModel):
    code: str
    event: str
    status: str
    testmode: bool
    secret: str
    email: str | None
    phone: str | None
    locale: str | None
    datetime: dt.datetime
    expires: dt.datetime
    payment_date: dt.date | None
    payment_provider: str | None
    fees: list[FeeOut]
    total: Money
    tax_rounding_mode: str
    comment: str
    custom_followup_at: dt.date | None
    invoice_address: InvoiceAddressOut | None
    positions: list[PositionOut]
    downloads: list[dict[str, Any]]
    checkin_attention: bool
    checkin_text: str | None
    last_modified: dt.datetime
    payments: list[OrderPaymentOut]
    refunds: list[OrderRefundOut]
    require_approval: bool
    sales_channel: str
    url: str
    customer: str | None
    valid_if_pending: bool
    api_meta: dict[str, Any]
    cancellation_date: dt.datetime | None
    plugin_data: dict[str, Any]
