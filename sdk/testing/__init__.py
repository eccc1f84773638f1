"""pytest plugin for Ticketry and its plugins (entry point ``pytest11: ticketry``).

Fixtures: ``ticketry_settings``, ``config``, ``registry``, ``app`` (webtest), ``db_session`` (rolled back
after each test), ``tm`` (the test's transaction manager), ``organizer``, ``event``, ``user`` and the
fixtures of the concern modules re-exported below. The database is SQLite in a temporary folder,
or the PostgreSQL database named by ``TICKETRY_TEST_DATABASE_URL``.
"""

from sdk.testing.fixtures_api import api_client, api_headers, count_queries, make_api_token
from sdk.testing.fixtures_commerce import catalogue, order_factory
from sdk.testing.fixtures_db import (
    app,
    config,
    connection,
    db_engine,
    db_session,
    event,
    organizer,
    other_organizer,
    record_statements,
    registry,
    ticketry_settings,
    tm,
    user,
)
from sdk.testing.fixtures_migrations import empty_database_url, empty_engine
from sdk.testing.fixtures_payments import item, item_price, make_order, scoped, web
from sdk.testing.fixtures_plugins import (
    _ticketry_enabled_plugins,
    make_fake_plugin,
    plugin_config,
    signal_log,
)
from sdk.testing.fixtures_security import cheap_password_hashing, login, team, token
from sdk.testing.fixtures_settings import event_settings, organizer_settings, platform_settings
from sdk.testing.fixtures_tasks import frozen_time, huey_immediate, mailoutbox
from sdk.testing.fixtures_webhooks import webhook_sender

__all__ = [
    "_ticketry_enabled_plugins", "api_client", "api_headers", "app", "catalogue", "cheap_password_hashing", "config",
    "connection", "count_queries", "db_engine", "db_session", "empty_database_url", "empty_engine", "event",
    "event_settings",
    "frozen_time", "huey_immediate", "item", "item_price", "login", "mailoutbox", "make_api_token", "make_fake_plugin",
    "make_order", "order_factory", "organizer", "organizer_settings", "other_organizer", "platform_settings",
    "plugin_config", "record_statements", "registry",
    "scoped", "signal_log", "team", "ticketry_settings", "tm", "token", "user", "web",
    "webhook_sender",
]


def pytest_configure(config):  # type: ignore[no-untyped-def]
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (TICKETRY_TEST_DATABASE_URL)")
