"""Roles map to permission strings; modules add their own permissions to the same roles.

Permission strings are ``<area>.<action>`` (``audit.read``, ``consorcio.grupos.write``). A role
holding ``*`` has every permission.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

ROLES: tuple[str, ...] = (
    "platform_admin",
    "tenant_admin",
    "manager",
    "operator",
    "agent",
    "customer",
)
TENANT_ROLES: tuple[str, ...] = ROLES[1:]

_grants: dict[str, set[str]] = {
    "platform_admin": {"*"},
    "tenant_admin": {
        "me.read",
        "audit.read",
        "users.read",
        "users.manage",
        "tenant.settings",
        "br.inspect",
        "api_keys.manage",
        "reseller.manage",  # only takes effect when the tenant is a reseller
    },
    "manager": {"me.read", "users.read", "br.inspect"},
    "operator": {"me.read", "br.inspect"},
    "agent": {"me.read"},
    "customer": {"me.read"},
}


def grant(grants: Mapping[str, Iterable[str]]) -> None:
    """Add a module's permissions to roles (called once per module at start-up)."""
    for role, permissions in grants.items():
        if role not in _grants:
            raise ValueError(f"unknown role {role!r}")
        _grants[role].update(permissions)


def permissions_for(role: str) -> frozenset[str]:
    return frozenset(_grants.get(role, ()))


def has_permission(granted: Iterable[str], wanted: str) -> bool:
    granted_set = granted if isinstance(granted, (set, frozenset)) else set(granted)
    return "*" in granted_set or wanted in granted_set
