"""Splitting positions off an order into a new order (used by :class:`~.changes.OrderChangeManager`).

The new order copies the contact data, language, channel, flags, deadline, meta data and invoice address of the
original and gets a fresh code and secret; the moved positions (with their add-ons and answers) are numbered 1..n.
Fees stay with the original. If the original is paid, the new order is paid too: the money moves with an
``offsetting`` payment on the new order and a completed ``offsetting`` refund on the original, both of the new
order's total, so neither order looks over- or underpaid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import inspect, update
from sqlalchemy.orm import Session

from core.models.answers import QuestionAnswer
from core.models.invoices import InvoiceAddress
from core.models.orders import Order
from core.models.payments import OrderPayment, OrderRefund
from core.models.positions import OrderPosition

#: Order columns the new order copies from the original.
COPIED = (
    "event_id", "email", "phone", "locale", "datetime", "expires", "comment", "require_approval",
    "valid_if_pending", "testmode", "sales_channel_id", "tax_rounding_mode", "email_known_to_work",
    "checkin_attention", "checkin_text", "status",
)
_ADDRESS_SKIPPED = frozenset({"id", "order_id", "last_modified"})


def _copy_address(session: Session, original: Order, new: Order) -> None:
    address = original.invoice_address
    if address is None:
        return
    values = {attr.key: getattr(address, attr.key) for attr in inspect(InvoiceAddress).column_attrs
              if attr.key not in _ADDRESS_SKIPPED}
    session.add(InvoiceAddress(order=new, **values))


def split_positions(session: Session, order: Order, positions: Sequence[OrderPosition]) -> Order:
    """Move ``positions`` (and their add-ons) of ``order`` into a new order and return it (flushed).

    Totals of both orders are set here; journal, audit log and signals are the caller's.
    """
    from core.services.codes import assign_order_code
    from core.services.payments.states import next_local_id

    new = Order(organizer_id=order.organizer_id, code=assign_order_code(session, order.organizer_id,
                                                                         testmode=order.testmode),
                meta_info=dict(order.meta_info or {}), api_meta=dict(order.api_meta or {}),
                **{name: getattr(order, name) for name in COPIED})
    session.add(new)
    _copy_address(session, order, new)
    session.flush()
    moved: list[OrderPosition] = []
    for position in positions:
        moved.append(position)
        moved.extend(a for a in position.addons if not a.canceled and a not in positions)
    moved.sort(key=lambda p: p.positionid)
    for number, position in enumerate(moved, start=1):
        position.order = new
        position.positionid = number
    session.flush()
    ids = [p.id for p in moved]
    session.execute(update(QuestionAnswer).where(QuestionAnswer.orderposition_id.in_(ids))
                    .values(order_id=new.id).execution_options(synchronize_session=False))
    new.total = sum((p.price for p in moved), Decimal("0.00"))
    if order.status == Order.STATUS_PAID and new.total > 0:
        stamp = dt.datetime.now(dt.UTC)
        session.add(OrderPayment(
            order=new, organizer_id=order.organizer_id, local_id=next_local_id(new, OrderPayment),
            provider="offsetting", amount=new.total, state=OrderPayment.PAYMENT_STATE_CONFIRMED, payment_date=stamp,
            info={"orders": [order.code]},
        ))
        session.add(OrderRefund(
            order=order, organizer_id=order.organizer_id, local_id=next_local_id(order, OrderRefund),
            provider="offsetting", amount=new.total, state=OrderRefund.REFUND_STATE_DONE, execution_date=stamp,
            source=OrderRefund.REFUND_SOURCE_ADMIN, info={"orders": [new.code]},
        ))
    session.flush()
    session.expire(order, ["all_positions", "positions", "payments", "refunds"])
    return new

