"""pretix's JSON of orders, order positions, fees, payments and refunds, rendered a page at a time.

``order_json``, ``position_json`` and the other ``render_*`` functions build the dicts by hand (no per-row
validation) from rows already loaded; :func:`render_positions` loads what positions need (answers, plugin data)
with one query per kind for the whole page, never one per row. Orders read back from the database (list, detail,
action answers) are loaded and rendered by :mod:`core.api.renderers.order_list`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from pyramid.request import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.api.renderers.answers import among, answers_of
from core.interfaces.api import IOrderApiData
from core.models import (
    Event,
    InvoiceAddress,
    Order,
    OrderFee,
    OrderPayment,
    OrderPosition,
    OrderRefund,
    QuestionAnswer,
)
from core.pluginhost import providers_for
from core.services.payments.lookup import payment_providers

log = logging.getLogger("ticketry.api")

_CENT = Decimal("0.01")
_UTC = dt.UTC


def money(value: Decimal | None) -> str | None:
    """``Decimal("23.5")`` -> ``"23.50"`` (None stays None)."""
    return None if value is None else str(Decimal(value).quantize(_CENT))


def timestamp(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with ``Z``, as pretix (``2026-11-26T20:28:04.440553Z``)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=_UTC)
    return value.astimezone(_UTC).isoformat().replace("+00:00", "Z")


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _site(request: Request) -> str:
    return str(request.registry.settings.get("ticketry.site_url") or request.application_url).rstrip("/")


def _events(session: Session, ids: Iterable[int]) -> dict[int, Event]:
    wanted = set(ids)
    found = {e.id: e for e in session.identity_map.values() if isinstance(e, Event) and e.id in wanted}
    missing = wanted - set(found)
    if missing:
        found.update({e.id: e for e in session.scalars(select(Event).where(among(session, Event.id, missing)))})
    return found


def _plugin_data(events: Mapping[int, Event], rows: Sequence[Any], method: str,
                 event_of: Any) -> dict[int, dict[str, Any]]:
    """Merged ``plugin_data`` of ``rows`` from every active IOrderApiData provider, per event (ROBUST)."""
    by_event: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_event[event_of(row)].append(row)
    merged: dict[int, dict[str, Any]] = defaultdict(dict)
    for event_id, batch in by_event.items():
        try:
            found = providers_for(events[event_id], IOrderApiData)
        except Exception:
            log.exception("IOrderApiData providers of event %s could not be built", event_id)
            continue
        for name, provider in found:
            try:
                data = getattr(provider, method)(batch)
                for row_id, values in (data or {}).items():
                    merged[row_id].update(values)
            except Exception:
                log.exception("IOrderApiData provider %r failed in %s", name, method)
    return merged


def _answers(request: Request, session: Session, positions: Sequence[OrderPosition],
             events: Mapping[int, Event], event_of_position: Mapping[int, int]) -> dict[int, list[dict[str, Any]]]:
    site = _site(request)

    def file_url(position_id: int, question_id: int) -> str:
        event = events[event_of_position[position_id]]
        return (f"{site}/api/v1/organizers/{event.organizer.slug}/events/{event.slug}/orderpositions/"
                f"{position_id}/answer/{question_id}/")

    return answers_of(session, QuestionAnswer.orderposition_id, [p.id for p in positions], file_url=file_url)


def render_positions(request: Request, positions: Sequence[OrderPosition], *,
                     orders: Mapping[int, Order] | None = None, answered: bool = True) -> list[dict[str, Any]]:
    """pretix's order position JSON of ``positions`` (answers and plugin data loaded for all at once).

    ``orders`` maps order ids to already loaded orders (the order code is part of each position);
    missing ones are loaded in one query, and so are events not already in the session. ``answered=False``
    tells that none of the positions has answers (they are not queried).
    """
    session: Session = request.dbsession
    orders = dict(orders or {})
    missing = {p.order_id for p in positions} - set(orders)
    if missing:
        orders.update({o.id: o for o in session.scalars(select(Order).where(among(session, Order.id, missing)))})
    events = _events(session, {o.event_id for o in orders.values()})
    event_of = {p.id: orders[p.order_id].event_id for p in positions}
    answers = _answers(request, session, positions, events, event_of) if answered else {}
    plugin = _plugin_data(events, positions, "position_data", lambda p: event_of[p.id])
    return [position_json(p, orders[p.order_id].code, answers.get(p.id, []), plugin.get(p.id, {})) for p in positions]


def position_json(p: OrderPosition, code: str, answers: list[dict[str, Any]],
                  plugin_data: dict[str, Any]) -> dict[str, Any]:
    """The JSON of one position from its row and what was loaded for it (no queries)."""
    return {
        "id": p.id, "order": code, "positionid": p.positionid, "item": p.item_id,
        "variation": p.variation_id, "price": money(p.price), "attendee_name": p.attendee_name_cached,
        "attendee_name_parts": p.attendee_name_parts or {}, "company": p.company, "street": p.street,
        "zipcode": p.zipcode, "city": p.city, "country": p.country, "state": p.state, "discount": p.discount_id,
        "attendee_email": p.attendee_email, "voucher": p.voucher_id, "tax_rate": money(p.tax_rate),
        "tax_value": money(p.tax_value), "secret": p.secret, "addon_to": p.addon_to_id, "subevent": p.subevent_id,
        "checkins": [], "print_logs": [], "downloads": [], "answers": answers,
        "tax_rule": p.tax_rule_id, "pseudonymization_id": p.pseudonymization_id, "seat": None,
        "canceled": p.canceled, "tax_code": p.tax_code, "valid_from": timestamp(p.valid_from),
        "valid_until": timestamp(p.valid_until), "blocked": p.blocked or None,
        "voucher_budget_use": money(p.voucher_budget_use), "plugin_data": plugin_data,
    }


def render_fee(fee: OrderFee) -> dict[str, Any]:
    """pretix's JSON of one order fee."""
    return {
        "id": fee.id, "fee_type": fee.fee_type, "value": money(fee.value), "description": fee.description or "",
        "internal_type": fee.internal_type or "", "tax_rate": money(fee.tax_rate), "tax_value": money(fee.tax_value),
        "tax_rule": fee.tax_rule_id, "tax_code": fee.tax_code, "canceled": fee.canceled,
    }


def _details(providers: Mapping[str, Any], obj: OrderPayment | OrderRefund, method: str) -> dict[str, Any]:
    provider = providers.get(obj.provider or "")
    if provider is None or not hasattr(provider, method):
        return {}
    try:
        return dict(getattr(provider, method)(obj) or {})
    except Exception:
        log.exception("payment provider %r failed in %s", obj.provider, method)
        return {}


def render_payment(request: Request, payment: OrderPayment, order: Order, event: Event,
                   providers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pretix's JSON of one payment; ``payment_url`` only while the payment is open."""
    providers = providers if providers is not None else payment_providers(event)
    url = None
    if payment.state in OrderPayment.OPEN_STATES:
        url = (f"{_site(request)}/{event.organizer.slug}/{event.slug}/order/{order.code}/{order.secret}/pay/"
               f"{payment.id}/")
    return {
        "local_id": payment.local_id, "state": payment.state, "amount": money(payment.amount),
        "created": timestamp(payment.created), "payment_date": timestamp(payment.payment_date),
        "provider": payment.provider, "payment_url": url,
        "details": _details(providers, payment, "api_payment_details"),
    }


def render_refund(request: Request, refund: OrderRefund, payment_local_ids: Mapping[int, int],
                  providers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pretix's JSON of one refund; ``payment`` is the refunded payment's ``local_id``."""
    return {
        "local_id": refund.local_id, "state": refund.state, "source": refund.source,
        "amount": money(refund.amount), "payment": payment_local_ids.get(refund.payment_id or 0),
        "created": timestamp(refund.created), "execution_date": timestamp(refund.execution_date),
        "comment": refund.comment, "provider": refund.provider,
        "details": _details(providers or {}, refund, "api_refund_details"),
    }


def render_invoice_address(address: InvoiceAddress | None) -> dict[str, Any] | None:
    """pretix's ``invoice_address`` object (None without an address)."""
    if address is None:
        return None
    return {
        "last_modified": timestamp(address.last_modified), "is_business": address.is_business,
        "company": address.company or "", "name": address.name_cached or "", "name_parts": address.name_parts or {},
        "street": address.street or "", "zipcode": address.zipcode or "", "city": address.city or "",
        "country": address.country or "", "state": address.state or "", "vat_id": address.vat_id or "",
        "vat_id_validated": address.vat_id_validated, "custom_field": address.custom_field,
        "internal_reference": address.internal_reference or "", "transmission_type": address.transmission_type,
        "transmission_info": address.transmission_info or {},
    }


def order_json(request: Request, order: Order, event: Event, *, channel: str | None,
               positions: list[dict[str, Any]], fees: list[dict[str, Any]], payments: Sequence[OrderPayment],
               address: InvoiceAddress | None, plugin_data: dict[str, Any],
               rendered_payments: list[dict[str, Any]], rendered_refunds: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON of one order from its row and its rendered parts (no queries)."""
    confirmed = [p.payment_date for p in payments if p.state in OrderPayment.PAID_STATES and p.payment_date]
    return {
        "code": order.code, "event": event.slug, "status": order.status, "testmode": order.testmode,
        "secret": order.secret, "email": order.email, "phone": order.phone, "locale": order.locale,
        "datetime": timestamp(order.datetime), "expires": timestamp(order.expires),
        "payment_date": _date(max(confirmed).astimezone(_UTC).date()) if confirmed else None,
        "payment_provider": payments[-1].provider if payments else None,
        "fees": fees, "total": money(order.total),
        "tax_rounding_mode": order.tax_rounding_mode, "comment": order.comment or "",
        "custom_followup_at": _date(order.custom_followup_at),
        "invoice_address": render_invoice_address(address),
        "positions": positions, "downloads": [],
        "checkin_attention": bool(order.checkin_attention), "checkin_text": order.checkin_text,
        "last_modified": timestamp(order.last_modified),
        "payments": rendered_payments, "refunds": rendered_refunds,
        "require_approval": bool(order.require_approval), "sales_channel": channel,
        "url": f"{_site(request)}/{event.organizer.slug}/{event.slug}/order/{order.code}/{order.secret}/",
        "customer": None, "valid_if_pending": bool(order.valid_if_pending), "api_meta": order.api_meta or {},
        "cancellation_date": timestamp(order.cancellation_date), "plugin_data": plugin_data,
    }


_ORDER_KEYS = (
    "code", "event", "status", "testmode", "secret", "email", "phone", "locale", "datetime", "expires", "payment_date",
    "payment_provider", "fees", "total", "tax_rounding_mode", "comment", "custom_followup_at", "invoice_address",
    "positions", "downloads", "checkin_attention", "checkin_text", "last_modified", "payments", "refunds",
    "require_approval", "sales_channel", "url", "customer", "valid_if_pending", "api_meta", "cancellation_date",
    "plugin_data",
)


def render_new_order(request: Request, order: Order, event: Event, channel: str | None, *,
                     answered: bool = True) -> dict[str, Any]:
    """The JSON of an order placed in this request, from its objects in memory (no re-read).

    ``order`` must hold its positions, fees, payments and invoice address as placement built them (a new order
    has no refunds); only the answers are loaded, unless ``answered=False`` says the request stored none (the
    caller knows: every answer it or a plugin stored went through its session). Same output as the order detail
    with default switches (:func:`core.api.renderers.order_list.render_order_page`).
    """
    positions = sorted((p for p in order.all_positions if not p.canceled), key=lambda p: p.positionid)
    payments = sorted(order.payments, key=lambda p: p.local_id)
    providers = payment_providers(event)
    return order_json(
        request, order, event, channel=channel,
        positions=render_positions(request, positions, orders={order.id: order}, answered=answered),
        fees=[render_fee(f) for f in sorted(order.all_fees, key=lambda f: f.id) if not f.canceled],
        payments=payments, address=order.invoice_address,
        plugin_data=_plugin_data({event.id: event}, [order], "order_data", lambda o: o.event_id).get(order.id, {}),
        rendered_payments=[render_payment(request, p, order, event, providers) for p in payments],
        rendered_refunds=[],
    )
