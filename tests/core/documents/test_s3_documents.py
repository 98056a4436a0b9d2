"""The documents API end to end on the S3 backend (a real S3-compatible server)."""

from __future__ import annotations

import hashlib
import os
import uuid

import httpx
import pytest

from lastro.core.documents.api import documents_for
from lastro.core.documents.storage import S3ObjectStore
from lastro.settings import Settings
from tests.conftest import TEST_SECRET, DatabaseUrls, Factory
from tests.core.documents.conftest import S3Server, make_bucket
from tests.core.documents.helpers import PDF, upload


class S3Settings(Settings):
    """The settings the lead adds to ``Settings``; declared here so this test runs before."""

    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str | None = None


@pytest.fixture
def settings(database_urls: DatabaseUrls, tmp_path: object, s3_server: S3Server) -> Settings:
    bucket = f"lastro-{uuid.uuid4().hex[:12]}"
    make_bucket(s3_server, bucket)
    return S3Settings(
        environment="test",
        secret_key=TEST_SECRET,
        data_dir=tmp_path,
        database_url=database_urls.app,
        migration_database_url=database_urls.owner,
        database_pool_size=5,
        log_level="WARNING",
        max_body_bytes=64 * 1024 * 1024,  # uploads need more than the API's default 1 MiB
        s3_bucket=bucket,
        s3_endpoint_url=s3_server.endpoint_url,
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,
        s3_region=s3_server.region,
    )


async def test_upload_download_link_erase_on_s3(
    client: httpx.AsyncClient, factory: Factory, settings: Settings
) -> None:
    store = documents_for(settings).store
    assert isinstance(store, S3ObjectStore)
    a = await factory.tenant()
    content = PDF + os.urandom(9 * 1024 * 1024)  # above boto3's multipart threshold
    settings_max = 32 * 1024 * 1024
    await client.put(
        "/api/v1/document-policies",
        headers=a.headers,
        json={"category": "*", "max_bytes": settings_max},
    )
    r = await upload(client, a.headers, "grande.pdf", content)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["sha256"] == hashlib.sha256(content).hexdigest()
    keys = [o["Key"] for o in store.client.list_objects_v2(Bucket=store.bucket).get("Contents", [])]
    assert len(keys) == 1 and keys[0].startswith(f"{a.id}/{doc['id']}/v1-")

    got = await client.get(f"/api/v1/documents/{doc['id']}/download", headers=a.headers)
    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == doc["sha256"]
    link = (
        await client.post(f"/api/v1/documents/{doc['id']}/links", headers=a.headers, json={})
    ).json()
    public = await client.get(link["url"])
    assert public.status_code == 200 and len(public.content) == len(content)

    assert (
        await client.post(f"/api/v1/documents/{doc['id']}/erase", headers=a.headers)
    ).status_code == 204
    assert store.client.list_objects_v2(Bucket=store.bucket).get("KeyCount", 0) == 0
