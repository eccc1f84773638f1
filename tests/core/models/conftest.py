"""A small catalogue on the test event: tax rule, category, a shirt with two variations, a ticket, a quota."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.db import scope
from core.models import Item, ItemCategory, ItemVariation, Quota, TaxRule


@dataclass
class Catalogue:
    event: Any
    tax: TaxRule
    category: ItemCategory
    ticket: Item
    shirt: Item
    small: ItemVariation
    large: ItemVariation
    quota: Quota


@pytest.fixture
def scoped(organizer: Any) -> Iterator[None]:
    with scope(organizer.id):
        yield


@pytest.fixture
def catalogue(db_session: Session, event: Any, scoped: None) -> Catalogue:
    tax = TaxRule(event=event, name={"en": "VAT"}, rate=Decimal("19.00"), code="S/standard", default=True)
    category = ItemCategory(event=event, name={"en": "Tickets"})
    ticket = Item(event=event, category=category, tax_rule=tax, name={"en": "Ticket"}, default_price=Decimal("23"))
    shirt = Item(event=event, name={"en": "Shirt"}, default_price=Decimal("15"))
    small = ItemVariation(item=shirt, value={"en": "S"})
    large = ItemVariation(item=shirt, value={"en": "L"}, default_price=Decimal("17"))
    quota = Quota(event=event, name="Main", size=10, items=[ticket, shirt], variations=[small, large])
    db_session.add_all([tax, category, ticket, shirt, quota])
    db_session.flush()
    return Catalogue(event, tax, category, ticket, shirt, small, large, quota)
