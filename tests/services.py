"""Which real services the suite runs against, and the CI rule: in CI a missing one fails.

``LASTRO_TEST_DATABASE_URL`` (PostgreSQL, an owner/superuser URL), ``LASTRO_TEST_REDIS_URL`` and
``LASTRO_TEST_BROKER_URL`` name them. Outside CI an unset variable skips that backend.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def service_url(var: str) -> str | None:
    value = os.environ.get(var) or None
    if value is None and IN_CI:
        pytest.fail(f"CI=true but {var} is not set: real services are required in CI")
    return value


def database_backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("LASTRO_TEST_DATABASE_URL") or IN_CI:
        backends.append("postgres")
    return backends
