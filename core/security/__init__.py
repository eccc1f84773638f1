"""Identity and permissions: sessions, CSRF, the security policy, staff admin mode, login views.

Modules: :mod:`~core.security.permissions` (catalogue), :mod:`~core.security.evaluation` (team
unions), :mod:`~core.security.identity` (principals, token authenticator),
:mod:`~core.security.sessions` (cookie session, login/logout), :mod:`~core.security.staff` (admin
mode), :mod:`~core.security.policy` (the Pyramid policy), :mod:`~core.security.passwords`
(argon2), :mod:`~core.security.views` (login, logout, admin mode pages), :mod:`~core.security.wiring`
(what ``config.include("core.security")`` sets up).

This package module stays import-light: ``core.security.permissions`` is imported by directive
modules and models-free code, so the policy and its dependencies load only when included.
"""

from __future__ import annotations

from pyramid.config import Configurator


def includeme(config: Configurator) -> None:
    config.include("core.security.wiring")
