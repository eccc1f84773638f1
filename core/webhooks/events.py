"""The core's webhook events (pretix's action types and thin payloads) and action type matching."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from pyramid.config import Configurator
from sqlalchemy.orm import object_session
from zope.interface import Interface, implementer

from core.interfaces.webhooks import IWebhookEvent
from core.models import Event, LogEntry, Order, Organizer


def base_payload(entry: LogEntry) -> dict[str, Any]:
    """``notification_id``, ``organizer`` (slug), ``event`` (slug, only for entries of an event) of ``entry``."""
    session = object_session(entry)
    assert session is not None
    organizer = session.get(Organizer, entry.organizer_id)
    payload: dict[str, Any] = {"notification_id": entry.id, "organizer": organizer.slug if organizer else None}
    if entry.event_id is not None:
        event = session.get(Event, entry.event_id)
        payload["event"] = event.slug if event else None
    return payload


@implementer(IWebhookEvent)
@dataclass(frozen=True)
class LogWebhookEvent:
    """A webhook event whose payload names the organizer, the event and, with ``object_key``, the object id."""

    action_type: str
    verbose_name: str
    object_key: str | None = None

    def build_payload(self, entry: LogEntry) -> dict[str, Any] | None:
        payload = base_payload(entry)
        if self.object_key is not None:
            payload[self.object_key] = entry.object_id
        payload["action"] = entry.action_type
        return payload


@implementer(IWebhookEvent)
@dataclass(frozen=True)
class OrderWebhookEvent:
    """An order webhook event: ``{notification_id, organizer, event, code, action}``."""

    action_type: str
    verbose_name: str

    def build_payload(self, entry: LogEntry) -> dict[str, Any] | None:
        session = object_session(entry)
        assert session is not None
        code = None
        if entry.object_type == Order.__tablename__ and entry.object_id is not None:
            order = session.get(Order, entry.object_id)
            code = order.code if order is not None else None
        code = code or entry.parsed_data.get("code")
        if code is None:
            return None
        return {**base_payload(entry), "code": code, "action": entry.action_type}


_ORDER_EVENTS = {
    "pretix.event.order.placed": "Order placed",
    "pretix.event.order.placed.require_approval": "Order placed, waiting for approval",
    "pretix.event.order.paid": "Order paid",
    "pretix.event.order.canceled": "Order canceled",
    "pretix.event.order.reactivated": "Order reactivated",
    "pretix.event.order.expired": "Order expired",
    "pretix.event.order.expirychanged": "Order payment deadline changed",
    "pretix.event.order.modified": "Order details modified",
    "pretix.event.order.contact.changed": "Order contact details changed",
    "pretix.event.order.changed.*": "Order contents changed (any change operation)",
    "pretix.event.order.deleted": "Order deleted",
    "pretix.event.order.refund.created": "Refund created",
    "pretix.event.order.refund.created.externally": "Refund made outside Ticketry recorded",
    "pretix.event.order.refund.requested": "Refund requested by the buyer",
    "pretix.event.order.refund.done": "Refund done",
    "pretix.event.order.refund.canceled": "Refund canceled",
    "pretix.event.order.refund.failed": "Refund failed",
    "pretix.event.order.payment.confirmed": "Payment confirmed",
    "pretix.event.order.approved": "Order approved",
    "pretix.event.order.denied": "Order denied",
}

_OBJECT_EVENTS: dict[str, tuple[str, str | None]] = {
    "pretix.event.added": ("Event created", None),
    "pretix.event.changed": ("Event changed", None),
    "pretix.event.deleted": ("Event deleted", None),
    "pretix.event.live.activated": ("Shop went live", None),
    "pretix.event.live.deactivated": ("Shop went offline", None),
    "pretix.event.testmode.activated": ("Test mode switched on", None),
    "pretix.event.testmode.deactivated": ("Test mode switched off", None),
    "pretix.subevent.added": ("Date of an event series added", "subevent"),
    "pretix.subevent.changed": ("Date of an event series changed", "subevent"),
    "pretix.subevent.deleted": ("Date of an event series deleted", "subevent"),
    "pretix.event.item.*": ("Any change of a product, its variations, add-ons or bundles", "item"),
    "pretix.event.quota.*": ("Any change of a quota, including opening and closing", "item"),
    "pretix.voucher.added": ("Voucher added", "voucher"),
    "pretix.voucher.changed": ("Voucher changed", "voucher"),
    "pretix.voucher.deleted": ("Voucher deleted", "voucher"),
}


def core_webhook_events() -> list[Any]:
    """Every webhook event the core declares, as provider instances."""
    events: list[Any] = [OrderWebhookEvent(name, text) for name, text in _ORDER_EVENTS.items()]
    events += [LogWebhookEvent(name, text, key) for name, (text, key) in _OBJECT_EVENTS.items()]
    return events


def _returning(instance: Any) -> Callable[[Any], Any]:
    def factory(scope: Any) -> Any:
        return instance

    return factory


def registered_action_types(registry: Any) -> set[str]:
    """The names of every registered webhook event (core and all plugins, active or not)."""
    return {name for name, _factory in registry.adapters.lookupAll((Interface,), IWebhookEvent)}


def matching_action_type(action_type: str, registered: Collection[str]) -> str | None:
    """The registered webhook event ``action_type`` belongs to: itself, else the nearest ``prefix.*`` wildcard."""
    if action_type in registered:
        return action_type
    parts = action_type.split(".")
    for end in range(len(parts) - 1, 0, -1):
        wildcard = ".".join(parts[:end]) + ".*"
        if wildcard in registered:
            return wildcard
    return None


def includeme(config: Configurator) -> None:
    for event in core_webhook_events():
        config.add_provider(IWebhookEvent, event.action_type, _returning(event))
