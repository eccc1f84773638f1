"""``GET /api/v1/openapi.json``: an OpenAPI 3.1 document generated from the registered endpoints.

Request bodies, filters and responses come from the same pydantic models that validate input and
render output, so the document cannot drift from the behaviour; plugin endpoints are included.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED

from core.api.endpoints import Endpoint

_REF = "#/components/schemas/{model}"
_ERROR = {"$ref": "#/components/schemas/Error"}
_ERRORS = {
    "400": {"description": "Invalid input: field errors {field: [messages]} or {detail}",
            "content": {"application/json": {"schema": {"type": "object"}}}},
    "401": {"description": "No or invalid credentials", "content": {"application/json": {"schema": _ERROR}}},
    "403": {"description": "Permission denied", "content": {"application/json": {"schema": _ERROR}}},
    "404": {"description": "Not found", "content": {"application/json": {"schema": _ERROR}}},
    "409": {"description": "Conflict or resource busy (see Retry-After)",
            "content": {"application/json": {"schema": _ERROR}}},
}
_SECURITY_SCHEMES = {
    "Token": {"type": "apiKey", "in": "header", "name": "Authorization",
              "description": "Team API token: `Authorization: Token <token>`"},
    "Device": {"type": "apiKey", "in": "header", "name": "Authorization",
               "description": "Device API token: `Authorization: Device <token>`"},
    "Bearer": {"type": "oauth2", "flows": {"authorizationCode": {
        "authorizationUrl": "/api/v1/oauth/authorize", "tokenUrl": "/api/v1/oauth/token",
        "refreshUrl": "/api/v1/oauth/token",
        "scopes": {"read": "Read access", "write": "Write access", "profile": "The user's profile"}}}},
}


def _operation_id(endpoint: Endpoint) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", f"{endpoint.method.lower()}_{endpoint.openapi_path}").strip("_")


def _page_schema(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": ["count", "next", "previous", "results"], "properties": {
        "count": {"type": "integer"},
        "next": {"type": ["string", "null"], "format": "uri"},
        "previous": {"type": ["string", "null"], "format": "uri"},
        "results": {"type": "array", "items": item}}}


def _query_parameters(endpoint: Endpoint, defs_by_model: dict[Any, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    if endpoint.query is not None:
        schema = endpoint.query.model_json_schema(ref_template=_REF)
        for name, prop in schema.get("properties", {}).items():
            params.append({"name": name, "in": "query", "required": False, "schema": prop,
                           "explode": True, "style": "form"})
    if endpoint.paginated:
        params += [
            {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}},
            {"name": "page_size", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 50}},
        ]
        if not any(p["name"] == "ordering" for p in params):
            params.append({"name": "ordering", "in": "query", "required": False, "schema": {"type": "string"}})
    return params


def build_document(endpoints: list[Endpoint], *, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``endpoints``."""
    models: list[tuple[type[BaseModel], str]] = []
    for endpoint in endpoints:
        if endpoint.body is not None:
            models.append((endpoint.body, "validation"))
        if endpoint.response is not None:
            models.append((endpoint.response, "serialization"))
    key_map, top = models_json_schema(sorted(set(models), key=lambda m: (m[0].__module__, m[0].__qualname__, m[1])),
                                      ref_template=_REF)
    components = dict(top.get("$defs", {}))
    components["Error"] = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in sorted(endpoints, key=lambda e: (e.openapi_path, e.method)):
        operation: dict[str, Any] = {
            "operationId": _operation_id(endpoint),
            "summary": endpoint.summary or f"{endpoint.method} {endpoint.openapi_path}",
            "tags": list(endpoint.tags) or [endpoint.owner],
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in endpoint.path_params
            ] + _query_parameters(endpoint, key_map),
            "responses": dict(_ERRORS),
        }
        if endpoint.permission is not NO_PERMISSION_REQUIRED:
            operation["security"] = [{"Token": []}, {"Device": []}, {"Bearer": []}]
            operation["x-permission"] = (list(endpoint.permission) if isinstance(endpoint.permission, tuple)
                                         else endpoint.permission)
        else:
            operation["security"] = []
        if endpoint.body is not None:
            operation["requestBody"] = {"required": endpoint.method != "PATCH", "content": {
                "application/json": {"schema": key_map[(endpoint.body, "validation")]}}}
        if endpoint.status == 204:
            operation["responses"]["204"] = {"description": "No content"}
        else:
            schema: dict[str, Any] = {}
            if endpoint.response is not None:
                schema = key_map[(endpoint.response, "serialization")]
                if endpoint.paginated:
                    schema = _page_schema(schema)
            elif endpoint.paginated:
                schema = _page_schema({})
            operation["responses"][str(endpoint.status)] = {
                "description": "Success", "content": {"application/json": {"schema": schema}}}
        paths.setdefault(endpoint.openapi_path, {})[endpoint.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Ticketry REST API", "version": version,
                 "description": "pretix-compatible REST API v1 of Ticketry."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": _SECURITY_SCHEMES},
    }


def openapi_view(request: Request) -> dict[str, Any]:
    registry = request.registry
    document = getattr(registry, "api_openapi_document", None)
    if document is None:
        from core.api.resources.meta import ticketry_version

        document = registry.api_openapi_document = build_document(registry.api_endpoints, version=ticketry_version())
    return document


def includeme(config: Configurator) -> None:
    config.add_route("api:openapi", "/api/v1/openapi.json")
    config.add_view(openapi_view, route_name="api:openapi", renderer="json", permission=NO_PERMISSION_REQUIRED)
