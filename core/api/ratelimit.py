"""Optional API rate limit: at most ``ticketry.api.rate_limit`` requests per minute per principal.

Off when the setting is 0 (the default): the tween is then left out of the chain. A principal is the
credential a request carries (the SHA-1 of its ``Authorization`` header and session cookie, so one API
token, device or OAuth access token each); requests without any credential count per client address.
Requests under ``/api/`` are counted in fixed one-minute windows in the database
(:func:`core.services.api_calls.count_request`, one upsert per request), so every process and host
sharing the database shares the limit. Beyond the limit the answer is 429 with DRF's message and a
``Retry-After`` of the seconds left in the minute. A fixed window lets a client send up to twice the
limit across a minute boundary.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response

from core.api.idempotency import credentials_of, json_response
from core.services.api_calls import count_request

SETTING = "ticketry.api.rate_limit"


def principal_hash(request: Request) -> str:
    """SHA-1 of the request's credentials, or of its client address when it carries none."""
    credentials = credentials_of(request) or f"address:{request.client_addr or ''}"
    return hashlib.sha1(credentials.encode(), usedforsecurity=False).hexdigest()


def throttled_message(wait: int) -> str:
    return f"Request was throttled. Expected available in {wait} second{'' if wait == 1 else 's'}."


def rate_limit_tween_factory(handler: Callable[[Request], Response], registry: Any) -> Callable[[Request], Response]:
    """The tween, or ``handler`` itself when no limit is configured."""
    limit = registry.settings[SETTING]
    if not limit:
        return handler

    def rate_limit_tween(request: Request) -> Response:
        if not request.path_info.startswith("/api/"):
            return handler(request)
        count, wait = count_request(registry.dbsession_factory, principal_hash(request))
        if count > limit:
            return json_response(429, {"detail": throttled_message(wait)}, {"Retry-After": str(wait)})
        return handler(request)

    return rate_limit_tween


def includeme(config: Configurator) -> None:
    """Install the tween above the idempotency tween (a refused request claims no idempotency key)."""
    config.add_tween("core.api.ratelimit.rate_limit_tween_factory",
                     over="core.api.idempotency.idempotency_tween_factory")
