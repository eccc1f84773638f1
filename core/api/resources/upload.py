"""``POST /api/v1/upload``: a raw file body -> ``{"id": "file:<uuid>"}``, usable for a day by the same principal.

The request names the type in ``Content-Type`` (PNG, JPEG, GIF or PDF) and the file in
``Content-Disposition: attachment; filename="logo.png"``. The id is accepted by file settings and
file answers (:func:`core.services.uploads.resolve_upload`). pretix's path has no trailing slash; both
spellings are served.
"""

from __future__ import annotations

import uuid
from email.message import Message
from typing import Any

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.security import NO_PERMISSION_REQUIRED

from core.api.context import ApiRootResource
from core.api.endpoints import ANY_PRINCIPAL, API_PREFIX, dispatch
from core.api.errors import ApiError
from core.services.uploads import MAX_SIZE, UploadError, store_upload

PATH = "/upload/"
ALIAS_ROUTE = "api:/upload"


def _filename(header: str) -> str | None:
    message = Message()
    message["Content-Disposition"] = header
    return message.get_filename()


def upload(request: Request) -> dict[str, Any]:
    disposition = request.headers.get("Content-Disposition", "")
    filename = _filename(disposition) if disposition else None
    if not filename:
        raise ApiError(400, 'Missing filename. Request header "Content-Disposition" should include a "filename" '
                            'parameter.')
    if request.content_length and request.content_length > MAX_SIZE:
        raise ApiError(400, f"The file is too large (at most {MAX_SIZE // (1024 * 1024)} MB).")
    try:
        stored = store_upload(request.dbsession, request.identity.userid, filename, request.content_type or "",
                              request.body)
    except UploadError as exc:
        raise ApiError(400, str(exc)) from None
    return {"id": f"file:{uuid.UUID(hex=stored.id)}"}


def includeme(config: Configurator) -> None:
    endpoint = config.add_api_view(upload, path=PATH, method="POST", permission=ANY_PRINCIPAL, status=201,
                                   summary="Upload a file (image or PDF) for settings and answers", tags=("upload",))
    config.add_route(ALIAS_ROUTE, API_PREFIX + PATH.rstrip("/"), factory=ApiRootResource)
    config.registry.api_routes[ALIAS_ROUTE] = config.registry.api_routes[endpoint.route_name]
    config.add_view(dispatch, route_name=ALIAS_ROUTE, permission=NO_PERMISSION_REQUIRED)
