"""Benchmark: from process start to the first 200 answer of ``/healthz``, with every installed plugin.

Target (issue 2): under 2 s. Each run starts ``ticketry -c bench.ini serve`` (waitress) on a free
port against an SQLite database that ``ticketry init`` created and migrated, polls ``/healthz``
every 5 ms and stops the server once it answers 200. The clock runs from just before the process
is spawned, so interpreter start-up, imports, configuration, plugin discovery and loading, the
pending-migrations check and binding the socket all count. One untimed run first warms the disk
cache.

    .venv/bin/python bench/startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

TARGET_SECONDS = 2.0
DEADLINE_SECONDS = 60.0


def ticketry_command() -> str:
    """The ``ticketry`` script of this interpreter's environment."""
    beside = Path(sys.executable).with_name("ticketry")
    found = str(beside) if beside.exists() else shutil.which("ticketry")
    if not found:
        raise SystemExit("the `ticketry` command is not installed in this environment (run `make install`)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def one_run(command: list[str], log: Path) -> float:
    """Seconds from spawning the server to its first healthy answer; the server is stopped after."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/healthz"
    with log.open("ab") as out:
        start = time.perf_counter()
        process = subprocess.Popen([*command, "--host", "127.0.0.1", "--port", str(port)], stdout=out, stderr=out)
        try:
            while not healthy(url):
                if process.poll() is not None:
                    raise SystemExit(f"the server exited with status {process.returncode}; see {log}")
                if time.perf_counter() - start > DEADLINE_SECONDS:
                    raise SystemExit(f"no healthy answer within {DEADLINE_SECONDS:.0f} s; see {log}")
                time.sleep(0.005)
            return time.perf_counter() - start
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs (default 10)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    ticketry = ticketry_command()
    plugins = sorted(ep.name for ep in metadata.entry_points(group="ticketry.plugins"))
    with tempfile.TemporaryDirectory(prefix="ticketry-bench-") as tmp:
        ini = Path(tmp) / "bench.ini"
        log = Path(tmp) / "server.log"
        setup = subprocess.run([ticketry, "-c", str(ini), "init"], capture_output=True, text=True)
        if setup.returncode:
            print(setup.stdout, setup.stderr, sep="\n", file=sys.stderr)
            raise SystemExit("`ticketry init` failed")
        listing = subprocess.run([ticketry, "-c", str(ini), "plugins", "list"], capture_output=True, text=True)
        command = [ticketry, "-c", str(ini), "serve"]
        one_run(command, log)
        figures = sorted(one_run(command, log) for _ in range(args.runs))
    median = statistics.median(figures)
    p95 = figures[min(len(figures) - 1, round(0.95 * (len(figures) - 1)))]
    print(f"plugins installed ({len(plugins)}): {', '.join(plugins) or 'none'}")
    print(listing.stdout.rstrip() or listing.stderr.rstrip())
    print(f"start to first /healthz 200 over {args.runs} runs: median {median:.3f} s, p95 {p95:.3f} s, "
          f"min {figures[0]:.3f} s, max {figures[-1]:.3f} s")
    verdict = "meets" if median < TARGET_SECONDS else "MISSES"
    print(f"start-up {verdict} the target of {TARGET_SECONDS:.0f} s")
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
