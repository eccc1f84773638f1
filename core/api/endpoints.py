"""The ``config.add_api_view`` directive and the dispatcher that runs every API endpoint.

One Pyramid route per path; its single view dispatches on the HTTP method to the registered
:class:`Endpoint` (405 for a method nobody registered). The dispatcher authenticates, checks the
endpoint's permission (401 without credentials, 403 without the permission), lets the identity veto
(``api_allows``: OAuth scopes, device profiles), hides plugin endpoints where the plugin is inactive,
checks the CSRF token of cookie-based principals, validates the query string and the body with the
endpoint's pydantic models, calls the view and
renders its result as JSON. Errors are raised, so the request transaction is rolled back by pyramid_tm.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pydantic_core
from pydantic import BaseModel, ValidationError
from pyramid.config import Configurator
from pyramid.csrf import check_csrf_origin, check_csrf_token
from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED

from core.api.context import ApiEventResource, ApiOrganizerResource, ApiRootResource
from core.api.errors import (
    NON_FIELD_ERRORS,
    ApiError,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    translate_validation_error,
)
from core.config.owner import CORE, owner_of
from core.config.views import plugin_active_for
from core.configuration import ConfigurationError

API_PREFIX = "/api/v1"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
#: The largest integer a database column (BIGINT) holds; larger numbers in paths or bodies are refused.
BIGINT_MAX = 2**63 - 1
#: Largest accepted JSON body; larger bodies are refused with 400 before parsing.
MAX_BODY_BYTES = 5 * 1024 * 1024
#: Permission of platform endpoints open to any authenticated principal (user, token, device, OAuth grant).
ANY_PRINCIPAL = "api:any-principal"
_PLACEHOLDER = re.compile(r"\{(\w+)(?::[^}]*)?\}")


@dataclass(frozen=True)
class Endpoint:
    """One registered API operation (path + method); the input of routing, OpenAPI and permission tests."""

    path: str
    method: str
    view: Any
    permission: Any
    owner: str
    name: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    paginated: bool = False
    status: int = 200
    summary: str = ""
    tags: tuple[str, ...] = ()
    level: str = "platform"
    path_params: tuple[str, ...] = field(default=())

    @property
    def route_name(self) -> str:
        return route_name_for(self.path)

    @property
    def openapi_path(self) -> str:
        """The path with plain ``{name}`` placeholders (regular expressions removed), below the prefix."""
        return API_PREFIX + _PLACEHOLDER.sub(lambda m: "{" + m.group(1) + "}", self.path)


def route_name_for(path: str) -> str:
    return "api:" + _PLACEHOLDER.sub(lambda m: "{" + m.group(1) + "}", path)


def _level(params: tuple[str, ...]) -> str:
    if "event" in params:
        return "event"
    if "organizer" in params:
        return "organizer"
    return "platform"


_FACTORIES = {"event": ApiEventResource, "organizer": ApiOrganizerResource, "platform": ApiRootResource}


def add_api_view(
    config: Configurator, view: Any, *, path: str, method: str = "GET", permission: Any,
    body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None, paginated: bool = False, status: int = 200, summary: str = "",
    tags: tuple[str, ...] | list[str] = (), name: str | None = None,
) -> Endpoint:
    """Register ``view`` as the ``method`` operation of ``path`` (relative to ``/api/v1``).

    ``path`` ends with a slash, as pretix's resource URLs do; the same URL without the trailing slash is
    answered as well, because pretix clients call some endpoints that way (``/device/initialize``, ``/me``).

    ``permission`` is mandatory (a catalogue string, ``MEMBER``, a tuple meaning *any of*, or
    ``NO_PERMISSION_REQUIRED`` for deliberately public endpoints). ``body`` and ``query`` are pydantic
    models validating the JSON body and the filter parameters (the results are ``request.api_body`` and
    ``request.api_query``); ``response`` is the model of one rendered object (for OpenAPI), ``paginated``
    says the view returns :func:`core.api.pagination.paginate`'s envelope. Plugin endpoints at organizer
    or event level answer 404 where the plugin is inactive.
    """
    method = method.upper()
    if method not in METHODS:
        raise ConfigurationError(f"add_api_view({path!r}): method {method!r} is not one of {', '.join(METHODS)}")
    if not path.startswith("/") or not path.endswith("/"):
        raise ConfigurationError(f"add_api_view: path {path!r} must start and end with '/' (the form without the "
                                 "trailing slash is answered too)")
    if permission is None:
        raise ConfigurationError(f"add_api_view({method} {path}) needs permission=...")
    if permission not in (NO_PERMISSION_REQUIRED, ANY_PRINCIPAL):
        config.registry.permission_catalogue.validate(permission)
    params = tuple(m.group(1) for m in _PLACEHOLDER.finditer(path))
    owner = owner_of(config)
    endpoint = Endpoint(
        path=path, method=method, view=config.maybe_dotted(view), permission=permission, owner=owner,
        name=name or f"{route_name_for(path)}:{method}", body=body, query=query, response=response,
        paginated=paginated, status=status, summary=summary, tags=tuple(tags), level=_level(params),
        path_params=params,
    )
    routes: dict[str, dict[str, Endpoint]] = config.registry.api_routes
    methods = routes.get(endpoint.route_name)
    if methods is None:
        methods = routes[endpoint.route_name] = {}
        for name, pattern in ((endpoint.route_name, path), (endpoint.route_name + ":noslash", path[:-1])):
            routes[name] = methods
            config.add_route(name, API_PREFIX + pattern, factory=_FACTORIES[endpoint.level])
            config.add_view(dispatch, route_name=name, permission=NO_PERMISSION_REQUIRED, require_csrf=False)
    if method in methods:
        raise ConfigurationError(f"add_api_view: {method} {path} is registered twice "
                                 f"(by {methods[method].owner!r} and {owner!r})")
    methods[method] = endpoint
    config.registry.api_endpoints.append(endpoint)
    return endpoint


def dispatch(context: Any, request: Request) -> Response:
    """The view of every API route: method lookup, auth, permission, validation, the view, JSON rendering."""
    methods = request.registry.api_routes[request.matched_route.name]
    method = "GET" if request.method == "HEAD" else request.method
    endpoint = methods.get(method)
    if endpoint is None:
        raise ApiError(405, f'Method "{request.method}" not allowed.', {"Allow": ", ".join(sorted(methods))})
    request.api_endpoint = endpoint
    request.api_headers = {}
    _check_path_and_query(request)
    _authorize(context, request, endpoint)
    _check_csrf(request)
    request.api_query = _validate_query(request, endpoint.query) if endpoint.query is not None else None
    request.api_body = _validate_body(request, endpoint.body) if endpoint.body is not None else None
    result = endpoint.view(request)
    response = render(request, result, endpoint.status)
    response.headers.update(request.api_headers)
    return response


def _authorize(context: Any, request: Request, endpoint: Endpoint) -> None:
    identity = request.identity
    if endpoint.permission is not NO_PERMISSION_REQUIRED:
        if identity is None:
            raise NotAuthenticated()
        if getattr(context, "missing", False):
            raise PermissionDenied()
        if endpoint.permission != ANY_PRINCIPAL and not request.has_permission(endpoint.permission, context):
            raise PermissionDenied()
        allows = getattr(identity, "api_allows", None)
        if allows is not None and not allows(request, endpoint):
            raise PermissionDenied()
    elif getattr(context, "missing", False):
        raise NotFound()
    if endpoint.owner != CORE and endpoint.level != "platform":
        if not plugin_active_for(request, endpoint.owner, context):
            raise NotFound()


def _check_path_and_query(request: Request) -> None:
    """404 for path values no row can have (NUL, numbers beyond 64 bits); 400 for NUL in the query string."""
    for value in request.matchdict.values():
        if "\x00" in value or (value.isascii() and value.isdigit() and int(value) > BIGINT_MAX):
            raise NotFound()
    if "\x00" in request.query_string or "%00" in request.query_string:
        raise ApiError(400, "Null characters are not allowed.")


def _check_csrf(request: Request) -> None:
    """Unsafe requests of cookie-authenticated principals need the CSRF token (header or form field)."""
    identity = request.identity
    if request.method in ("GET", "HEAD", "OPTIONS") or identity is None or identity.csrf_exempt:
        return
    check_csrf_origin(request)
    check_csrf_token(request)


def _validate_query(request: Request, model: type[BaseModel]) -> BaseModel:
    data: dict[str, Any] = {}
    for key in request.GET.keys():
        info = model.model_fields.get(key)
        values = request.GET.getall(key)
        multi = info is not None and _is_list(info.annotation)
        data[key] = values if multi else values[-1]
    try:
        validated = model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(translate_validation_error(exc, data)) from None
    errors = _bad_values(validated.model_dump())
    if errors:
        raise ValidationFailed(errors)
    return validated


def _is_list(annotation: Any) -> bool:
    origin = getattr(annotation, "__origin__", None)
    if origin in (list, tuple, set, frozenset):
        return True
    return any(_is_list(arg) for arg in getattr(annotation, "__args__", ()) or ())


def read_json(request: Request) -> Any:
    """The parsed JSON body (``{}`` when empty); 400 for bodies that are too large or not JSON."""
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise ApiError(400, f"Request body too large (at most {MAX_BODY_BYTES} bytes).")
    raw = request.body
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(400, f"Request body too large (at most {MAX_BODY_BYTES} bytes).")
    content_type = request.content_type or "application/json"
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            data: Any = {key: request.POST.getall(key)[-1] for key in request.POST.keys()}
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, f"Form parse error - {exc}") from None
    elif not raw.strip():
        return {}
    else:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, f"JSON parse error - {exc}") from None
    errors = _bad_values(data)
    if errors:
        raise ValidationFailed(errors)
    return data


def _bad_values(data: Any) -> Any:
    """Field errors for values no database column can hold: NUL characters and integers beyond 64 bits."""
    if isinstance(data, str):
        return ["Null characters are not allowed."] if "\x00" in data else None
    if isinstance(data, bool):
        return None
    if isinstance(data, int):
        return None if -BIGINT_MAX - 1 <= data <= BIGINT_MAX else [
            f"Ensure this value is less than or equal to {BIGINT_MAX}."]
    if isinstance(data, dict):
        found = {key: err for key, value in data.items() if (err := _bad_values(value))}
        bad_keys = [key for key in data if "\x00" in key]
        if bad_keys:
            found.setdefault(NON_FIELD_ERRORS, []).append("Null characters are not allowed.")
        return found or None
    if isinstance(data, list):
        found_list = [_bad_values(value) or {} for value in data]
        return found_list if any(found_list) else None
    return None


def _validate_body(request: Request, model: type[BaseModel]) -> BaseModel:
    data = read_json(request)
    if not isinstance(data, dict):
        raise ValidationFailed({"non_field_errors": [
            f"Invalid data. Expected a dictionary, but got {type(data).__name__}."]})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(translate_validation_error(exc, data)) from None


def actor(request: Request) -> dict[str, Any]:
    """The keyword arguments naming the request's principal for services and ``log_action`` (``auth=...``)."""
    return {"auth": request.identity}


def render(request: Request, result: Any, status: int = 200) -> Response:
    """A JSON response for ``result`` (pydantic models, dicts, lists; None gives an empty 204)."""
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status=204 if status in (200, 204) else status)
    if isinstance(result, BaseModel):
        body = result.model_dump_json(by_alias=True).encode()
    else:
        body = pydantic_core.to_json(result, by_alias=True)
    return Response(body=body, status=status, content_type="application/json", charset="utf-8")


def includeme(config: Configurator) -> None:
    config.registry.api_routes = {}
    config.registry.api_endpoints = []
    config.add_directive("add_api_view", add_api_view)
