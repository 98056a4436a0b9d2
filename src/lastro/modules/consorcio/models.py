"""Every table of the consorcio module (one models file per area), for Alembic and the tests."""

from __future__ import annotations

import importlib

from lastro.modules.consorcio import AREAS

for _area in AREAS:
    try:
        importlib.import_module(f"lastro.modules.consorcio.{_area}.models")
    except ModuleNotFoundError as exc:  # an area without tables
        if exc.name != f"lastro.modules.consorcio.{_area}.models":
            raise
