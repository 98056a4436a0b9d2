"""``lastro banking ...``: each area may ship ``<area>/cli.py`` with a Typer ``app``, mounted
under the area's name (``lastro banking <area> ...``). Areas import their work lazily, so
``lastro --help`` stays fast."""

from __future__ import annotations

import importlib

import typer

from lastro.modules.banking import AREAS

app = typer.Typer(help="Conta digital: rotinas de operação.", no_args_is_help=True)

for _area in AREAS:
    try:
        _cli = importlib.import_module(f"lastro.modules.banking.{_area}.cli")
    except ModuleNotFoundError as exc:
        if exc.name != f"lastro.modules.banking.{_area}.cli":
            raise
        continue
    app.add_typer(_cli.app, name=_area)
