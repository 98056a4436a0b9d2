"""What a tenant pays for and may use: plans, subscriptions, usage metering and plan limits,
invoices and their collection.

Modules report usage through :mod:`lastro.core.billing.usage` only; the core refuses the action
that would exceed a limit (402 ``PLAN_LIMIT_REACHED``) and raises alerts at 90 %.
"""

from __future__ import annotations

from lastro.core.modules import ModuleSpec, ServiceParts


def build_spec(parts: ServiceParts) -> ModuleSpec:
    """Invoices, the provider webhook, the billing page, and the runs that keep them going."""
    from lastro.core.billing.service_spec import build

    return build(parts)
