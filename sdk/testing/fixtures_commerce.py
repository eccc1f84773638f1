"""Commerce fixtures: a small catalogue and an order factory that writes orders straight into the models.

``catalogue`` (fixture) or :func:`make_catalogue` builds, for one event: the ``web`` and ``api`` sales channels, a
19 % tax rule (price includes tax), a ``ticket`` item (23.00, admission) in a quota of 10, a ``shirt`` item
(15.00) with variations ``S`` and ``L`` in a quota of 5 (both variations) and an unlimited quota. The test
runs inside the organizer's tenant scope while the fixture is active.

``order_factory`` (fixture) or :func:`make_order` places an order directly (no cart, no checks)::

    order = order_factory()                                   # pending, two tickets at 23.00
    order = order_factory(items=[(cat.ticket, None, "23.00"), (cat.shirt, cat.shirt_l, "15.00")],
                          fees=[("payment", "1.50")], status="p", paid=True)

Positions get tax from the item's tax rule, secrets from the model defaults, and the journal is written
(``create_transactions(is_new=True)``). ``paid=True`` adds a confirmed ``manual`` payment over the total.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session

from core.db import scope
from core.i18n import I18nString

#: Default payment deadline of factory orders: far in the future.
EXPIRES = dt.datetime(2030, 1, 14, 12, 0, tzinfo=dt.UTC)

_codes = (f"T{n:04d}" for n in itertools.count(1))


def tax_value(gross: Decimal, rate: Decimal) -> Decimal:
    """The tax included in the gross amount ``gross`` at ``rate`` percent, rounded half up to cents."""
    if not rate:
        return Decimal("0.00")
    return (gross * rate / (100 + rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def make_catalogue(session: Session, event: Any) -> SimpleNamespace:
    """Channels, a tax rule, items, variations and quotas for ``event`` (see the module docstring)."""
    from core.models import Item, ItemVariation, Quota, SalesChannel, TaxRule

    with scope(event.organizer_id):
        web = SalesChannel(organizer_id=event.organizer_id, label=I18nString({"en": "Shop"}), identifier="web",
                           type="web")
        api = SalesChannel(organizer_id=event.organizer_id, label=I18nString({"en": "API"}), identifier="api",
                           type="api")
        tax = TaxRule(event=event, organizer_id=event.organizer_id, name=I18nString({"en": "VAT"}),
                      rate=Decimal("19"), code="S/standard")
        ticket = Item(event=event, organizer_id=event.organizer_id, name=I18nString({"en": "Ticket"}),
                      default_price=Decimal("23.00"), tax_rule=tax, admission=True)
        shirt = Item(event=event, organizer_id=event.organizer_id, name=I18nString({"en": "Shirt"}),
                     default_price=Decimal("15.00"), tax_rule=tax)
        shirt_s = ItemVariation(item=shirt, organizer_id=event.organizer_id, value=I18nString({"en": "S"}))
        shirt_l = ItemVariation(item=shirt, organizer_id=event.organizer_id, value=I18nString({"en": "L"}),
                                default_price=Decimal("17.00"))
        ticket_quota = Quota(event=event, organizer_id=event.organizer_id, name="Tickets", size=10)
        ticket_quota.items.append(ticket)
        shirt_quota = Quota(event=event, organizer_id=event.organizer_id, name="Shirts", size=5)
        shirt_quota.items.append(shirt)
        shirt_quota.variations.extend([shirt_s, shirt_l])
        session.add_all([web, api, tax, ticket, shirt, shirt_s, shirt_l, ticket_quota, shirt_quota])
        session.flush()
    return SimpleNamespace(event=event, web=web, api=api, tax=tax, ticket=ticket, shirt=shirt, shirt_s=shirt_s,
                           shirt_l=shirt_l, ticket_quota=ticket_quota, shirt_quota=shirt_quota)


#: One position: ``(item, variation or None, gross price)``, optionally a fourth element: extra fields.
PositionSpec = tuple[Any, ...]


def make_order(
    session: Session,
    catalogue: SimpleNamespace,
    *,
    items: Sequence[PositionSpec] | None = None,
    fees: Sequence[tuple[str, str]] = (),
    status: str = "n",
    paid: bool = False,
    code: str | None = None,
    channel: Any = None,
    journal: bool = True,
    **fields: Any,
) -> Any:
    """An order of ``catalogue.event`` with the given positions and fees (see the module docstring).

    :param items: position specs; default two tickets at 23.00.
    :param fees: ``(fee_type, gross value)`` pairs, taxed with the catalogue's tax rule.
    :param status: the order status (``n``, ``p``, ``e``, ``c``).
    :param paid: add a confirmed ``manual`` payment of the total.
    :param journal: write the transaction journal (turn off only to test the journal check itself).
    :param fields: further Order columns (``expires``, ``email``, ``require_approval``, ...).
    """
    from core.models import Order, OrderFee, OrderPayment, OrderPosition
    from core.services.transactions import create_transactions

    event = catalogue.event
    specs = list(items) if items is not None else [(catalogue.ticket, None, "23.00")] * 2
    fields.setdefault("email", "buyer@example.org")
    fields.setdefault("locale", "en")
    fields.setdefault("expires", EXPIRES)
    with scope(event.organizer_id):
        order = Order(event=event, organizer_id=event.organizer_id, code=code or next(_codes), status=status,
                      sales_channel=channel or catalogue.web, **fields)
        session.add(order)
        total = Decimal("0.00")
        for number, spec in enumerate(specs, start=1):
            item, variation, price = spec[0], spec[1], Decimal(spec[2])
            extra = dict(spec[3]) if len(spec) > 3 else {}
            rule = item.tax_rule
            rate = rule.rate if rule is not None else Decimal("0")
            session.add(OrderPosition(
                order=order, organizer_id=event.organizer_id, positionid=number, item=item, variation=variation,
                price=price, tax_rate=rate, tax_rule=rule, tax_code=rule.code if rule is not None else None,
                tax_value=tax_value(price, rate), **extra,
            ))
            total += price
        for fee_type, value in fees:
            gross = Decimal(value)
            session.add(OrderFee(
                order=order, organizer_id=event.organizer_id, fee_type=fee_type, value=gross,
                tax_rate=catalogue.tax.rate, tax_rule=catalogue.tax, tax_code=catalogue.tax.code,
                tax_value=tax_value(gross, catalogue.tax.rate),
            ))
            total += gross
        order.total = total
        session.flush()
        if paid:
            session.add(OrderPayment(order=order, organizer_id=event.organizer_id, local_id=1, provider="manual",
                                     amount=total, state=OrderPayment.PAYMENT_STATE_CONFIRMED,
                                     payment_date=dt.datetime.now(dt.UTC)))
            session.flush()
        if journal:
            create_transactions(session, order, is_new=True)
    return order


@pytest.fixture
def catalogue(db_session: Session, event: Any) -> Iterator[SimpleNamespace]:
    """:func:`make_catalogue` for the ``event`` fixture; the test runs in the organizer's tenant scope."""
    with scope(event.organizer_id):
        yield make_catalogue(db_session, event)


@pytest.fixture
def order_factory(db_session: Session, catalogue: SimpleNamespace) -> Callable[..., Any]:
    """:func:`make_order` bound to the test session and the ``catalogue`` fixture."""

    def factory(**kwargs: Any) -> Any:
        return make_order(db_session, catalogue, **kwargs)

    return factory
