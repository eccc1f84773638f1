"""PATCH of an order: the fields pretix lets API clients change on an existing order, audit-logged."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pyramid.config import Configurator
from pyramid.request import Request

from core.api.endpoints import actor
from core.api.schemas import ApiInput
from core.logs import log_action
from core.models import InvoiceAddress, Order
from core.models.position_base import cached_name
from core.pluginhost import send
from core.services.order_signals import OrderModified

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str | None) -> str | None:
    if value is not None and not _EMAIL.match(value):
        raise ValueError("Enter a valid email address.")
    return value


#: An e-mail address (pretix's message for malformed ones).
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]


class InvoiceAddressIn(ApiInput):
    """pretix's ``invoice_address`` object on input (every field optional)."""

    is_business: bool = False
    company: str | None = Field(default="", max_length=255)
    name_parts: dict[str, Any] = {}
    street: str | None = ""
    zipcode: str | None = Field(default="", max_length=30)
    city: str | None = Field(default="", max_length=255)
    country: str | None = Field(default="", max_length=2)
    state: str | None = Field(default="", max_length=255)
    vat_id: str | None = Field(default="", max_length=255)
    vat_id_validated: bool = False
    custom_field: str | None = Field(default=None, max_length=255)
    internal_reference: str | None = ""
    transmission_type: str = "email"
    transmission_info: dict[str, Any] = {}


class OrderPatch(ApiInput):
    """The changeable fields of an order; only the keys sent are applied."""

    email: Email | None = None
    phone: str | None = Field(default=None, max_length=64)
    locale: str | None = Field(default=None, max_length=32)
    comment: str | None = None
    custom_followup_at: dt.date | None = None
    checkin_attention: bool | None = None
    checkin_text: str | None = None
    valid_if_pending: bool | None = None
    api_meta: dict[str, Any] | None = None
    invoice_address: InvoiceAddressIn | None = None


#: pretix's audit action type of each changeable field.
ACTIONS = {
    "email": "pretix.event.order.contact.changed", "phone": "pretix.event.order.phone.changed",
    "locale": "pretix.event.order.locale.changed", "comment": "pretix.event.order.comment",
    "custom_followup_at": "pretix.event.order.custom_followup_at",
    "checkin_attention": "pretix.event.order.checkin_attention",
    "checkin_text": "pretix.event.order.checkin_text", "valid_if_pending": "pretix.event.order.valid_if_pending",
    "api_meta": "pretix.event.order.api_meta", "invoice_address": "pretix.event.order.modified",
}


def set_invoice_address(order: Order, values: InvoiceAddressIn | None) -> None:
    """Replace the order's invoice address by ``values`` (None removes it)."""
    address = order.invoice_address
    if values is None:
        if address is not None:
            order.invoice_address = None
        return
    if address is None:
        address = InvoiceAddress(organizer_id=order.organizer_id)
        order.invoice_address = address
    data = values.model_dump()
    for key, value in data.items():
        setattr(address, key, "" if value is None and key not in ("custom_field",) else value)
    address.name_cached = cached_name(values.name_parts)
    address.country = (values.country or "").upper() or None


def apply_patch(request: Request, order: Order, body: OrderPatch) -> None:
    """Apply the sent fields of ``body`` to ``order``, one audit entry per changed field."""
    who = actor(request)
    changed = False
    for field in sorted(body.model_fields_set):
        value = getattr(body, field)
        if field == "invoice_address":
            set_invoice_address(order, value)
            log_action(order, ACTIONS[field], {"invoice_address": value.model_dump() if value else None}, **who)
            changed = True
            continue
        if field in ("checkin_attention", "valid_if_pending") and value is None:
            continue
        if field == "api_meta" and value is None:
            value = {}
        if getattr(order, field) == value:
            continue
        old = getattr(order, field)
        setattr(order, field, value)
        log_action(order, ACTIONS[field], {"old": _plain(old), "new": _plain(value)}, **who)
        changed = True
    if changed:
        order.touch()
        request.dbsession.flush()
        send(OrderModified(order))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def includeme(config: Configurator) -> None:
    """Register the audit action types of order updates that no service registers."""
    for action_type in sorted(set(ACTIONS.values())):
        config.add_log_entry_type(action_type, "The order has been changed.")
