"""huey configuration from the deployment settings, and a real SqliteHuey consumer."""

from __future__ import annotations

import os
import signal
import time

import pytest
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from core.configuration import ConfigurationError
from core.db.session import unit_of_work
from core.models import Organizer
from core.tasks import huey, run_consumer
from core.tasks.queue import TicketryHuey
from tests.core.tasks import sample_tasks as t


@pytest.fixture
def fresh():
    instance = TicketryHuey()
    yield instance
    instance.storage.close()


def test_default_is_sqlite_in_var_dir(fresh, tmp_path):
    fresh.configure({"ticketry.var_dir": str(tmp_path / "var"), "ticketry.huey.url": "",
                     "ticketry.huey.immediate": False})
    assert isinstance(fresh.storage, SqliteStorage)
    assert fresh.storage.filename == str(tmp_path / "var" / "tasks.sqlite3")
    assert not fresh.immediate


def test_redis_url_selects_redis(fresh, tmp_path):
    fresh.configure({"ticketry.var_dir": str(tmp_path), "ticketry.huey.url": "redis://127.0.0.1:6379/3",
                     "ticketry.huey.immediate": False})
    assert isinstance(fresh.storage, RedisStorage)
    assert fresh.storage.conn.connection_pool.connection_kwargs["db"] == 3


def test_immediate_uses_memory(fresh, tmp_path):
    fresh.configure({"ticketry.var_dir": str(tmp_path), "ticketry.huey.url": "", "ticketry.huey.immediate": True})
    assert isinstance(fresh.storage, MemoryStorage)
    assert fresh.immediate


def test_bad_url_names_the_setting(fresh, tmp_path):
    with pytest.raises(ConfigurationError, match=r"ticketry\.huey\.url"):
        fresh.configure({"ticketry.var_dir": str(tmp_path), "ticketry.huey.url": "amqp://x"})


def test_building_an_app_configures_the_module_instance(plugin_config, tmp_path):
    config = plugin_config(**{"ticketry.huey.immediate": "false", "ticketry.var_dir": str(tmp_path)})
    try:
        assert huey.registry is config.registry
        assert isinstance(huey.storage, SqliteStorage)
        assert huey.storage.filename == str(tmp_path / "tasks.sqlite3")
        assert not huey.immediate
    finally:
        huey.storage.close()
        huey.immediate = True


def test_worker_refuses_immediate_mode(huey_immediate, registry):
    with pytest.raises(ConfigurationError, match="immediate"):
        run_consumer(registry)


@pytest.fixture
def sqlite_queue(registry, tmp_path):
    previous = (huey.storage, huey._immediate, huey.registry)
    huey.storage = SqliteStorage("ticketry", filename=str(tmp_path / "tasks.sqlite3"))
    huey._immediate = False
    huey.registry = registry
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield huey
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        huey.storage.close()
        huey.storage, huey._immediate, huey.registry = previous


def test_real_consumer_thread_runs_queued_task(sqlite_queue, registry, connection):
    with unit_of_work(registry) as session:
        organizer = Organizer(slug="queued", name="Before")
        session.add(organizer)
        session.flush()
        organizer_id = organizer.id
    t.rename_organizer(organizer_id, "Renamed by the worker")
    assert sqlite_queue.pending_count() == 1
    consumer = sqlite_queue.create_consumer(workers=1, worker_type="thread", periodic=False, initial_delay=0.05)
    consumer.start()
    try:
        deadline = time.monotonic() + 10
        while sqlite_queue.pending_count() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
    finally:
        consumer.stop(graceful=True)
    assert sqlite_queue.pending_count() == 0
    with unit_of_work(registry) as session:
        assert session.get(Organizer, organizer_id).name == "Renamed by the worker"
    assert os.path.exists(sqlite_queue.storage.filename)
