"""Optional API rate limit: off by default, 429 with Retry-After per credential and minute, shared through the
database by every app process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import webtest
from pyramid.interfaces import ITweens
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.api.ratelimit import throttled_message
from core.configuration import ConfigurationError, load
from core.models.api_calls import ApiCall, ApiRateCounter
from core.services.api_calls import count_request

VERSION = "/api/v1/version/"


def _app(plugin_config: Callable[..., Any], limit: int) -> webtest.TestApp:
    config = plugin_config(**{"ticketry.api.rate_limit": str(limit)})
    return webtest.TestApp(config.make_wsgi_app(), extra_environ={"HTTP_HOST": "localhost"})


def _tween_names(registry: Any) -> list[str]:
    return [name for name, _factory in registry.queryUtility(ITweens).implicit()]


def test_off_by_default(app: webtest.TestApp, registry: Any, db_session: Session) -> None:
    assert registry.settings["ticketry.api.rate_limit"] == 0
    names = _tween_names(registry)
    order = ["core.api.ratelimit.rate_limit_tween_factory", "core.api.idempotency.idempotency_tween_factory",
             "pyramid_tm.tm_tween_factory"]
    assert [name for name in names if name in order] == order
    for _ in range(5):
        app.get(VERSION, status=200)
    assert db_session.scalars(select(ApiRateCounter)).all() == []


def test_negative_limit_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"ticketry\.api\.rate_limit"):
        load({"ticketry.secret_key": "x", "ticketry.api.rate_limit": "-1"}, environ={})


def test_limit_per_credential_with_retry_after(plugin_config: Callable[..., Any], organizer: Any,
                                               make_api_token: Callable[..., dict[str, str]]) -> None:
    app = _app(plugin_config, 3)
    alice, bob = make_api_token(organizer), make_api_token(organizer)
    for _ in range(3):
        app.get(VERSION, headers=alice, status=200)
    refused = app.get(VERSION, headers=alice, status=429)
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 60 and refused.json == {"detail": throttled_message(wait)}
    app.get(VERSION, headers=bob, status=200)
    for _ in range(3):
        app.get(VERSION, status=200)
    app.get(VERSION, status=429)
    assert app.get("/", expect_errors=True).status_code != 429


def test_throttled_writes_claim_no_idempotency_key(plugin_config: Callable[..., Any], organizer: Any, event: Any,
                                                   make_api_token: Callable[..., dict[str, str]],
                                                   db_session: Session) -> None:
    app = _app(plugin_config, 1)
    headers = {**make_api_token(organizer, everything=True), "X-Idempotency-Key": "k-1"}
    app.get(VERSION, headers=headers, status=200)
    app.post_json("/api/v1/organizers/demo/events/conf/taxrules/", {"name": {"en": "VAT"}, "rate": "19"},
                  headers=headers, status=429)
    assert db_session.scalars(select(ApiCall)).all() == []


def test_counter_is_shared_between_processes(plugin_config: Callable[..., Any], organizer: Any,
                                             make_api_token: Callable[..., dict[str, str]]) -> None:
    first, second = _app(plugin_config, 3), _app(plugin_config, 3)
    token = make_api_token(organizer)
    first.get(VERSION, headers=token, status=200)
    second.get(VERSION, headers=token, status=200)
    first.get(VERSION, headers=token, status=200)
    second.get(VERSION, headers=token, status=429)


def test_windows_are_minutes(registry: Any, connection: Any) -> None:
    factory = registry.dbsession_factory
    start = datetime(2030, 1, 1, 12, 0, 15, tzinfo=UTC)
    assert count_request(factory, "p" * 40, now=start) == (1, 45)
    assert count_request(factory, "p" * 40, now=start.replace(second=59)) == (2, 1)
    assert count_request(factory, "q" * 40, now=start) == (1, 45)
    assert count_request(factory, "p" * 40, now=start.replace(minute=1, second=0)) == (1, 60)


def test_throttled_message_matches_drf() -> None:
    assert throttled_message(1) == "Request was throttled. Expected available in 1 second."
    assert throttled_message(42) == "Request was throttled. Expected available in 42 seconds."
