"""Creating organizers (tenants): slug rules, default plugins, audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.logs import log_action
from core.models import Organizer
from core.pluginhost.activation import enable_default_plugins
from core.services.channels import create_default_channels
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

