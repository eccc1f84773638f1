"""Rush benchmark: N concurrent clients place 1-position orders through the service layer until sold out.

Usage::

    python bench/rush.py --database-url postgresql+psycopg://ticketry:ticketry@127.0.0.1/ticketry_bench

``--workers`` (2, one per core) forked worker processes place the orders, one at a time each, taking the requests
of ``--clients`` (64) clients from one queue, as the worker processes of a deployment take requests from one
listening socket; each client has one request at a time and sends the next when its answer comes, until the quota
of ``--quota`` (2,000) is sold out. A worker opens a database session (``unit_of_work``) per order, loads the event
and organizer as a request's context does and calls :func:`core.services.orders.place_order` for one ticket; lock
timeouts are retried. Tasks (webhook notification) are queued, not run, as in a deployment with workers. Latency
is from sending a request to its answer, queueing included.
It prints orders per minute, p50/p99 latency, SQL statements per order, lock retries and the oversell count (must
be 0). Then it seeds ``--seed-orders`` (100,000) orders over ``--quotas`` (100) quotas with bulk inserts and times
:func:`core.services.quotas.availability` for all of them. The database is wiped first.
Exit status 1 when a target is missed: >= 5,000 orders/min, p99 < 1 s, availability < 20 ms, no oversell.

Other rush drivers (e.g. over HTTP) reuse :func:`build_registry`, :func:`setup_rush_event` and
:func:`sold_and_oversold`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import multiprocessing
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyramid.threadlocal import manager
from sqlalchemy import event as sa_event
from sqlalchemy import func, insert, select, text

from core.app import make_config
from core.db import Base, scope, scopes_disabled
from core.db.session import make_engine, make_session_factory, unit_of_work
from core.i18n import I18nString
from core.locking import LockTimeout
from core.models import Event, Item, Organizer, Quota, SalesChannel
from core.models.orders import Order
from core.models.positions import OrderPosition
from core.models.quotas import quota_items
from core.resources import event_by_slugs
from core.services.errors import CommerceError
from core.services.orders import PositionRequest, place_order
from core.services.quotas import availability

DEFAULT_URL = "postgresql+psycopg://ticketry:ticketry@127.0.0.1/ticketry_bench"


@dataclass(frozen=True)
class RushEvent:
    """The rush's event: one item in one quota of ``size`` places (ids in the benchmark database)."""

    organizer_id: int
    event_id: int
    item_id: int
    quota_id: int
    size: int


def build_registry(url: str, pool_size: int, *, reset: bool = True) -> Any:
    """The configured registry with an engine for ``url``; ``reset`` drops and recreates every table.

    Tasks go to the SQLite queue in a temporary ``var_dir`` (a deployment without Redis) and are not run: workers
    do them in production, not the process that places the orders.
    """
    var = tempfile.mkdtemp(prefix="ticketry-rush-")
    config = make_config({
        "ticketry.database_url": url, "ticketry.secret_key": "rush-benchmark-secret-key-0123456789abcdef",
        "ticketry.var_dir": var, "ticketry.huey.immediate": "false", "ticketry.mail.backend": "memory",
    })
    registry = config.registry
    engine = make_engine(url, pool_size=pool_size, max_overflow=0, pool_pre_ping=False)
    registry.db_engine, registry.dbsession_factory = engine, make_session_factory(engine)
    manager.push({"registry": registry, "request": None})
    if reset:
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
    return registry


def setup_rush_event(registry: Any, size: int) -> RushEvent:
    """A live event with a web channel and one 25.00 ticket in a quota of ``size`` places."""
    with unit_of_work(registry) as session:
        with scopes_disabled():
            organizer = Organizer(slug="rush", name="Rush")
            session.add(organizer)
            session.flush()
            event = Event(organizer_id=organizer.id, slug="rush", name=I18nString({"en": "Rush"}), live=True,
                          date_from=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
            session.add(event)
            session.flush()
        with scope(organizer.id):
            session.add(SalesChannel(organizer_id=organizer.id, label=I18nString({"en": "Web"}), identifier="web",
                                     type="web"))
            item = Item(event=event, organizer_id=organizer.id, name=I18nString({"en": "Ticket"}),
                        default_price=Decimal("25.00"), admission=True)
            quota = Quota(event=event, organizer_id=organizer.id, name="Rush", size=size)
            quota.items.append(item)
            session.add_all([item, quota])
            session.flush()
            return RushEvent(organizer.id, event.id, item.id, quota.id, size)


def sold_and_oversold(registry: Any, rush_event: RushEvent) -> tuple[int, int]:
    """``(positions sold of the rush item, how many beyond the quota)``, counted from the orders."""
    with unit_of_work(registry) as session, scope(rush_event.organizer_id):
        sold = session.scalar(select(func.count()).select_from(OrderPosition)
                              .where(OrderPosition.item_id == rush_event.item_id)) or 0
    return sold, max(sold - rush_event.size, 0)


def _worker(registry: Any, rush_event: RushEvent, requests: Any, results: Any, tag: str) -> None:
    """A forked worker process: place one order per request taken from ``requests`` (``None`` ends it), one at a
    time, and answer each on ``results`` with ``(client, submitted, finished, outcome)``; the last answer is
    ``(None, statements)``."""
    registry.db_engine.dispose(close=False)
    manager.push({"registry": registry, "request": None})
    gc.collect()
    gc.freeze()  # as the WSGI entry point does
    statements = [0]

    @sa_event.listens_for(registry.db_engine, "before_cursor_execute")
    def count(*_args: Any) -> None:
        statements[0] += 1

    number = 0
    while (request := requests.get()) is not None:
        client, submitted = request
        number += 1
        try:
            with unit_of_work(registry) as session, scope(rush_event.organizer_id):
                place_order(session, event_by_slugs(session, "rush", "rush"),  # as an event route's context does
                            positions=[PositionRequest(item=rush_event.item_id)],
                            email=f"w{tag}-{number}@example.org", sales_channel="web", payment_provider="manual",
                            send_email=False)
            outcome = "ok"
        except LockTimeout:
            outcome = "retry"
        except CommerceError as exc:
            outcome = exc.key
        results.put((client, submitted, time.perf_counter(), outcome))
    results.put((None, statements[0]))


def rush(registry: Any, clients: int, workers: int, rush_event: RushEvent) -> dict[str, Any]:
    """``clients`` clients, each with one request at a time, served by ``workers`` forked worker processes that
    take the requests from one queue, until sold out (see the module docstring)."""
    context = multiprocessing.get_context("fork")
    requests, results = context.Queue(), context.Queue()
    processes = [context.Process(target=_worker, args=(registry, rush_event, requests, results, str(n)))
                 for n in range(workers)]
    for process in processes:
        process.start()
    latencies: list[float] = []
    refusals: dict[str, int] = {}
    retries = 0
    start = time.perf_counter()
    for client in range(clients):
        requests.put((client, time.perf_counter()))
    outstanding, sold_out = clients, False
    while outstanding:
        client, submitted, finished, outcome = results.get()
        outstanding -= 1
        if outcome == "ok":
            latencies.append(finished - submitted)
        elif outcome == "retry":
            retries += 1
        else:
            refusals[outcome] = refusals.get(outcome, 0) + 1
            sold_out = sold_out or outcome == "unavailable"
        if not sold_out:
            requests.put((client, time.perf_counter()))
            outstanding += 1
    wall = time.perf_counter() - start
    for _process in processes:
        requests.put(None)
    statements = 0
    for _process in processes:
        while (answer := results.get())[0] is not None:
            pass
        statements += answer[1]
    for process in processes:
        process.join()
    return {"orders": len(latencies), "wall": wall, "latencies": sorted(latencies), "refusals": refusals,
            "retries": retries, "statements": statements}


def seed_orders(registry: Any, organizer_id: int, event_id: int, quotas: int, orders: int) -> list[int]:
    """``quotas`` quotas with one item each and ``orders`` one-position orders spread over them (bulk inserts)."""
    with unit_of_work(registry) as session, scope(organizer_id):
        event = session.get(Event, event_id)
        channel = session.scalar(select(SalesChannel.id).where(SalesChannel.identifier == "web"))
        items = [Item(event=event, organizer_id=organizer_id, name=I18nString({"en": f"Item {n}"}),
                      default_price=Decimal("10.00")) for n in range(quotas)]
        quota_rows = [Quota(event=event, organizer_id=organizer_id, name=f"Q{n}", size=orders) for n in range(quotas)]
        session.add_all([*items, *quota_rows])
        session.flush()
        session.execute(insert(quota_items), [{"quota_id": q.id, "item_id": i.id}
                                              for q, i in zip(quota_rows, items, strict=True)])
        first_item = items[0].id
        session.execute(text(
            "INSERT INTO orders (organizer_id, event_id, code, status, secret, datetime, expires, total, meta_info, "
            "api_meta, last_modified, require_approval, valid_if_pending, testmode, sales_channel_id, "
            "email_known_to_work, invoice_dirty, tax_rounding_mode, checkin_attention, expiry_reminder_sent, "
            "download_reminder_sent) SELECT :org, :event, 'SEED' || g, CASE WHEN g % 3 = 0 THEN 'n' ELSE 'p' END, "
            "md5(g::text), now(), now() + interval '14 days', 10, '{}', '{}', now(), false, false, false, :channel, "
            "false, false, 'line', false, false, false FROM generate_series(1, :n) g"),
            {"org": organizer_id, "event": event_id, "channel": channel, "n": orders})
        session.execute(text(
            "INSERT INTO order_position (organizer_id, order_id, positionid, item_id, price, "
            "price_includes_rounding_correction, tax_rate, tax_value, tax_value_includes_rounding_correction, "
            "secret, web_secret, pseudonymization_id, canceled, ignore_from_quota_while_blocked, is_bundled, "
            "attendee_name_parts, meta_info) SELECT :org, o.id, 1, :first + (o.id % :quotas), 10, 0, 0, 0, 0, "
            "md5(o.id::text || 's'), substr(md5(o.id::text), 1, 16), substr(md5(o.id::text || 'p'), 1, 16), false, "
            "false, false, '{}', '{}' FROM orders o WHERE o.code LIKE 'SEED%'"),
            {"org": organizer_id, "first": first_item, "quotas": quotas})
        return [q.id for q in quota_rows]


def time_availability(registry: Any, organizer_id: int, quota_ids: list[int], runs: int = 20) -> list[float]:
    timings = []
    with unit_of_work(registry) as session, scope(organizer_id):
        session.execute(text("ANALYZE"))
        quotas = list(session.scalars(select(Quota).where(Quota.id.in_(quota_ids))))
        for _ in range(runs):
            start = time.perf_counter()
            availability(session, quotas)
            timings.append(time.perf_counter() - start)
    return sorted(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes placing the orders, one at a time each (default: one per core)")
    parser.add_argument("--quota", type=int, default=2000)
    parser.add_argument("--quotas", type=int, default=100)
    parser.add_argument("--seed-orders", type=int, default=100_000)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("the rush benchmark needs PostgreSQL (--database-url postgresql+psycopg://...)")
    workers = max(1, args.workers)
    registry = build_registry(args.database_url, 4)
    rush_event = setup_rush_event(registry, args.quota)
    registry.db_engine.dispose()
    result = rush(registry, args.clients, workers, rush_event)
    sold, oversell = sold_and_oversold(registry, rush_event)
    with unit_of_work(registry) as session, scope(rush_event.organizer_id):
        orders = session.scalar(select(func.count()).select_from(Order))
    latencies = result["latencies"]
    per_minute = result["orders"] / result["wall"] * 60
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"rush: {args.clients} clients, {workers} worker process(es), quota {args.quota}: {result['orders']} "
          f"orders in {result['wall']:.1f} s")
    print(f"  orders/min      {per_minute:,.0f}")
    print(f"  latency p50     {p50 * 1000:.1f} ms   p99 {p99 * 1000:.1f} ms")
    print(f"  statements/order {result['statements'] / max(orders, 1):.1f} (incl. refused attempts)")
    print(f"  lock retries    {result['retries']}   refusals {result['refusals']}")
    print(f"  sold {sold} of {args.quota}: oversell {oversell}")
    quota_ids = seed_orders(registry, rush_event.organizer_id, rush_event.event_id, args.quotas, args.seed_orders)
    timings = time_availability(registry, rush_event.organizer_id, quota_ids)
    median = statistics.median(timings)
    print(f"availability: {args.quotas} quotas at {args.seed_orders:,} orders: median {median * 1000:.1f} ms, "
          f"max {timings[-1] * 1000:.1f} ms")
    ok = per_minute >= 5000 and p99 < 1 and oversell == 0 and sold == args.quota and median < 0.02
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
