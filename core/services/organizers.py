"""Creating organizers (tenants): slug rules, default plugins, audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import Organizer
from core.pluginhost.activation import (
    ActivationError,
    disable_plugin,
    enable_default_plugins,
    enable_plugin,
    enabled_names,
)
from core.services.channels import create_default_channels
from core.services.payments.states import log_actor
from core.services.slugs import ValidationError, validate_slug

#: Audit log action type written when an organizer is created.
ORGANIZER_CREATED = "pretix.organizer.created"


def create_organizer(session: Session, slug: str, name: str, actor: Any = None) -> Organizer:
    """Create organizer ``slug`` named ``name``, enable the platform's default organizer plugins, create the
    default sales channels and log it.

    Raises :class:`~core.services.slugs.ValidationError` for an invalid, reserved or taken slug
    (slugs are unique regardless of case) or an empty name. ``actor`` is the acting user, if any.
    """
    validate_slug(slug, what="organizer")
    name = (name or "").strip()
    if not name:
        raise ValidationError("name", "the organizer name must not be empty")
    taken = session.scalar(select(Organizer.slug).where(func.lower(Organizer.slug) == slug.lower()))
    if taken is not None:
        raise ValidationError("slug", f"the organizer slug {slug!r} is already taken (by {taken!r})")
    organizer = Organizer(slug=slug, name=name)
    session.add(organizer)
    session.flush()
    enable_default_plugins(session, organizer)
    create_default_channels(session, organizer)
    log_action(organizer, ORGANIZER_CREATED, {"slug": slug, "name": name}, user=actor)
    return organizer



#: Audit log action type written when an organizer's name or plugins change.
ORGANIZER_CHANGED = "pretix.organizer.changed"


def update_organizer(
    session: Session, organizer: Organizer, *, name: str | None = None, plugins: list[str] | None = None,
    actor: Any = None,
) -> Organizer:
    """Rename ``organizer`` and/or make its enabled organizer-level plugins exactly ``plugins``.

    The slug never changes. Plugins go through the activation service (each change logged there);
    a new name is logged as ``pretix.organizer.changed``. Raises :class:`ValidationError` for an empty
    name, an unknown plugin or one that cannot be enabled on an organizer.
    """
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError("name", "This field may not be blank.")
        if len(name) > 200:
            raise ValidationError("name", "Ensure this field has no more than 200 characters.")
        if name != organizer.name:
            organizer.name = name
            log_action(organizer, ORGANIZER_CHANGED, {"name": name}, **log_actor(actor))
    if plugins is not None:
        current = enabled_names(session, organizer)
        try:
            for plugin in sorted(current - set(plugins)):
                disable_plugin(session, organizer, plugin, actor)
            for plugin in sorted(set(plugins) - current):
                enable_plugin(session, organizer, plugin, actor)
        except ActivationError as exc:
            if "no such plugin" in exc.reason:
                raise ValidationError("plugins", f"Unknown plugin: '{exc.plugin}'.") from None
            raise ValidationError("plugins", f"Plugin '{exc.plugin}' cannot be enabled: {exc.reason}.") from None
    session.flush()
    return organizer
