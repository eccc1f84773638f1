"""A small shop for quota and cart tests: channels, tax, products, a quota, and factories for usage rows."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.i18n import I18nString
from core.models import Item, ItemCategory, ItemVariation, Quota, SalesChannel, TaxRule, Voucher
from core.models.cart import CartPosition
from core.models.orders import Order
from core.models.positions import OrderPosition
from core.services.transactions import create_transactions

D = Decimal
_codes = (f"Q{n:04d}" for n in itertools.count(1))


def real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Shop:
    session: Session
    event: Any
    web: SalesChannel
    api: SalesChannel
    tax: TaxRule
    tickets: ItemCategory
    ticket: Item
    shirt: Item
    small: ItemVariation
    large: ItemVariation
    quota: Quota
    shirts: Quota

    @property
    def organizer_id(self) -> int:
        return self.event.organizer_id

    def add(self, *objs: Any) -> None:
        self.session.add_all(objs)
        self.session.flush()

    def item(self, name: str = "Extra", price: str = "5.00", **fields: Any) -> Item:
        item = Item(event=self.event, organizer_id=self.organizer_id, name=I18nString({"en": name}),
                    default_price=D(price), tax_rule=self.tax, **fields)
        self.add(item)
        return item

    def quota_of(self, *products: Any, size: int | None = 10, **fields: Any) -> Quota:
        quota = Quota(event=self.event, organizer_id=self.organizer_id, name=f"Quota {len(products)}", size=size,
                      **fields)
        for product in products:
            if isinstance(product, ItemVariation):
                quota.variations.append(product)
                if product.item not in quota.items:
                    quota.items.append(product.item)
            else:
                quota.items.append(product)
        self.add(quota)
        return quota

    def order(self, status: str = Order.STATUS_PAID, item: Item | None = None, count: int = 1,
              variation: ItemVariation | None = None, subevent: Any = None, **position_fields: Any) -> Order:
        order = Order(event=self.event, organizer_id=self.organizer_id, code=next(_codes), status=status,
                      sales_channel_id=self.web.id, total=D("0.00"), expires=real_now() + dt.timedelta(days=3))
        self.add(order)
        for number in range(1, count + 1):
            self.session.add(OrderPosition(
                order=order, organizer_id=self.organizer_id, positionid=number, item_id=(item or self.ticket).id,
                variation_id=variation.id if variation else None, subevent_id=subevent.id if subevent else None,
                price=D("0.00"), **position_fields,
            ))
        self.session.flush()
        create_transactions(self.session, order)
        return order

    def cart(self, cart_id: str = "other", item: Item | None = None, count: int = 1,
             expires: dt.datetime | None = None, **fields: Any) -> list[CartPosition]:
        positions = [
            CartPosition(event=self.event, organizer_id=self.organizer_id, cart_id=cart_id,
                         item_id=(item or self.ticket).id, price=D("0.00"),
                         expires=expires or real_now() + dt.timedelta(minutes=30), **fields)
            for _ in range(count)
        ]
        self.add(*positions)
        return positions

    def voucher(self, code: str = "VOUCHER1", **fields: Any) -> Voucher:
        voucher = Voucher(event=self.event, organizer_id=self.organizer_id, code=code, **fields)
        self.add(voucher)
        return voucher


def make_shop(session: Session, event: Any) -> Shop:
    organizer_id = event.organizer_id
    web = SalesChannel(organizer_id=organizer_id, identifier="web", type="web", label=I18nString({"en": "Web"}))
    api = SalesChannel(organizer_id=organizer_id, identifier="api", type="api", label=I18nString({"en": "API"}))
    tax = TaxRule(event=event, organizer_id=organizer_id, name={"en": "VAT"}, rate=D("19.00"), code="S/standard",
                  default=True)
    tickets = ItemCategory(event=event, organizer_id=organizer_id, name={"en": "Tickets"})
    ticket = Item(event=event, organizer_id=organizer_id, category=tickets, tax_rule=tax,
                  name=I18nString({"en": "Ticket"}), default_price=D("23.00"), admission=True)
    shirt = Item(event=event, organizer_id=organizer_id, tax_rule=tax, name=I18nString({"en": "Shirt"}),
                 default_price=D("15.00"))
    small = ItemVariation(item=shirt, organizer_id=organizer_id, value={"en": "S"})
    large = ItemVariation(item=shirt, organizer_id=organizer_id, value={"en": "L"}, default_price=D("17.00"))
    quota = Quota(event=event, organizer_id=organizer_id, name="Tickets", size=10, items=[ticket])
    shirts = Quota(event=event, organizer_id=organizer_id, name="Shirts", size=5, items=[shirt],
                   variations=[small, large])
    session.add_all([web, api, tax, tickets, ticket, shirt, quota, shirts])
    session.flush()
    return Shop(session, event, web, api, tax, tickets, ticket, shirt, small, large, quota, shirts)
