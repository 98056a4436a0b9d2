"""Delivery limits, read from the process settings (``LASTRO_WEBHOOK_*``) with safe defaults."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from lastro.settings import Settings


@dataclass(frozen=True)
class WebhookPolicy:
    secret_key: str
    production: bool = False
    timeout_seconds: float = 10.0
    max_attempts: int = 15
    base_delay_seconds: float = 30.0
    max_delay_seconds: float = 12 * 3600.0
    disable_after_days: float = 3.0
    response_max_bytes: int = 2048
    batch: int = 100
    concurrency: int = 10
    rotation_grace_hours: int = 24

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookPolicy:
        def get(name: str, default: Any) -> Any:
            return getattr(settings, f"webhook_{name}", default)

        return cls(
            secret_key=settings.secret_key,
            production=settings.is_production,
            timeout_seconds=float(get("timeout_seconds", cls.timeout_seconds)),
            max_attempts=int(get("max_attempts", cls.max_attempts)),
            base_delay_seconds=float(get("base_delay_seconds", cls.base_delay_seconds)),
            max_delay_seconds=float(get("max_delay_seconds", cls.max_delay_seconds)),
            disable_after_days=float(get("disable_after_days", cls.disable_after_days)),
            response_max_bytes=int(get("response_max_bytes", cls.response_max_bytes)),
        )

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds before retrying after failed ``attempt`` (1-based): exponential, capped,
        with "equal jitter" (half fixed, half random) so failed bursts spread out."""
        growth = float(2 ** max(0, min(attempt - 1, 40)))
        ceiling = min(self.max_delay_seconds, self.base_delay_seconds * growth)
        return ceiling / 2 + (rng or _rng).uniform(0, ceiling / 2)


_rng = random.Random()  # noqa: S311 - jitter, not security
