"""Per-tenant configuration declared by modules, and feature flags by tenant and plan.

A module (or core service) declares ``ModuleSpec.settings``: a pydantic model whose fields all
have defaults. Tenants override values through ``/api/v1/settings/{namespace}`` or the
``/settings`` page (audited, cached, invalidated on change); code reads them with
:func:`get_settings_for` or the :func:`settings_dependency` of a route. Feature flags are
defined by platform admins (``/api/v1/platform/flags``) and read with :func:`is_enabled`.
"""

from __future__ import annotations

from pathlib import Path

from lastro.core.config.deps import settings_dependency
from lastro.core.config.flags import is_enabled
from lastro.core.config.service import get_settings_for
from lastro.core.modules import ModuleSpec, ServiceParts

__all__ = ["build_spec", "get_settings_for", "is_enabled", "settings_dependency"]

TEMPLATES = Path(__file__).parent / "templates"


def build_spec(parts: ServiceParts) -> ModuleSpec:
    """This service's routes, jobs, schedules and event handlers, for the composition root."""
    from lastro.core.config import endpoints, flag_endpoints, pages
    from lastro.core.config.cache import use_cache

    use_cache(parts.cache)
    del flag_endpoints  # imported for the routes it adds to endpoints.router
    return ModuleSpec(
        name="core.config",
        title="Configurações",
        description="Configurações por empresa e feature flags.",
        router=endpoints.router,
        pages=pages.router,
        templates=TEMPLATES,
    )
