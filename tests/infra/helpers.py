"""Waiting without timed assertions: poll a condition with a generous deadline."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

DEADLINE = 15.0


async def eventually(
    condition: Callable[[], bool], *, timeout: float = DEADLINE, what: str = "condition"
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.01)


async def eventually_async(
    condition: Callable[[], Awaitable[bool]], *, timeout: float = DEADLINE, what: str = "condition"
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)
