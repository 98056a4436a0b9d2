from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from lastro.infra.locks import (
    LockManager,
    LockNotAcquired,
    MemoryLockManager,
    RedisLockManager,
    build_lock_manager,
)


async def test_mutual_exclusion_among_concurrent_tasks(
    make_locks: Callable[[], LockManager],
) -> None:
    managers = [make_locks(), make_locks()]  # two "processes" for Redis
    inside = 0
    most_inside = 0
    order: list[int] = []

    async def worker(i: int) -> None:
        nonlocal inside, most_inside
        async with managers[i % 2].lock("job", timeout=30, blocking_timeout=None):
            inside += 1
            most_inside = max(most_inside, inside)
            await asyncio.sleep(0.005)
            order.append(i)
            inside -= 1

    await asyncio.gather(*(worker(i) for i in range(12)))
    assert most_inside == 1
    assert sorted(order) == list(range(12))


async def test_different_names_do_not_block_each_other(locks: LockManager) -> None:
    async with locks.lock("a"), locks.lock("b", blocking_timeout=0):
        pass


async def test_times_out_with_lock_not_acquired(locks: LockManager) -> None:
    async with locks.lock("busy"):
        with pytest.raises(LockNotAcquired) as caught:
            async with locks.lock("busy", blocking_timeout=0.1):
                pytest.fail("acquired a held lock")
        with pytest.raises(LockNotAcquired):
            async with locks.lock("busy", blocking_timeout=0):
                pytest.fail("acquired a held lock")
    err = caught.value
    assert err.status == 409
    assert err.code == "LOCK_NOT_ACQUIRED"
    assert "tente novamente" in err.detail
    async with locks.lock("busy", blocking_timeout=0):  # free again after release
        pass


async def test_waiter_gets_lock_once_released(locks: LockManager) -> None:
    released = asyncio.Event()
    got_it = asyncio.Event()

    async def holder() -> None:
        async with locks.lock("handoff"):
            await released.wait()

    async def waiter() -> None:
        async with locks.lock("handoff", blocking_timeout=None):
            got_it.set()

    h = asyncio.create_task(holder())
    await asyncio.sleep(0.05)
    w = asyncio.create_task(waiter())
    await asyncio.sleep(0.05)
    assert not got_it.is_set()
    released.set()
    await asyncio.wait_for(asyncio.gather(h, w), 10)
    assert got_it.is_set()


async def test_lock_of_a_holder_that_never_releases_expires(
    make_locks: Callable[[], LockManager],
) -> None:
    crashed, survivor = make_locks(), make_locks()  # two "processes" for Redis
    dead = crashed.lock("cron", timeout=0.3)
    await dead.__aenter__()  # the holder "dies": it never leaves the block
    with pytest.raises(LockNotAcquired):
        async with survivor.lock("cron", blocking_timeout=0):
            pass
    async with survivor.lock("cron", blocking_timeout=10):
        pass
    await dead.__aexit__(None, None, None)  # only so the test leaves nothing behind


async def test_expired_holder_does_not_release_the_next_holder(
    locks: LockManager, caplog: pytest.LogCaptureFixture
) -> None:
    first = locks.lock("slow", timeout=0.1)
    await first.__aenter__()
    await asyncio.sleep(0.3)  # the first holder overran its timeout
    second = locks.lock("slow", blocking_timeout=0)
    await second.__aenter__()
    with caplog.at_level(logging.WARNING, logger="lastro.infra.locks"):
        await first.__aexit__(None, None, None)
    assert "expired" in caplog.text
    with pytest.raises(LockNotAcquired):
        async with locks.lock("slow", blocking_timeout=0):
            pass
    await second.__aexit__(None, None, None)


async def test_memory_locks_are_cleaned_up_when_unused() -> None:
    locks = MemoryLockManager()
    async with locks.lock("a"):
        assert len(locks) == 1
    assert len(locks) == 0
    async with locks.lock("b"):
        with pytest.raises(LockNotAcquired):
            async with locks.lock("b", blocking_timeout=0.01):
                pass
    assert len(locks) == 0


async def test_cancelled_waiter_leaves_no_state() -> None:
    locks = MemoryLockManager()
    async with locks.lock("x"):
        waiter = asyncio.create_task(locks.lock("x", blocking_timeout=None).__aenter__())
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    assert len(locks) == 0


async def test_invalid_arguments(locks: LockManager) -> None:
    with pytest.raises(ValueError):
        locks.lock("x", timeout=0)
    with pytest.raises(ValueError):
        locks.lock("x", blocking_timeout=-1)


async def test_build_lock_manager() -> None:
    assert isinstance(build_lock_manager(None), MemoryLockManager)
    manager = build_lock_manager("redis://127.0.0.1:6379/15")
    assert isinstance(manager, RedisLockManager)
    await manager.close()
