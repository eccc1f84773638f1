"""The core lineage: all revisions build exactly the models' schema, and downgrade to an empty database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text

from core.db import migrate
from core.db.lineages import CORE_VERSION_TABLE, core_lineage, installed_plugins


def test_upgrade_builds_the_schema_of_the_models(empty_engine: Engine) -> None:
    lineage = core_lineage()
    todo = migrate.pending(empty_engine, lineage)
    assert len(todo) == len(migrate.history(lineage)) and todo[-1:] == list(migrate.heads(lineage))
    step = migrate.upgrade(empty_engine, lineage)
    assert step.before == ()
    assert step.after == migrate.heads(lineage) == migrate.current(empty_engine, lineage)
    assert migrate.pending(empty_engine, lineage) == []
    assert migrate.check(empty_engine, lineage) == []
    tables = set(inspect(empty_engine).get_table_names())
    assert {"organizer", "event", "team", "user_account", CORE_VERSION_TABLE} <= tables
    assert not any(name.startswith(lineage.foreign_prefixes) for name in tables if lineage.foreign_prefixes)


def test_downgrade_to_base_leaves_only_the_version_table(empty_engine: Engine) -> None:
    lineage = core_lineage()
    migrate.upgrade(empty_engine, lineage)
    step = migrate.downgrade(empty_engine, lineage, "base")
    assert step.after == ()
    assert inspect(empty_engine).get_table_names() == [CORE_VERSION_TABLE]
    migrate.upgrade(empty_engine, lineage)
    assert migrate.check(empty_engine, lineage) == []


def test_check_reports_a_table_the_models_do_not_have(empty_engine: Engine) -> None:
    lineage = core_lineage()
    migrate.upgrade(empty_engine, lineage)
    with empty_engine.begin() as conn:
        conn.execute(text("CREATE TABLE stray_table (id INTEGER PRIMARY KEY)"))
    diffs = migrate.check(empty_engine, lineage)
    assert len(diffs) == 1 and "remove_table" in diffs[0] and "stray_table" in diffs[0]


def test_check_refuses_a_database_behind_its_head(empty_engine: Engine) -> None:
    with pytest.raises(migrate.MigrationError, match=r"core: the database is behind by \d+ revision.*db upgrade"):
        migrate.check(empty_engine, core_lineage())


def test_core_ignores_tables_of_installed_plugins(empty_engine: Engine) -> None:
    lineage = core_lineage([*installed_plugins(), "acme"])
    migrate.upgrade(empty_engine, lineage)
    with empty_engine.begin() as conn:
        conn.execute(text("CREATE TABLE acme_things (id INTEGER PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE alembic_version_acme (version_num VARCHAR(32) PRIMARY KEY)"))
    assert migrate.check(empty_engine, lineage) == []
    assert not lineage.owns("acme_things") and lineage.owns("organizer")
    assert not lineage.owns("alembic_version_acme") and not lineage.owns(CORE_VERSION_TABLE)


def test_history_lists_the_initial_revision_last() -> None:
    lines = migrate.history(core_lineage())
    assert lines and lines[-1].startswith("<base> -> ")
    assert "(head)" in lines[0]


def test_usage_counters_are_filled_from_existing_orders(empty_engine: Engine) -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    from core.models import Event, Item, Order, OrderPosition, Organizer, SalesChannel
    from core.models.usage import product_usage

    lineage = core_lineage()
    migrate.upgrade(empty_engine, lineage, "e3ad8830b71d")
    now = datetime(2030, 1, 1, tzinfo=UTC)
    with empty_engine.begin() as conn:
        org = conn.execute(Organizer.__table__.insert().values(slug="acme", name="Acme")).inserted_primary_key[0]
        event = conn.execute(Event.__table__.insert().values(
            organizer_id=org, slug="conf", name={"en": "Conf"}, date_from=now, last_modified=now,
        )).inserted_primary_key[0]
        item = conn.execute(Item.__table__.insert().values(
            organizer_id=org, event_id=event, name={"en": "Ticket"}, default_price=Decimal("10"),
        )).inserted_primary_key[0]
        channel = conn.execute(SalesChannel.__table__.insert().values(
            organizer_id=org, identifier="web", type="web", label={"en": "Web"},
        )).inserted_primary_key[0]
        for number, (status, canceled) in enumerate([("p", False), ("p", False), ("n", False), ("n", True),
                                                     ("c", False), ("e", False)]):
            order = conn.execute(Order.__table__.insert().values(
                organizer_id=org, event_id=event, code=f"CODE{number}", status=status, total=Decimal("10"),
                secret=f"s{number}", internal_secret=f"i{number}", datetime=now, last_modified=now,
                sales_channel_id=channel, expires=now,
            )).inserted_primary_key[0]
            conn.execute(OrderPosition.__table__.insert().values(
                organizer_id=org, order_id=order, positionid=1, item_id=item, price=Decimal("10"),
                canceled=canceled, secret=f"secret{number}", web_secret=f"web{number}",
                pseudonymization_id=f"PSEUDO{number}",
            ))
    migrate.upgrade(empty_engine, lineage)
    with empty_engine.connect() as conn:
        rows = conn.execute(product_usage.select()).mappings().all()
    assert [(r["item_id"], r["variation_id"], r["subevent_id"], r["paid"], r["pending"]) for r in rows] == [
        (item, 0, 0, 2, 1)
    ]
