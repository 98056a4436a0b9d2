"""Events the SaaS core publishes for other parts (notifications, dashboards) to act on."""

from __future__ import annotations

from typing import ClassVar

from lastro.kit.events import Event, register_event


@register_event
class UsageThresholdReached(Event):
    """A tenant reached 90 % or 100 % of a plan limit: alert its admin and the platform."""

    topic: ClassVar[str] = "billing.usage.threshold_reached"
    metric: str
    threshold: int
    value: int
    limit: int
    period: str = ""
