"""HTTP benchmark of the REST API: a ticket rush through ``POST /orders/`` and the order list page.

Usage::

    python bench/api.py --database-url postgresql+psycopg://ticketry:ticketry@127.0.0.1/ticketry_bench

The database is wiped, then ``--servers`` waitress processes (``--threads`` each) serve the application on
free local ports, as N stateless workers behind a load balancer would. ``--clients`` (64) clients, spread over
the servers, each with a keep-alive connection (:mod:`bench.http_clients`), ``POST`` one-ticket orders with an API token
until the quota of ``--quota`` (2,000) is sold out; 409 answers (lock timeouts) are retried. It prints orders per
minute, p50/p99 latency of the successful requests and the oversell count (from the database). Then
``--seed-orders`` (100,000) orders are bulk-inserted, the database is vacuumed and analysed (as autovacuum keeps
it), and the first, a middle and the last page of ``GET /orders/`` (50 orders each) are timed (median of 20 after
a warm-up). Exit status 1 when a target is missed: >= 5,000 orders/min, p99 < 1 s, no oversell, order list page
< 50 ms.
"""

from __future__ import annotations

import argparse
import multiprocessing
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from sqlalchemy import text

from bench.http_clients import rush
from bench.rush import (
    DEFAULT_URL,
    RushEvent,
    build_registry,
    seed_orders,
    setup_rush_event,
    sold_and_oversold,
)
from core.db import scope, unit_of_work
from core.models import Organizer

SECRET = "api-benchmark-secret-key-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(url: str, port: int, threads: int, var_dir: str) -> None:
    import logging

    import waitress

    from core.app import main

    logging.disable(logging.WARNING)
    app = main(None, **{
        "ticketry.database_url": url, "ticketry.secret_key": SECRET, "ticketry.var_dir": var_dir,
        "ticketry.huey.immediate": "false", "ticketry.mail.backend": "memory",
        "ticketry.site_url": f"http://127.0.0.1:{port}",
    })
    waitress.serve(app, host="127.0.0.1", port=port, threads=threads, connection_limit=1000, backlog=1024,
                   channel_timeout=120, _quiet=True)


def start_servers(url: str, servers: int, threads: int) -> tuple[list[Any], list[str]]:
    """``servers`` waitress processes on free ports; returns the processes and their base URLs once all answer."""
    context = multiprocessing.get_context("spawn")
    var_dir = tempfile.mkdtemp(prefix="ticketry-apibench-")
    ports = [_free_port() for _ in range(servers)]
    processes = [context.Process(target=_serve, args=(url, port, threads, var_dir), daemon=True) for port in ports]
    for process in processes:
        process.start()
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    deadline = time.monotonic() + 60
    for base in bases:
        while True:
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"server {base} did not answer /healthz within 60 s")
            time.sleep(0.2)
    return processes, bases


def api_token(registry: Any, organizer_id: int) -> str:
    """The plaintext of a new API token of an all-permissions team of the organizer."""
    from core.services.teams import create_team, create_token

    with unit_of_work(registry) as session, scope(organizer_id):
        organizer = session.get(Organizer, organizer_id)
        team = create_team(session, organizer, "Bench", all_events=True, all_event_permissions=True,
                           all_organizer_permissions=True)
        _token, plaintext = create_token(session, team, "bench")
    return plaintext


def http_rush(bases: list[str], token: str, clients: int, rush_event: RushEvent) -> dict[str, Any]:
    """``clients`` keep-alive connections ordering one ticket per request until the quota is sold out."""
    path = "/api/v1/organizers/rush/events/rush/orders/"
    body = {"email": "buyer@example.org", "locale": "en", "sales_channel": "web",
            "positions": [{"item": rush_event.item_id}]}
    outcome = rush(bases, path, token, body, clients)
    return {"orders": len(outcome.latencies), "wall": outcome.wall, "latencies": sorted(outcome.latencies),
            "retries": outcome.retries, "errors": outcome.errors}


def time_order_list(base: str, token: str, count: int, runs: int = 20) -> dict[str, float]:
    """Median time of the first, a middle and the last page (50 orders) of the order list."""
    http = requests.Session()
    http.headers["Authorization"] = f"Token {token}"
    url = base + "/api/v1/organizers/rush/events/rush/orders/"
    last = max(1, -(-count // 50))
    pages = {"first": 1, "middle": max(1, last // 2), "last": last}
    results = {}
    for name, page in pages.items():
        timings = []
        http.get(url, params={"page": page, "page_size": 50}, timeout=60)  # warm-up, not timed
        for _ in range(runs):
            start = time.perf_counter()
            response = http.get(url, params={"page": page, "page_size": 50}, timeout=60)
            timings.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise SystemExit(f"order list page {page}: {response.status_code} {response.text[:200]}")
        results[name] = statistics.median(timings)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--servers", type=int, default=2, help="waitress processes serving the application")
    parser.add_argument("--threads", type=int, default=1,
                        help="waitress threads per server process (more threads of one interpreter queue on its GIL)")
    parser.add_argument("--quota", type=int, default=2000)
    parser.add_argument("--seed-orders", type=int, default=100_000)
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        parser.error("the API benchmark needs PostgreSQL (--database-url postgresql+psycopg://...)")
    registry = build_registry(args.database_url, 4)
    rush_event = setup_rush_event(registry, args.quota)
    token = api_token(registry, rush_event.organizer_id)
    processes, bases = start_servers(args.database_url, args.servers, args.threads)
    try:
        result = http_rush(bases, token, args.clients, rush_event)
        sold, oversell = sold_and_oversold(registry, rush_event)
        latencies = result["latencies"] or [float("nan")]
        per_minute = result["orders"] / result["wall"] * 60
        p50 = statistics.median(latencies)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"HTTP rush: {args.clients} clients, {args.servers} server process(es) x {args.threads} threads, "
              f"quota {args.quota}: {result['orders']} orders in {result['wall']:.1f} s")
        print(f"  orders/min      {per_minute:,.0f}")
        p90 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.9))]
        print(f"  latency p50     {p50 * 1000:.1f} ms   p90 {p90 * 1000:.1f} ms   p99 {p99 * 1000:.1f} ms   "
              f"max {latencies[-1] * 1000:.1f} ms")
        print(f"  409 retries     {result['retries']}   other answers {result['errors'] or 'none'}")
        print(f"  sold {sold} of {args.quota}: oversell {oversell}")
        seed_orders(registry, rush_event.organizer_id, rush_event.event_id, 1, args.seed_orders)
        # The state autovacuum keeps a table in: statistics, and a visibility map for index-only scans (the
        # count and the page ids); right after a bulk insert the count would read the whole table.
        with registry.db_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        pages = time_order_list(bases[0], token, args.seed_orders + sold)
        print(f"order list (50 per page) at {args.seed_orders + sold:,} orders: "
              + ", ".join(f"{name} {value * 1000:.1f} ms" for name, value in pages.items()))
    finally:
        for process in processes:
            process.terminate()
            process.join(5)
    ok = (per_minute >= 5000 and p99 < 1 and oversell == 0 and sold == args.quota
          and max(pages.values()) < 0.05)
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
