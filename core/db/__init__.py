"""Database access: declarative base, engines and sessions, tenant scoping, migrations."""

from core.db.base import Base, BigId, IdPK, TenantMixin
from core.db.session import make_engine, unit_of_work
from core.db.tenancy import TenantScopeError, scope, scopes_disabled

__all__ = [
    "Base", "BigId", "IdPK", "TenantMixin", "TenantScopeError", "make_engine", "scope", "scopes_disabled",
    "unit_of_work",
]
