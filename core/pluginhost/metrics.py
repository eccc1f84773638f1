"""Cheap per-plugin counters: dispatch time and failures (hosting dashboards, ``ticketry check``)."""

from __future__ import annotations

from collections import Counter, defaultdict


class PluginMetrics:
    """Counters kept on ``registry.plugin_metrics``; in-process only, reset at start-up.

    ``calls[plugin]`` and ``seconds[plugin]`` count handler, slot and periodic calls and the time
    spent in them; ``failures[(plugin, scope_key)]`` counts failures contained by the ROBUST policy,
    where ``scope_key`` is ``"event:<id>"``, ``"organizer:<id>"`` or ``"platform"``.
    """

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.failures: Counter[tuple[str, str]] = Counter()

    def timed(self, plugin: str, seconds: float) -> None:
        self.calls[plugin] += 1
        self.seconds[plugin] += seconds

    def failed(self, plugin: str, scope_key: str) -> None:
        self.failures[(plugin, scope_key)] += 1

    def failures_of(self, plugin: str) -> int:
        return sum(n for (name, _scope), n in self.failures.items() if name == plugin)
