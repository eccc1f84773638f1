"""``config.include("core.security")``: sessions, the security policy, CSRF, authenticators, admin mode audit."""

from __future__ import annotations

from pyramid.config import Configurator
from pyramid.events import ContextFound
from pyramid.request import Request

import core.services.teams  # noqa: F401  (installs the flush-time check of team permission dicts)
from core.security.devices import DeviceAuthenticator
from core.security.identity import TokenAuthenticator
from core.security.oauth import BearerAuthenticator
from core.security.permissions import DECLARED_PERMISSION_REQUIRED
from core.security.policy import TicketrySecurityPolicy, permission_set
from core.security.sessions import SessionAuthenticator, make_session_factory
from core.security.staff import audit_request


def csrf_applies(request: Request) -> bool:
    """CSRF tokens are required unless the identity comes from a header a browser never sends by itself."""
    identity = request.identity
    return identity is None or not identity.csrf_exempt


def includeme(config: Configurator) -> None:
    # pyramid_tm would resolve the identity above the exception views; a rejected credential must
    # become a 401 response there, so identities are resolved lazily inside the request instead.
    config.add_settings({"tm.annotate_user": False})
    config.set_session_factory(make_session_factory(config.get_settings()))
    config.set_security_policy(TicketrySecurityPolicy())
    config.set_default_permission(DECLARED_PERMISSION_REQUIRED)
    config.set_default_csrf_options(require_csrf=True, callback=csrf_applies)
    config.add_authenticator(TokenAuthenticator(), "token", order=10)
    config.add_authenticator(DeviceAuthenticator(), "device", order=20)
    config.add_authenticator(BearerAuthenticator(), "bearer", order=30)
    config.add_authenticator(SessionAuthenticator(), "session", order=100)
    config.add_request_method(permission_set, "permission_set")
    config.add_subscriber(audit_request, ContextFound)
    config.include("core.security.views")
    config.include("core.security.devices")
    config.include("core.security.oauth")
