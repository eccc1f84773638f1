"""Shared helpers of the order API tests."""

from __future__ import annotations

BASE = "/organizers/demo/events/conf/orders/"
