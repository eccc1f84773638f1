"""Order placeholders of mail texts (``{code}``, ``{total}``, ``{url}``, ``{name}``, ...) as IPlaceholder providers.

Each placeholder needs ``order`` in the mail's context; the position ones also need ``position``. A mail about a
position uses the position's ``{url}`` (its ticket page) instead of the order's, because the placeholder with the
longer ``required_context`` wins. Amounts are formatted for the mail's language with the event's currency; dates
in the event's time zone.

Links: the order page is ``<ticketry.site_url>/<organizer>/<event>/order/<code>/<secret>/`` and a position's page
``<ticketry.site_url>/<organizer>/<event>/ticket/<code>/<positionid>/<web_secret>/``.

``{payment_info}`` (payment instructions) and ``{comment}`` (a reason given by staff) come from the sender: pass
them as strings in the mail's context, which win over providers; without them the placeholders are empty, so a
template never shows the raw braces. ``{refund_amount}`` needs the ``refund`` (an OrderRefund) in the context.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from pyramid.config import Configurator

from core.interfaces.mail import IPlaceholder
from core.mail.placeholders import SimplePlaceholder
from core.models.orders import Order
from core.models.payments import OrderPayment, OrderRefund
from core.pluginhost import current_registry
from core.services.money import currency_places, money_str, round_money

Context = Mapping[str, Any]


def babel_locale(locale: str | None) -> Locale:
    """The babel locale of a language tag (``de-formal`` -> ``de``); English when unknown."""
    tag = (locale or "en").split("-")[0].replace("-", "_")
    try:
        return Locale.parse(tag)
    except (ValueError, TypeError):
        return Locale.parse("en")


def amount_text(value: Decimal, context: Context) -> str:
    """``value`` as a localized number with the currency's places, without the currency."""
    currency = context["order"].event.currency
    places = currency_places(currency)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(round_money(value, currency), format=pattern, locale=babel_locale(context.get("locale")))


def money_text(value: Decimal, context: Context) -> str:
    """``value`` with its currency, localized (``€10.00`` / ``10,00 €``)."""
    locale = babel_locale(context.get("locale"))
    return money_str(value, context["order"].event.currency, str(locale))


def pending_sum(order: Order) -> Decimal:
    """What the customer still has to pay: total (0 if canceled) - received payments + counting refunds."""
    total = Decimal("0") if order.status == Order.STATUS_CANCELED else order.total
    paid = sum((p.amount for p in order.payments if p.state in OrderPayment.PAID_STATES), Decimal("0"))
    refunded = sum((r.amount for r in order.refunds if r.state in OrderRefund.COUNTING_STATES), Decimal("0"))
    return total - paid + refunded


def _site() -> str:
    return str(current_registry().settings["ticketry.site_url"]).rstrip("/")


def order_url(order: Order) -> str:
    """The customer's link to the order page (carries the order secret)."""
    event = order.event
    return f"{_site()}/{event.organizer.slug}/{event.slug}/order/{order.code}/{order.secret}/"


def position_url(position: Any) -> str:
    """The attendee's link to the position's ticket page (carries the position's web secret)."""
    order = position.order
    event = order.event
    return (f"{_site()}/{event.organizer.slug}/{event.slug}/ticket/{order.code}/{position.positionid}/"
            f"{position.web_secret}/")


def _expire_date(context: Context) -> str:
    order = context["order"]
    local = order.expires.astimezone(zoneinfo.ZoneInfo(order.event.timezone or "UTC"))
    return format_date(local.date(), format="long", locale=babel_locale(context.get("locale")))


def _address(context: Context) -> Any:
    return context.get("invoice_address") or context["order"].invoice_address


def _name_parts(context: Context) -> dict[str, Any]:
    position = context.get("position")
    if position is not None and position.attendee_name_parts:
        return dict(position.attendee_name_parts)
    address = _address(context)
    if address is not None and address.name_parts:
        return dict(address.name_parts)
    for candidate in context["order"].positions:
        if candidate.attendee_name_parts:
            return dict(candidate.attendee_name_parts)
    return {}


def _name(context: Context) -> str:
    parts = _name_parts(context)
    words = [str(v).strip() for k, v in parts.items() if not k.startswith("_") and v]
    return " ".join(w for w in words if w)


def _name_for_salutation(context: Context) -> str:
    """``Dr Doe`` / ``Ms Doe`` when the name has a salutation or title and a family name; else the full name."""
    parts = _name_parts(context)
    family = parts.get("family_name")
    prefix = " ".join(str(parts[k]) for k in ("salutation", "title") if parts.get(k))
    if family and prefix:
        return f"{prefix} {family}"
    return _name(context)


def _refund(context: Context) -> str:
    return money_text(context["refund"].amount, context)


#: Provider name -> (identifier, required context, function).
ORDER_PLACEHOLDERS: dict[str, tuple[str, tuple[str, ...], Callable[[Context], str]]] = {
    "order_code": ("code", ("order",), lambda c: c["order"].code),
    "order_total": ("total", ("order",), lambda c: amount_text(c["order"].total, c)),
    "order_total_with_currency": ("total_with_currency", ("order",), lambda c: money_text(c["order"].total, c)),
    "order_pending_sum": ("pending_sum", ("order",), lambda c: money_text(pending_sum(c["order"]), c)),
    "order_refund_amount": ("refund_amount", ("order", "refund"), _refund),
    "order_email": ("order_email", ("order",), lambda c: c["order"].email or ""),
    "order_expire_date": ("expire_date", ("order",), _expire_date),
    "order_url": ("url", ("event", "order"), lambda c: order_url(c["order"])),
    "order_invoice_name": ("invoice_name", ("order",), lambda c: getattr(_address(c), "name", None) or ""),
    "order_invoice_company": ("invoice_company", ("order",), lambda c: getattr(_address(c), "company", None) or ""),
    "order_invoice_number": ("invoice_number", ("order", "invoice"), lambda c: c["invoice"].full_invoice_no),
    "order_payment_info": ("payment_info", ("order",), lambda c: ""),
    "order_comment": ("comment", ("order",), lambda c: ""),
    "order_name": ("name", ("order",), _name),
    "order_name_for_salutation": ("name_for_salutation", ("order",), _name_for_salutation),
    "position_attendee_name": ("attendee_name", ("order", "position"), lambda c: c["position"].attendee_name or ""),
    "position_positionid": ("positionid", ("order", "position"), lambda c: str(c["position"].positionid)),
    "position_url": ("url", ("event", "order", "position"), lambda c: position_url(c["position"])),
}


def _factory(name: str) -> Callable[[Any], SimplePlaceholder]:
    identifier, required, func = ORDER_PLACEHOLDERS[name]

    def factory(scope: Any) -> SimplePlaceholder:
        return SimplePlaceholder(identifier, required, func)

    return factory


def includeme(config: Configurator) -> None:
    for name in ORDER_PLACEHOLDERS:
        config.add_provider(IPlaceholder, name, _factory(name))
