"""A tiny shop for invoice and order-mail tests: channels, a 19 % tax rule, two items and an order factory."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from core.i18n import I18nString
from core.models import InvoiceAddress, Item, ItemVariation, Order, OrderFee, OrderPosition, SalesChannel, TaxRule
from core.services.transactions import create_transactions

EXPIRES = datetime(2030, 1, 14, 12, 0, tzinfo=UTC)


def make_shop(session: Session, event: Any) -> SimpleNamespace:
    web = SalesChannel(organizer_id=event.organizer_id, label=I18nString({"en": "Shop"}), identifier="web", type="web")
    api = SalesChannel(organizer_id=event.organizer_id, label=I18nString({"en": "API"}), identifier="api", type="api")
    tax = TaxRule(event=event, name=I18nString({"en": "VAT", "de": "MwSt."}), rate=Decimal("19"), code="S/standard")
    ticket = Item(event=event, name=I18nString({"en": "Ticket", "de": "Eintritt"}), default_price=Decimal("23.00"),
                  tax_rule=tax, admission=True)
    shirt = Item(event=event, name=I18nString({"en": "Shirt"}), default_price=Decimal("15.00"), tax_rule=tax)
    large = ItemVariation(item=shirt, value=I18nString({"en": "L"}))
    session.add_all([web, api, tax, ticket, shirt, large])
    session.flush()
    return SimpleNamespace(event=event, web=web, api=api, tax=tax, ticket=ticket, shirt=shirt, large=large)


def tax_of(price: Decimal) -> Decimal:
    return (price * 19 / 119).quantize(Decimal("0.01"))


def make_order(
    session: Session, shop: SimpleNamespace, *, code: str = "ABC12", prices: tuple[str, ...] = ("23.00", "23.00"),
    fee: str | None = None, channel: Any = None, address: bool = True, event: Any = None, **fields: Any,
) -> Order:
    """An order with a ticket position per price, an optional payment fee, an invoice address and its journal."""
    event = event or shop.event
    fields.setdefault("email", "buyer@example.org")
    fields.setdefault("locale", "en")
    order = Order(event=event, code=code, expires=EXPIRES, sales_channel=channel or shop.web, **fields)
    for number, price in enumerate(prices, start=1):
        value = Decimal(price)
        session.add(OrderPosition(
            order=order, positionid=number, item=shop.ticket, price=value, tax_rate=Decimal("19"), tax_rule=shop.tax,
            tax_code="S/standard", tax_value=tax_of(value),
            attendee_name_parts={"_scheme": "given_family", "given_name": "Ada", "family_name": f"Lovelace{number}"},
        ))
    total = sum((Decimal(p) for p in prices), Decimal("0.00"))
    if fee is not None:
        session.add(OrderFee(order=order, fee_type="payment", value=Decimal(fee), tax_rate=Decimal("19"),
                             tax_rule=shop.tax, tax_value=tax_of(Decimal(fee))))
        total += Decimal(fee)
    order.total = total
    if address:
        order.invoice_address = InvoiceAddress(
            is_business=True, company="Analytical Engines Ltd", street="1 Engine Road", zipcode="12345",
            city="London", country="GB", vat_id="GB123456789",
            name_parts={"_scheme": "salutation_given_family", "salutation": "Ms", "given_name": "Ada",
                        "family_name": "Lovelace"},
        )
    session.add(order)
    session.flush()
    create_transactions(session, order, is_new=True)
    return order
