"""A real S3-compatible server for the S3 backend tests: moto's server speaks the S3 HTTP
protocol on a local port, so boto3 goes through its real code paths."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key: str = "lastro-test"
    secret_key: str = "lastro-test-secret"
    region: str = "us-east-1"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        port = server._server.server_port  # type: ignore[union-attr]
        yield S3Server(f"http://127.0.0.1:{port}")
    finally:
        server.stop()


def make_bucket(server: S3Server, name: str) -> None:
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint_url,
        aws_access_key_id=server.access_key,
        aws_secret_access_key=server.secret_key,
        region_name=server.region,
    )
    client.create_bucket(Bucket=name)
