"""The load generator of :mod:`bench.api`: N keep-alive HTTP/1.1 clients on one asyncio loop.

The clients share the machine's two cores with the servers and the database, so they must cost little: one
thread and one event loop drive all connections, each request is a prepared byte string, and a response is read
as its status line, its headers (for ``Content-Length``) and its body. A thread per client with ``http.client``
cost ~4 ms of CPU per order (thread switches of 64 threads and the e-mail header parser), a third of what a
server spends on the order itself.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

#: More unexpected answers than this stop the rush (a broken setup, not a benchmark).
MAX_ERRORS = 50


@dataclass
class RushOutcome:
    """What the clients saw: latencies of the created orders, lock-timeout retries, other answers."""

    latencies: list[float] = field(default_factory=list)
    retries: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    wall: float = 0.0
    sold_out: bool = False

    def error(self, key: str) -> None:
        self.errors[key] = self.errors.get(key, 0) + 1


def post_request(host: str, path: str, token: str, body: dict[str, Any]) -> bytes:
    """The bytes of one keep-alive ``POST`` of ``body`` as JSON with an API token."""
    payload = json.dumps(body).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Token {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n")
    return head.encode() + payload


async def _response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed by the server")
    status = int(status_line.split(b" ", 2)[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def _client(base: str, request: bytes, outcome: RushOutcome, start: asyncio.Event) -> None:
    address = urlsplit(base)
    reader, writer = await asyncio.open_connection(address.hostname, address.port)
    await start.wait()
    try:
        while not outcome.sold_out:
            began = time.perf_counter()
            writer.write(request)
            try:
                status, answer = await _response(reader)
            except (OSError, ConnectionError, asyncio.IncompleteReadError) as exc:
                outcome.error(type(exc).__name__)
                writer.close()
                reader, writer = await asyncio.open_connection(address.hostname, address.port)
                continue
            elapsed = time.perf_counter() - began
            if status == 201:
                outcome.latencies.append(elapsed)
            elif status == 409:
                outcome.retries += 1
            elif status == 400 and "positions" in json.loads(answer):
                outcome.sold_out = True
            else:
                outcome.error(f"{status} {answer[:120]!r}")
                if sum(outcome.errors.values()) > MAX_ERRORS:
                    outcome.sold_out = True
    finally:
        writer.close()


async def _rush(bases: Sequence[str], requests: Sequence[bytes], clients: int) -> RushOutcome:
    outcome = RushOutcome()
    start = asyncio.Event()
    tasks = [asyncio.create_task(_client(bases[n % len(bases)], requests[n % len(bases)], outcome, start))
             for n in range(clients)]
    await asyncio.sleep(0.5)  # every connection open before the clock starts
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    outcome.wall = time.perf_counter() - began
    return outcome


def rush(bases: Sequence[str], path: str, token: str, body: dict[str, Any], clients: int) -> RushOutcome:
    """``clients`` connections spread over ``bases`` POST ``body`` to ``path`` until the answer is a 400 about
    the positions (sold out); a 409 (lock timeout) is retried."""
    requests = [post_request(urlsplit(base).netloc, path, token, body) for base in bases]
    return asyncio.run(_rush(bases, requests, clients))
