"""Every table of the banking module (one models file per area), for Alembic and the tests."""

from __future__ import annotations

import importlib

from lastro.modules.banking import AREAS

for _area in AREAS:
    try:
        importlib.import_module(f"lastro.modules.banking.{_area}.models")
    except ModuleNotFoundError as exc:  # an area without tables
        if exc.name != f"lastro.modules.banking.{_area}.models":
            raise
