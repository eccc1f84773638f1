"""Sales channels of an organizer: the default channels and validated creation of further ones."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from core.db.tenancy import scope
from core.i18n import I18nString
from core.interfaces.channels import ISalesChannelType
from core.logs import log_action
from core.models import Order, Organizer, SalesChannel
from core.pluginhost import provider_for, providers_for
from core.services.catalogue.cache import cached_objects
from core.services.payments.states import log_actor
from core.services.slugs import ValidationError

CHANNEL_CREATED = "pretix.saleschannel.created"
CHANNEL_CHANGED = "pretix.saleschannel.changed"
CHANNEL_DELETED = "pretix.saleschannel.deleted"
#: Largest position of a channel (a 32-bit column).
MAX_POSITION = 2**31 - 1


def channel_by_identifier(session: Session, organizer_id: int, identifier: str) -> SalesChannel | None:
    """The organizer's sales channel ``identifier``, or None; from the process cache when possible
    (:mod:`core.services.catalogue.cache`)."""
    found = cached_objects(session, "channel", None, identifier, lambda: session.scalars(
        select(SalesChannel).where(SalesChannel.organizer_id == organizer_id,
                                   SalesChannel.identifier == identifier)).all())
    return found[0] if found else None


def channel_types(organizer: Organizer, registry: Any = None) -> dict[str, Any]:
    """``{identifier: type}`` of every sales channel type active for ``organizer`` (core types first)."""
    return {name: provider for name, provider in providers_for(organizer, ISalesChannelType, registry)}


def create_default_channels(session: Session, organizer: Organizer, registry: Any = None) -> list[SalesChannel]:
    """Create the missing channels of every ``default_created`` type for ``organizer``; returns the new ones.

    A default channel's identifier is its type's identifier (``web``, ``api``). Calling it again
    creates only what is missing.
    """
    created: list[SalesChannel] = []
    with scope(organizer.id):
        existing = set(session.scalars(select(SalesChannel.type)))
        position = session.scalar(select(func.coalesce(func.max(SalesChannel.position), -1))) + 1
        for identifier, channel_type in channel_types(organizer, registry).items():
            if not channel_type.default_created or identifier in existing:
                continue
            channel = SalesChannel(
                organizer_id=organizer.id, identifier=identifier, type=identifier,
                label=I18nString(channel_type.verbose_name), position=position, configuration={},
            )
            session.add(channel)
            created.append(channel)
            position += 1
        session.flush()
    return created


def create_channel(
    session: Session,
    organizer: Organizer,
    type: str,
    identifier: str,
    label: I18nString | dict[str, str] | str,
    configuration: dict[str, Any] | None = None,
    registry: Any = None,
    actor: Any = None,
    position: int | None = None,
) -> SalesChannel:
    """Create a further channel of ``type`` (at ``position``, default: last); :class:`ValidationError` for an
    unknown type, a taken identifier, or a second channel of a type that allows only one. Logs
    ``pretix.saleschannel.created``."""
    channel_type = provider_for(organizer, ISalesChannelType, type, registry)
    if channel_type is None:
        raise ValidationError("type", f"unknown sales channel type {type!r}")
    title = I18nString(label)
    if not title:
        raise ValidationError("label", "the sales channel needs a label")
    with scope(organizer.id):
        if session.scalar(select(SalesChannel.id).where(SalesChannel.identifier == identifier)) is not None:
            raise ValidationError("identifier", f"the sales channel identifier {identifier!r} is already taken")
        if not channel_type.multiple_allowed and session.scalar(
            select(SalesChannel.id).where(SalesChannel.type == type)
        ) is not None:
            raise ValidationError("type", f"an organizer can have only one sales channel of type {type!r}")
        if position is None:
            position = session.scalar(select(func.coalesce(func.max(SalesChannel.position), -1))) + 1
        channel = SalesChannel(
            organizer_id=organizer.id, identifier=identifier, type=type, label=title, position=position,
            configuration=configuration or {},
        )
        session.add(channel)
        session.flush()
        log_action(channel, CHANNEL_CREATED, _log_data(channel), **log_actor(actor))
    return channel


def update_channel(
    session: Session, channel: SalesChannel, *, label: Any = None, position: int | None = None, actor: Any = None,
) -> SalesChannel:
    """Change the label and/or position of ``channel`` (identifier and type never change); logs
    ``pretix.saleschannel.changed`` when something changed."""
    changed = False
    if label is not None:
        title = I18nString(label)
        if not title:
            raise ValidationError("label", "the sales channel needs a label")
        if title != channel.label:
            channel.label = title
            changed = True
    if position is not None and not 0 <= position <= MAX_POSITION:
        raise ValidationError("position", f"Ensure this value is between 0 and {MAX_POSITION}.")
    if position is not None and position != channel.position:
        channel.position = position
        changed = True
    if changed:
        session.flush()
        log_action(channel, CHANNEL_CHANGED, _log_data(channel), **log_actor(actor))
    return channel


def channel_in_use(session: Session, channel: SalesChannel) -> bool:
    """Whether orders were placed through ``channel`` (then it cannot be deleted)."""
    with scope(channel.organizer_id):
        return bool(session.scalar(select(exists().where(Order.sales_channel_id == channel.id))))


def _log_data(channel: SalesChannel) -> dict[str, Any]:
    return {"identifier": channel.identifier, "type": channel.type, "label": I18nString(channel.label).data,
            "position": channel.position}


def delete_channel(session: Session, channel: SalesChannel, registry: Any = None, actor: Any = None) -> None:
    """Delete ``channel``; channels of default-created types (``web``, ``api``, ...) and channels with
    orders cannot be deleted. Logs ``pretix.saleschannel.deleted`` on the organizer."""
    channel_type = provider_for(channel.organizer, ISalesChannelType, channel.type, registry)
    if channel_type is not None and channel_type.default_created and channel.identifier == channel.type:
        raise ValidationError(
            "type", f"the {channel.identifier!r} channel is created for every organizer and cannot be deleted"
        )
    if channel_in_use(session, channel):
        raise ValidationError("identifier", "This channel can not be deleted as it is currently in use.")
    organizer = channel.organizer
    data = _log_data(channel)
    session.delete(channel)
    session.flush()
    log_action(organizer, CHANNEL_DELETED, data, **log_actor(actor))
