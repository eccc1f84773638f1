"""The permission catalogue: which permission strings exist, who defined them, and the legacy names.

A permission is ``"<group>:<action>"``, e.g. ``event.orders:read`` or ``organizer.events:create``
(pretix's strings, so API clients and team definitions carry over). Groups are declared as
:class:`PermissionGroup` at one of two levels: **event** permissions are granted per event (a team
has them on all events or on a list of events), **organizer** permissions on the whole organizer.
The core declares pretix's groups; plugins add theirs with ``config.add_permission_group(...)``
under their own namespace (``event.plugin.<plugin>...`` or ``organizer.plugin.<plugin>...``).

Besides catalogue strings, checks accept:

* ``None`` or :data:`MEMBER`: any team membership on the organizer (for an event context: a team
  that covers the event);
* a tuple or list: *any of* the permissions in it;
* a legacy ``can_*`` name (pretix's old booleans), which requires every permission listed for it
  in :data:`LEGACY_CHECK`;
* :data:`AUTHENTICATED` (a logged-in user) and :data:`STAFF` (an active admin-mode session).

Anything else raises :class:`UnknownPermission`, so a typo in a view declaration is an error, not
an open door.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Any team membership on the context's organizer (or on the event, for event contexts).
MEMBER = "member"
#: Any logged-in user (session login), whatever their teams.
AUTHENTICATED = "authenticated"
#: A user in an active staff (admin mode) session.
STAFF = "staff"
#: The default permission of views that declare none: never granted.
DECLARED_PERMISSION_REQUIRED = "ticketry:declared-permission-required"

PSEUDO_PERMISSIONS = frozenset({MEMBER, AUTHENTICATED, STAFF, DECLARED_PERMISSION_REQUIRED})

EVENT = "event"
ORGANIZER = "organizer"
LEVELS = (EVENT, ORGANIZER)

_GROUP_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class UnknownPermission(KeyError):
    """A permission string that is neither in the catalogue nor a legacy or pseudo permission."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown permission"


class InvalidPermissions(ValueError):
    """A team's permission dict is malformed (not a dict, unknown keys, values other than ``True``)."""


@dataclass(frozen=True)
class PermissionGroup:
    """A set of related actions, e.g. ``PermissionGroup("event.orders", "Orders", ("read", "write", "checkin"))``.

    ``options`` lists the combinations of actions a team editor offers (each a tuple of actions,
    the empty tuple meaning "none"); it is presentation only and defaults to "none" plus every
    single action. ``help_text`` explains what the group covers.
    """

    name: str
    label: str
    actions: tuple[str, ...]
    options: tuple[tuple[str, ...], ...] = ()
    help_text: str = ""

    def __post_init__(self) -> None:
        if not _GROUP_RE.match(self.name):
            raise ValueError(f"permission group name {self.name!r} must be dotted lowercase words, e.g. 'event.orders'")
        if not self.actions:
            raise ValueError(f"permission group {self.name!r} needs at least one action")
        for action in self.actions:
            if not _ACTION_RE.match(action):
                raise ValueError(f"action {action!r} of permission group {self.name!r} must be a lowercase word")
        for option in self.options:
            unknown = set(option) - set(self.actions)
            if unknown:
                raise ValueError(f"option {option!r} of permission group {self.name!r} uses unknown actions {unknown}")

    @property
    def permissions(self) -> tuple[str, ...]:
        """The permission strings of this group, ``"<name>:<action>"`` for every action."""
        return tuple(f"{self.name}:{action}" for action in self.actions)


def _group(name: str, label: str, actions: tuple[str, ...], options: tuple[tuple[str, ...], ...], help_text: str = "",
           ) -> PermissionGroup:
    return PermissionGroup(name, label, actions, options, help_text)


_VIEW_CHANGE = ((), ("write",))

#: The core's event-level groups (pretix's names).
CORE_EVENT_GROUPS: tuple[PermissionGroup, ...] = (
    _group("event.settings.general", "General settings", ("write",), _VIEW_CHANGE,
           "Everything not covered by another settings group, including plugin settings."),
    _group("event.settings.payment", "Payment settings", ("write",), _VIEW_CHANGE),
    _group("event.settings.tax", "Tax settings", ("write",), _VIEW_CHANGE),
    _group("event.settings.invoicing", "Invoicing settings", ("write",), _VIEW_CHANGE),
    _group("event.subevents", "Dates of event series", ("write",), _VIEW_CHANGE),
    _group("event.items", "Products, quotas and questions", ("write",), _VIEW_CHANGE,
           "Products, quotas, questions, categories and discounts."),
    _group("event.orders", "Orders", ("read", "write", "checkin"),
           ((), ("checkin",), ("read",), ("read", "checkin"), ("read", "write")),
           "Orders and the waiting list."),
    _group("event.vouchers", "Vouchers", ("read", "write"), ((), ("read",), ("read", "write"))),
    _group("event", "Event cancellation", ("cancel",), ((), ("cancel",)),
           "Cancel the whole event or one of its dates."),
)

#: The core's organizer-level groups (pretix's names).
CORE_ORGANIZER_GROUPS: tuple[PermissionGroup, ...] = (
    _group("organizer.events", "Events", ("create",), ((), ("create",))),
    _group("organizer.settings.general", "Organizer settings", ("write",), _VIEW_CHANGE),
    _group("organizer.teams", "Teams", ("write",), _VIEW_CHANGE),
    _group("organizer.giftcards", "Gift cards", ("read", "write"), ((), ("read",), ("read", "write"))),
    _group("organizer.customers", "Customer accounts", ("read", "write"), ((), ("read",), ("read", "write"))),
    _group("organizer.reusablemedia", "Reusable media", ("read", "write"), ((), ("read",), ("read", "write"))),
    _group("organizer.devices", "Devices", ("read", "write"), ((), ("read",), ("read", "write"))),
    _group("organizer.seatingplans", "Seating plans", ("write",), _VIEW_CHANGE),
    _group("organizer.outgoingmails", "Outgoing mails", ("read",), ((), ("read",))),
)

_EVENT_SETTINGS = (
    "event.settings.general:write", "event.settings.payment:write", "event.settings.tax:write",
    "event.settings.invoicing:write", "event.subevents:write",
)

#: What a legacy ``can_*`` check requires today (all of them).
LEGACY_CHECK: Mapping[str, tuple[str, ...]] = {
    "can_change_event_settings": ("event.settings.general:write",),
    "can_change_settings": ("event.settings.general:write",),
    "can_change_items": ("event.items:write",),
    "can_view_orders": ("event.orders:read",),
    "can_change_orders": ("event.orders:write",),
    "can_checkin_orders": ("event.orders:checkin",),
    "can_view_vouchers": ("event.vouchers:read",),
    "can_change_vouchers": ("event.vouchers:write",),
    "can_create_events": ("organizer.events:create",),
    "can_change_organizer_settings": ("organizer.settings.general:write",),
    "can_change_teams": ("organizer.teams:write",),
    "can_manage_gift_cards": ("organizer.giftcards:read", "organizer.giftcards:write"),
    "can_manage_customers": ("organizer.customers:read", "organizer.customers:write"),
    "can_manage_reusable_media": ("organizer.reusablemedia:read", "organizer.reusablemedia:write"),
}

#: What a legacy ``can_*`` flag grants when a team is created or changed with it (Team API input).
LEGACY_GRANTS: Mapping[str, tuple[str, ...]] = {
    "can_change_event_settings": _EVENT_SETTINGS,
    "can_change_settings": _EVENT_SETTINGS,
    "can_change_items": ("event.items:write",),
    "can_view_orders": ("event.orders:read",),
    "can_change_orders": ("event.orders:write", "event:cancel"),
    "can_checkin_orders": ("event.orders:checkin",),
    "can_view_vouchers": ("event.vouchers:read",),
    "can_change_vouchers": ("event.vouchers:write",),
    "can_create_events": ("organizer.events:create",),
    "can_change_organizer_settings": (
        "organizer.settings.general:write", "organizer.devices:read", "organizer.devices:write",
        "organizer.seatingplans:write", "organizer.outgoingmails:read",
    ),
    "can_change_teams": ("organizer.teams:write",),
    "can_manage_gift_cards": ("organizer.giftcards:read", "organizer.giftcards:write"),
    "can_manage_customers": ("organizer.customers:read", "organizer.customers:write"),
    "can_manage_reusable_media": ("organizer.reusablemedia:read", "organizer.reusablemedia:write"),
}


@dataclass(frozen=True)
class CatalogueEntry:
    """One registered group with its level and owner (``"core"`` or a plugin name)."""

    group: PermissionGroup
    level: str
    owner: str


@dataclass
class PermissionCatalogue:
    """Every permission group known to this application (``registry.permission_catalogue``)."""

    entries: dict[str, CatalogueEntry] = field(default_factory=dict)
    _levels: dict[str, str] = field(default_factory=dict)

    @classmethod
    def with_core_groups(cls) -> PermissionCatalogue:
        catalogue = cls()
        for group in CORE_EVENT_GROUPS:
            catalogue.add(group, EVENT, "core")
        for group in CORE_ORGANIZER_GROUPS:
            catalogue.add(group, ORGANIZER, "core")
        return catalogue

    def add(self, group: PermissionGroup, level: str, owner: str) -> None:
        """Register ``group`` at ``level`` ("event" or "organizer"); a duplicate group name is an error."""
        if level not in LEVELS:
            raise ValueError(f"permission group level {level!r} is not one of {', '.join(LEVELS)}")
        if group.name in self.entries:
            other = self.entries[group.name].owner
            raise ValueError(f"permission group {group.name!r} is already registered by {other!r}")
        if owner != "core":
            allowed = (f"{level}.plugin.{owner}",)
            if group.name not in allowed and not group.name.startswith(allowed[0] + "."):
                raise ValueError(
                    f"permission group {group.name!r} of plugin {owner!r} must be named {allowed[0]!r} "
                    f"or start with {allowed[0] + '.'!r}"
                )
        elif not (group.name == level or group.name.startswith(level + ".")):
            raise ValueError(f"{level}-level permission group {group.name!r} must start with {level + '.'!r}")
        self.entries[group.name] = CatalogueEntry(group, level, owner)
        for permission in group.permissions:
            self._levels[permission] = level

    def level_of(self, permission: str) -> str:
        """``"event"`` or ``"organizer"`` for a catalogue permission; raises :class:`UnknownPermission`."""
        try:
            return self._levels[permission]
        except KeyError:
            raise UnknownPermission(self._unknown_message(permission)) from None

    def permissions(self, level: str) -> frozenset[str]:
        """Every permission string of ``level``."""
        return frozenset(p for p, lv in self._levels.items() if lv == level)

    def validate(self, permission: Any) -> Any:
        """Check a permission as used in a view or a ``has_permission`` call; return it unchanged.

        Accepts catalogue strings, legacy ``can_*`` names, pseudo permissions, ``None`` and
        tuples/lists of those. Raises :class:`UnknownPermission` naming the bad string.
        """
        if isinstance(permission, tuple | list):
            if not permission:
                raise UnknownPermission("an empty list of permissions can never be satisfied")
            for item in permission:
                if item is None or isinstance(item, tuple | list):
                    raise UnknownPermission(f"nested or None permission {item!r} inside {permission!r}")
                self.validate(item)
            return permission
        if permission is None:
            return permission
        if not isinstance(permission, str):
            raise UnknownPermission(f"permission {permission!r} is not a string")
        if permission not in PSEUDO_PERMISSIONS and permission not in LEGACY_CHECK:
            self.level_of(permission)
        return permission

    def validate_grants(self, grants: Any, level: str) -> dict[str, bool]:
        """Check a team's stored permission dict of ``level``; return a clean copy.

        It must be a dict mapping catalogue permissions of that level to ``True``.
        """
        if not isinstance(grants, dict):
            raise InvalidPermissions(f"{level} permissions must be a dict of {{permission: true}}, got {grants!r}")
        for key, value in grants.items():
            if value is not True:
                raise InvalidPermissions(f"{level} permission {key!r} must map to true, got {value!r}")
            if not isinstance(key, str) or self._levels.get(key) != level:
                known = ", ".join(sorted(self.permissions(level)))
                raise InvalidPermissions(f"{key!r} is not a known {level} permission; known are: {known}")
        return dict(grants)

    def from_input(self, names: Iterable[str]) -> tuple[dict[str, bool], dict[str, bool]]:
        """Split permission names (catalogue strings or legacy ``can_*`` flags) into (event, organizer) grants.

        Legacy flags expand to everything :data:`LEGACY_GRANTS` lists for them.
        """
        event: dict[str, bool] = {}
        organizer: dict[str, bool] = {}
        for name in names:
            expanded = LEGACY_GRANTS.get(name, (name,))
            for permission in expanded:
                target = event if self.level_of(permission) == EVENT else organizer
                target[permission] = True
        return event, organizer

    def _unknown_message(self, permission: str) -> str:
        return (
            f"unknown permission {permission!r}: not in the permission catalogue (known groups: "
            f"{', '.join(sorted(self.entries))}); plugins declare theirs with config.add_permission_group()"
        )
