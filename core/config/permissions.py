"""Directives: ``config.add_permission_group`` (plugins extend the catalogue) and ``config.add_authenticator``.

Every view's declared permission is checked against the catalogue when the view is registered,
so a typo in ``permission=`` stops start-up instead of failing at request time.
"""

from __future__ import annotations

from typing import Any

from pyramid.config import PHASE1_CONFIG, Configurator
from pyramid.security import NO_PERMISSION_REQUIRED

from core.config.owner import owner_of
from core.interfaces.security import IAuthenticator
from core.security.permissions import LEVELS, PermissionCatalogue, PermissionGroup


def add_permission_group(config: Configurator, group: PermissionGroup, level: str) -> None:
    """Declare a permission group at ``level`` (``"event"`` or ``"organizer"``).

    Plugins must name their groups ``<level>.plugin.<plugin>`` or ``<level>.plugin.<plugin>.<part>``,
    e.g. ``PermissionGroup("event.plugin.acme_stripe", "Stripe", ("read", "write"))`` gives
    ``event.plugin.acme_stripe:read`` and ``...:write``. Team editors and the team API offer the
    group; ``has_permission`` accepts its strings. Registered early (before views), so views of the
    same configuration can use the new strings.
    """
    if not isinstance(group, PermissionGroup):
        raise TypeError(f"add_permission_group() needs a PermissionGroup, got {group!r}")
    if level not in LEVELS:
        raise ValueError(f"add_permission_group(): level {level!r} is not one of {', '.join(LEVELS)}")
    owner = owner_of(config)
    catalogue: PermissionCatalogue = config.registry.permission_catalogue

    def register() -> None:
        catalogue.add(group, level, owner)

    intr = config.introspectable("permission groups", group.name, group.label, "permission group")
    intr["group"] = group
    intr["level"] = level
    intr["plugin"] = owner
    config.action(("permission-group", group.name), register, order=PHASE1_CONFIG, introspectables=(intr,))


def add_authenticator(config: Configurator, authenticator: Any, name: str, order: int = 100) -> None:
    """Register an :class:`~core.interfaces.security.IAuthenticator` under ``name``; lower ``order`` is tried first."""
    if not IAuthenticator.providedBy(authenticator):
        raise TypeError(f"add_authenticator(): {authenticator!r} does not provide IAuthenticator")
    registry = config.registry

    def register() -> None:
        registry.authenticators = sorted([*registry.authenticators, (order, name, authenticator)],
                                         key=lambda entry: (entry[0], entry[1]))

    config.action(("authenticator", name), register, order=PHASE1_CONFIG)


def check_view_permission(view: Any, info: Any) -> Any:
    """View deriver: a view's declared permission must be known to the catalogue (or NO_PERMISSION_REQUIRED)."""
    permission = info.options.get("permission")
    if permission is not None and permission != NO_PERMISSION_REQUIRED:
        info.registry.permission_catalogue.validate(permission)
    return view


def includeme(config: Configurator) -> None:
    config.registry.permission_catalogue = PermissionCatalogue.with_core_groups()
    config.registry.authenticators = []
    config.add_directive("add_permission_group", add_permission_group)
    config.add_directive("add_authenticator", add_authenticator)
    config.add_view_deriver(check_view_permission)
