"""Idempotent API requests: the ``X-Idempotency-Key`` tween and ``GET /api/v1/idempotency_query/``.

A write request (any method but GET, HEAD and OPTIONS) under ``/api/`` that carries a non-empty
``X-Idempotency-Key`` header runs at most once per caller and key within 24 hours. The caller is the
SHA-1 of its ``Authorization`` header followed by its session cookie. The first request claims the key
in a transaction of its own (:func:`core.services.api_calls.begin_call`), runs, and its response
(status, headers, body) is stored; a repeat gets that response replayed verbatim, whatever its method,
path or body. While the first request runs, a repeat is answered 409 with ``Retry-After: 5``.
Responses 409, 429, 500 and 503 are not stored, so the key may be retried.

The tween sits above pyramid_tm: the response is stored only after the request's transaction has
committed, and a failed commit leaves no stored response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response

from core.api.endpoints import ANY_PRINCIPAL
from core.api.errors import Conflict, NotFound
from core.api.schemas import ApiInput
from core.models.api_calls import KEY_MAX_LENGTH
from core.services.api_calls import StoredResponse, begin_call, drop_call, finish_call, response_of, stored_call

IDEMPOTENCY_HEADER = "X-Idempotency-Key"
#: Methods that never change anything: their requests run every time.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The session cookie of :mod:`core.security.sessions`, part of the caller's scope.
SESSION_COOKIE = "ticketry_session"
#: Seconds a client should wait before repeating a request whose first run is not finished.
RETRY_AFTER = "5"
CONCURRENT = "Concurrent request with idempotency key."


def credentials_of(request: Request) -> str:
    """The caller's credentials as sent: ``Authorization`` header and session cookie ("" if neither)."""
    return request.headers.get("Authorization", "") + request.cookies.get(SESSION_COOKIE, "")


def scope_hash(request: Request) -> str:
    """The SHA-1 hex digest of :func:`credentials_of` (stored calls are only visible to the same credentials)."""
    return hashlib.sha1(credentials_of(request).encode(), usedforsecurity=False).hexdigest()


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON response built outside the exception views (tweens answer before any view runs)."""
    response = Response(body=json.dumps(body).encode(), status=status, content_type="application/json",
                        charset="utf-8")
    response.headers.update(headers or {})
    return response


def replay(stored: StoredResponse) -> Response:
    """The stored response again: same status, header pairs and body."""
    response = Response(status=stored.status, headerlist=list(stored.headers))
    response.body = stored.body
    return response


def idempotency_tween_factory(handler: Callable[[Request], Response], registry: Any) -> Callable[[Request], Response]:
    """The tween (see the module docstring); the session factory is read per request (tests swap it)."""

    def idempotency_tween(request: Request) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if not key or request.method in SAFE_METHODS or not request.path_info.startswith("/api/"):
            return handler(request)
        if len(key) > KEY_MAX_LENGTH:
            return json_response(400, {"detail": f"The idempotency key must not be longer than {KEY_MAX_LENGTH} "
                                                 "characters."})
        factory = registry.dbsession_factory
        claim = begin_call(factory, scope_hash(request), key)
        if claim.stored is not None:
            return replay(claim.stored)
        if claim.call_id is None:
            return json_response(409, {"detail": CONCURRENT}, {"Retry-After": RETRY_AFTER})
        try:
            response = handler(request)
        except BaseException:
            drop_call(factory, claim.call_id)
            raise
        finish_call(factory, claim.call_id, response.status_code, response.headerlist, response.body)
        return response

    return idempotency_tween


class IdempotencyQuery(ApiInput):
    key: str


def idempotency_query(request: Request) -> Response:
    """The response stored for the caller's ``key``: 404 if unknown (or expired), 409 while still running."""
    call = stored_call(request.dbsession, scope_hash(request), request.api_query.key)
    if call is None:
        raise NotFound("Idempotency key not seen before.")
    stored = response_of(call)
    if stored is None:
        raise Conflict(CONCURRENT, {"Retry-After": RETRY_AFTER})
    return replay(stored)


def includeme(config: Configurator) -> None:
    """Install the tween above pyramid_tm and register the query endpoint."""
    config.add_tween("core.api.idempotency.idempotency_tween_factory", over="pyramid_tm.tm_tween_factory")
    config.add_api_view(idempotency_query, path="/idempotency_query/", method="GET", permission=ANY_PRINCIPAL,
                        query=IdempotencyQuery, summary="The stored response of an idempotent request",
                        tags=("meta",))
