"""The OAuth token endpoints: ``POST /oauth/token/`` and ``POST /oauth/revoke_token/`` (RFC 6749, RFC 7009).

Both take form-encoded (or JSON) parameters and authenticate the client with HTTP Basic
(``client_id:client_secret``) or with ``client_id``/``client_secret`` in the body. Answers follow the
RFCs rather than pretix's ``{"detail": ...}``: ``{"error": ..., "error_description": ...}`` with 400,
or 401 for a failed client authentication. Errors are returned, not raised, so that the revocation a
replayed code or refresh token causes is committed.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import unquote_plus

from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response
from pyramid.security import NO_PERMISSION_REQUIRED

from core.api.endpoints import read_json
from core.models import OAuthApplication
from core.services.oauth import OAuthError, authenticate_client, exchange_code, refresh, revoke_token

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _answer(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(status=status, content_type="application/json", charset="utf-8",
                        body=json.dumps(body).encode() if body is not None else b"")
    response.headers.update({**_NO_STORE, **(headers or {})})
    return response


def _error(exc: OAuthError) -> Response:
    headers = {"WWW-Authenticate": 'Basic realm="api"'} if exc.status == 401 else None
    return _answer(exc.body(), exc.status, headers)


def _params(request: Request) -> dict[str, str]:
    data = read_json(request)
    if not isinstance(data, dict):
        raise OAuthError("invalid_request", "The parameters must be form-encoded.")
    return {key: value for key, value in data.items() if isinstance(value, str)}


def _client(request: Request, params: dict[str, str]) -> OAuthApplication:
    scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "Malformed Basic credentials.", status=401) from None
        client_id, _, secret = decoded.partition(":")
        return authenticate_client(request.dbsession, unquote_plus(client_id), unquote_plus(secret))
    return authenticate_client(request.dbsession, params.get("client_id", ""), params.get("client_secret", ""))


def token(request: Request) -> Response:
    """``grant_type=authorization_code`` (``code``, ``redirect_uri``, ``code_verifier``) or ``refresh_token``."""
    try:
        params = _params(request)
        app = _client(request, params)
        grant_type = params.get("grant_type", "")
        if grant_type == "authorization_code":
            if not params.get("code"):
                raise OAuthError("invalid_request", "Missing code.")
            body = exchange_code(request.dbsession, app, params["code"], params.get("redirect_uri"),
                                 params.get("code_verifier"))
        elif grant_type == "refresh_token":
            if not params.get("refresh_token"):
                raise OAuthError("invalid_request", "Missing refresh_token.")
            body = refresh(request.dbsession, app, params["refresh_token"], params.get("scope"))
        else:
            raise OAuthError("unsupported_grant_type", "Use authorization_code or refresh_token.")
    except OAuthError as exc:
        return _error(exc)
    return _answer(body)


def revoke(request: Request) -> Response:
    """Revoke ``token`` (``token_type_hint`` optional); unknown tokens are answered 200 as well."""
    try:
        params = _params(request)
        app = _client(request, params)
        if not params.get("token"):
            raise OAuthError("invalid_request", "Missing token.")
        revoke_token(request.dbsession, app, params["token"], params.get("token_type_hint"))
    except OAuthError as exc:
        return _error(exc)
    return _answer(None)


def includeme(config: Configurator) -> None:
    tags = ("oauth",)
    config.add_api_view(token, path="/oauth/token/", method="POST", permission=NO_PERMISSION_REQUIRED,
                        summary="Trade an authorization code or a refresh token for tokens", tags=tags)
    config.add_api_view(revoke, path="/oauth/revoke_token/", method="POST", permission=NO_PERMISSION_REQUIRED,
                        summary="Revoke an access or refresh token", tags=tags)
