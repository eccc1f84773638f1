"""Exception views of ``/api/``: every failure becomes a pretix-shaped JSON answer.

The views only render; the request transaction is rolled back by pyramid_tm because the request
ended in an exception. pyramid_tm also renders a failed commit through these views, so a unique key
taken by a concurrent request (409) or a busy database (503) is a JSON answer too.
"""

from __future__ import annotations

import logging

from pyramid.config import Configurator
from pyramid.csrf import BadCSRFToken
from pyramid.httpexceptions import HTTPException, HTTPForbidden, HTTPNotFound
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from core.api.endpoints import render
from core.api.errors import ApiError
from core.locking import LockTimeout
from core.services.errors import CommerceError
from core.services.slugs import ValidationError as ModelValidationError

log = logging.getLogger(__name__)

_API_PATHS = r"^/api/"


def _json(request: Request, status: int, body: object, headers: dict[str, str] | None = None) -> Response:
    response = render(request, body, status)
    response.headers.update(headers or {})
    return response


def api_error(exc: ApiError, request: Request) -> Response:
    return _json(request, exc.status, exc.body(), exc.headers)


def commerce_error(exc: CommerceError, request: Request) -> Response:
    return _json(request, 400, {"detail": exc.message})


def model_validation_error(exc: ModelValidationError, request: Request) -> Response:
    field = exc.field.split("[", 1)[0].split(".", 1)[0] or "non_field_errors"
    return _json(request, 400, {field: [str(exc)]})


def lock_timeout(exc: LockTimeout, request: Request) -> Response:
    return _json(request, 409, {"detail": "The resource is busy, please try again in a few seconds."},
                 {"Retry-After": str(exc.retry_after)})


def not_found(exc: HTTPNotFound, request: Request) -> Response:
    return _json(request, 404, {"detail": "Not found."})


def forbidden(exc: HTTPForbidden, request: Request) -> Response:
    return _json(request, 403, {"detail": "You do not have permission to perform this action."})


def bad_csrf(exc: BadCSRFToken, request: Request) -> Response:
    return _json(request, 403, {"detail": "CSRF Failed: CSRF token missing or incorrect."})


def http_exception(exc: HTTPException, request: Request) -> Response:
    if exc.code < 400 or exc.content_type == "application/json":
        return exc
    return _json(request, exc.code, {"detail": exc.explanation or exc.title}, dict(exc.headers))


def data_error(exc: DataError, request: Request) -> Response:
    log.warning("API request %s %s: the database refused a value", request.method, request.path, exc_info=exc)
    return _json(request, 400, {"detail": "A value is out of the range or format the database can store."})


def integrity_error(exc: IntegrityError, request: Request) -> Response:
    log.warning("API request %s %s: integrity conflict", request.method, request.path, exc_info=exc)
    return _json(request, 409, {"detail": "The request conflicts with data changed at the same time; please retry."},
                 {"Retry-After": "1"})


def unexpected(exc: Exception, request: Request) -> Response:
    log.exception("API request %s %s failed", request.method, request.path)
    return _json(request, 500, {"detail": "Internal server error."})


def database_unavailable(exc: OperationalError, request: Request) -> Response:
    log.warning("API request %s %s: the database was busy or unreachable", request.method, request.path,
                exc_info=exc)
    return _json(request, 503, {"detail": "The database is busy, please try again in a moment."},
                 {"Retry-After": "1"})


def includeme(config: Configurator) -> None:
    for view, context in (
        (api_error, ApiError), (commerce_error, CommerceError),
        (model_validation_error, ModelValidationError), (lock_timeout, LockTimeout),
        (bad_csrf, BadCSRFToken), (data_error, DataError), (integrity_error, IntegrityError),
        (database_unavailable, OperationalError),
        (http_exception, HTTPException), (unexpected, Exception),
    ):
        config.add_exception_view(view, context=context, path_info=_API_PATHS)
    config.add_notfound_view(not_found, path_info=_API_PATHS)
    config.add_forbidden_view(forbidden, path_info=_API_PATHS)
