"""What a tenant pays for and may use: plans, subscriptions, usage metering and plan limits.

Modules report usage through :mod:`lastro.core.billing.usage` only; the core refuses the action
that would exceed a limit (402 ``PLAN_LIMIT_REACHED``) and raises alerts at 90 %.
"""
