"""Both object stores against real backends: a local directory and an S3-compatible server."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from pathlib import Path

import pytest

from lastro.core.documents.storage import (
    LocalObjectStore,
    ObjectStore,
    S3ObjectStore,
    check_key,
)
from tests.core.documents.conftest import S3Server, make_bucket


async def _read(store: ObjectStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.open(key)])


async def _exercise(store: ObjectStore) -> None:
    key = f"{uuid.uuid4()}/{uuid.uuid4()}/v1-abc"
    payload = os.urandom(3 * 1024 * 1024 + 17)  # several chunks, not a multiple of one
    source = io.BytesIO(b"prefix" + payload)
    source.seek(6)  # stores from the current position
    assert not await store.exists(key)
    await store.put(key, source)
    assert await store.exists(key)
    stored = await _read(store, key)
    assert hashlib.sha256(stored).digest() == hashlib.sha256(payload).digest()
    await store.put(key, io.BytesIO(b"replaced"))
    assert await _read(store, key) == b"replaced"
    await store.delete(key)
    await store.delete(key)  # idempotent
    assert not await store.exists(key)
    with pytest.raises(FileNotFoundError):
        await _read(store, key)


async def test_local_store(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    await _exercise(store)
    leftovers = [p for p in (tmp_path / "objects").rglob("*") if p.is_file()]
    assert leftovers == []  # no temporary files left behind


async def test_local_write_is_atomic_on_failure(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    key = f"{uuid.uuid4()}/doc/v1-x"
    await store.put(key, io.BytesIO(b"old"))

    class Broken(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError("disk went away")

    with pytest.raises(OSError, match="disk went away"):
        await store.put(key, Broken(b"new"))
    assert await _read(store, key) == b"old"
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


async def test_s3_store(s3_server: S3Server) -> None:
    bucket = f"lastro-{uuid.uuid4().hex[:12]}"
    make_bucket(s3_server, bucket)
    store = S3ObjectStore(
        bucket,
        endpoint_url=s3_server.endpoint_url,
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
        region=s3_server.region,
        prefix="docs",
    )
    await _exercise(store)


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "abc",
        "0b5c3c1e-8f5d-4a57-9d7e-3f0c2a1b4c5d/../../x",
        "0b5c3c1e-8f5d-4a57-9d7e-3f0c2a1b4c5d/a b",
        "/abs/path",
    ],
)
def test_keys_cannot_escape(key: str) -> None:
    with pytest.raises(ValueError, match="invalid object key"):
        check_key(key)
