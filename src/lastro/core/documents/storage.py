"""Object stores: where document bytes live. Local directory by default, S3-compatible when
``s3_bucket`` is configured. Both stream in chunks, so no whole file sits in memory.

Keys are built by the service from ids (``<tenant>/<document>/<version>-<random>``) and checked
here again, so a key can never leave the tenant's prefix or the store's root.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

import anyio

from lastro.settings import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

CHUNK = 256 * 1024
_KEY = re.compile(r"^[0-9a-f-]{36}(/[A-Za-z0-9._-]{1,120}){1,4}$")


def check_key(key: str) -> str:
    if not _KEY.match(key) or ".." in key:
        raise ValueError(f"invalid object key {key!r}")
    return key


class ObjectStore(Protocol):
    async def put(self, key: str, source: BinaryIO) -> None:
        """Store ``source`` (read from its current position to the end) under ``key``."""

    def open(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes in chunks; raises ``FileNotFoundError`` when missing."""

    async def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error (erasure is idempotent)."""

    async def exists(self, key: str) -> bool: ...


class LocalObjectStore:
    """A directory tree; writes go to a temporary file that is renamed into place."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, source: BinaryIO) -> None:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as out:
                    shutil.copyfileobj(source, out, CHUNK)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise

        await anyio.to_thread.run_sync(write)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        handle = await anyio.to_thread.run_sync(path.open, "rb")
        try:
            while chunk := await anyio.to_thread.run_sync(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))

    async def exists(self, key: str) -> bool:
        path = self._path(key)
        return await anyio.to_thread.run_sync(path.is_file)


class S3ObjectStore:
    """Any S3-compatible service (AWS, MinIO, Ceph...). boto3 is synchronous, so each call
    runs in a worker thread; uploads go through boto3's transfer manager (multipart above
    8 MiB) and downloads are read from the response stream chunk by chunk."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str | None = None,
        prefix: str = "",
    ) -> None:
        import boto3

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client: S3Client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            region_name=region or None,
        )

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def put(self, key: str, source: BinaryIO) -> None:
        await anyio.to_thread.run_sync(
            lambda: self.client.upload_fileobj(source, self.bucket, self._key(key))
        )

    async def open(self, key: str) -> AsyncIterator[bytes]:
        name = self._key(key)

        def get() -> Any:
            try:
                return self.client.get_object(Bucket=self.bucket, Key=name)["Body"]
            except self.client.exceptions.NoSuchKey as exc:
                raise FileNotFoundError(key) from exc

        body = await anyio.to_thread.run_sync(get)
        try:
            while chunk := await anyio.to_thread.run_sync(body.read, CHUNK):
                yield chunk
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        name = self._key(key)
        await anyio.to_thread.run_sync(
            lambda: self.client.delete_object(Bucket=self.bucket, Key=name)
        )

    async def exists(self, key: str) -> bool:
        name = self._key(key)

        def head() -> bool:
            try:
                self.client.head_object(Bucket=self.bucket, Key=name)
            except self.client.exceptions.ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return False
                raise
            return True

        return await anyio.to_thread.run_sync(head)


def build_object_store(settings: Settings) -> ObjectStore:
    """S3 when ``s3_bucket`` is set (settings the lead adds; read with defaults until then),
    else ``<data_dir>/objects``."""
    bucket = getattr(settings, "s3_bucket", None)
    if bucket:
        return S3ObjectStore(
            bucket,
            endpoint_url=getattr(settings, "s3_endpoint_url", None),
            access_key=getattr(settings, "s3_access_key", None),
            secret_key=getattr(settings, "s3_secret_key", None),
            region=getattr(settings, "s3_region", None),
            prefix=getattr(settings, "s3_prefix", "") or "",
        )
    return LocalObjectStore(Path(settings.data_dir) / "objects")
