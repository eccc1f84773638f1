"""Who is making a request: identities and the authenticators that recognise them."""

from __future__ import annotations

from zope.interface import Attribute, Interface


class IIdentity(Interface):
    """The principal of a request: a logged-in user, a team API token, later a device or an OAuth grant.

    ``request.identity`` is one of these (or None for anonymous requests). The security policy asks
    it for permissions; :func:`core.logs.log_action` asks it which actor columns to fill.

    Implementations must be cheap to keep for one request and must not hold a database session
    beyond it.
    """

    kind = Attribute("Short name of the principal type: 'user', 'token' (core); 'device', 'oauth' (later).")
    userid = Attribute("A stable string id, unique across kinds (e.g. 'user:12', 'token:7'); Pyramid's userid.")
    user = Attribute("The User acting, or None (tokens and devices act for no user).")
    staff = Attribute("True while a staff (admin mode) session is active: every permission check passes.")
    csrf_exempt = Attribute(
        "True when the credential arrives in a header a browser never sends on its own (Authorization), "
        "so unsafe requests need no CSRF token. Cookie-based identities are never exempt."
    )

    def permissions(session, organizer_id, event_id):
        """The :class:`core.security.evaluation.PermissionSet` on ``organizer_id`` (and ``event_id``, or None).

        Called at most once per (organizer, event) and request (the policy caches the result).
        Must use a constant number of queries. An organizer the principal cannot reach yields an
        empty set, never an error.
        """

    def log_fields():
        """The actor columns of a log entry this principal writes, e.g. ``{"user_id": 3}``."""


class IAuthenticator(Interface):
    """Recognises one kind of credential on a request (``config.add_authenticator``).

    Authenticators are tried in ascending ``order`` (then name); the first that returns an identity
    wins. Core: ``token`` (``Authorization: Token ...``, order 10) and ``session`` (login cookie,
    order 100). Header-based authenticators list their scheme in ``schemes``; a request whose
    ``Authorization`` scheme is claimed by an authenticator is never authenticated by the session,
    and CSRF checks do not apply to it.
    """

    schemes = Attribute("Authorization header schemes handled, lower case (e.g. ('token',)); () for none.")

    def authenticate(request):
        """Return an :class:`IIdentity` for the request's credential, or None when it carries none of this kind.

        Raise :class:`core.security.identity.AuthenticationFailed` when a credential of this kind
        is present but invalid (unknown, revoked, expired): the request is answered with 401
        instead of being treated as anonymous. Runs inside the request transaction; must not write
        except for bookkeeping of its own (e.g. a last-seen timestamp).
        """
