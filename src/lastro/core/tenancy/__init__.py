"""Tenancy, enforced in one place.

Every ORM statement touching a :class:`~lastro.kit.orm.TenantScoped` entity is filtered by the
tenant bound to its session, and every new tenant row is stamped with it. A session with no tenant
bound refuses such statements (fail closed); the only bypass is :func:`bind_platform`, used by the
platform's own cross-tenant work. PostgreSQL row-level security is the second line of defence.
"""

from lastro.core.tenancy.guard import TenancyNotBound, install_tenancy_guard
from lastro.infra.database import bind_platform, bind_tenant, bound_tenant

__all__ = [
    "TenancyNotBound",
    "bind_platform",
    "bind_tenant",
    "bound_tenant",
    "install_tenancy_guard",
]
