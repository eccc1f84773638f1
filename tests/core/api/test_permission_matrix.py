"""The permission matrix over every registered API endpoint (core and plugins).

Each principal below calls every endpoint of ``registry.api_endpoints`` (placeholders filled with the
test organizer/event and dummy ids) and must be stopped before the view runs: anonymous and invalid
credentials get 401, a principal of another organizer, a team without the permission, a read-only
team on writes and a device outside its events get 403. Another organizer's objects are therefore
never readable or writable; per-resource tests check object-level isolation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from pyramid.security import NO_PERMISSION_REQUIRED

from core.api.endpoints import ANY_PRINCIPAL, Endpoint
from core.db import scope
from core.security.permissions import MEMBER

_PLACEHOLDER = re.compile(r"\{(\w+)(?::([^}]*))?\}")


def _url(endpoint: Endpoint, organizer: str = "demo", event: str = "conf") -> str:
    def fill(match: re.Match[str]) -> str:
        name, pattern = match.group(1), match.group(2)
        if name == "organizer":
            return organizer
        if name == "event":
            return event
        return "1" if pattern and "d" in pattern else "x1"

    return "/api/v1" + _PLACEHOLDER.sub(fill, endpoint.path)


def _call(app: Any, endpoint: Endpoint, headers: dict[str, str], **url: str) -> int:
    kwargs: dict[str, Any] = {"headers": {**headers, "Content-Type": "application/json"}, "expect_errors": True}
    if endpoint.method not in ("GET", "DELETE"):
        kwargs["body"] = b"{}"
    return app.request(_url(endpoint, **url), method=endpoint.method, **kwargs).status_int


def _mismatches(app: Any, endpoints: Iterable[Endpoint], headers: dict[str, str], expected: int,
                **url: str) -> list[str]:
    found = []
    for endpoint in endpoints:
        status = _call(app, endpoint, headers, **url)
        if status != expected:
            found.append(f"{endpoint.method} {endpoint.path} ({endpoint.permission!r}): {status}, expected {expected}")
    return found


def _protected(registry: Any) -> list[Endpoint]:
    return [e for e in registry.api_endpoints if e.permission is not NO_PERMISSION_REQUIRED]


def _scoped(registry: Any, levels: tuple[str, ...] = ("organizer", "event")) -> list[Endpoint]:
    return [e for e in _protected(registry) if e.level in levels and e.permission != ANY_PRINCIPAL]


def _is_read(permission: Any) -> bool:
    names = permission if isinstance(permission, tuple | list) else (permission,)
    return any(name == MEMBER or str(name).endswith(":read") for name in names)


def test_registry_has_endpoints(registry: Any) -> None:
    assert len(registry.api_endpoints) > 5


def test_anonymous_gets_401(app: Any, registry: Any, event: Any) -> None:
    assert _mismatches(app, _protected(registry), {}, 401) == []


def test_invalid_token_gets_401(app: Any, registry: Any, event: Any) -> None:
    assert _mismatches(app, _protected(registry), {"Authorization": "Token invalid-token"}, 401) == []


def test_token_of_another_organizer_gets_403(app: Any, registry: Any, event: Any, other_organizer: Any,
                                             make_api_token: Callable[..., dict[str, str]]) -> None:
    foreign = make_api_token(other_organizer, everything=True)
    assert _mismatches(app, _scoped(registry), foreign, 403) == []


def test_unknown_organizer_or_event_gets_403(app: Any, registry: Any, event: Any, api_headers: dict[str, str]) -> None:
    assert _mismatches(app, _scoped(registry), api_headers, 403, organizer="nobody") == []
    assert _mismatches(app, _scoped(registry, ("event",)), api_headers, 403, event="nothing") == []


def test_team_without_permissions_gets_403(app: Any, registry: Any, event: Any, organizer: Any,
                                           make_api_token: Callable[..., dict[str, str]]) -> None:
    bare = make_api_token(organizer, (), all_events=False)
    endpoints = [e for e in _scoped(registry) if e.level == "event" or e.permission != MEMBER]
    assert _mismatches(app, endpoints, bare, 403) == []


def test_read_only_team_cannot_write(app: Any, registry: Any, event: Any, organizer: Any,
                                     make_api_token: Callable[..., dict[str, str]]) -> None:
    reads = [p for p in registry.permission_catalogue.permissions("event") if p.endswith(":read")]
    reads += [p for p in registry.permission_catalogue.permissions("organizer") if p.endswith(":read")]
    reader = make_api_token(organizer, reads)
    writes = [e for e in _scoped(registry) if e.method != "GET" and not _is_read(e.permission)]
    assert writes
    assert _mismatches(app, writes, reader, 403) == []


def test_device_outside_its_events_gets_403(app: Any, registry: Any, db_session: Any, event: Any, organizer: Any,
                                            other_organizer: Any) -> None:
    from core.services.devices import create_device, initialize_device

    software = {"hardware_brand": "Test", "hardware_model": "T1", "os_name": "Linux", "os_version": "6",
                "software_brand": "matrix", "software_version": "1.0"}
    with scope(organizer.id):
        mine = create_device(db_session, organizer, "no events", all_events=False)
    with scope(other_organizer.id):
        theirs = create_device(db_session, other_organizer, "foreign", all_events=True)
    _device, own_token = initialize_device(db_session, mine.initialization_token, software)
    _device, foreign_token = initialize_device(db_session, theirs.initialization_token, software)
    event_level = _scoped(registry, ("event",))
    assert _mismatches(app, event_level, {"Authorization": f"Device {own_token}"}, 403) == []
    assert _mismatches(app, _scoped(registry), {"Authorization": f"Device {foreign_token}"}, 403) == []
