"""Small helpers shared by the documents tests."""

from __future__ import annotations

from typing import Any

import httpx

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    name: str,
    content: bytes,
    *,
    declared: str = "application/octet-stream",
    path: str = "/api/v1/documents",
    **form: str,
) -> httpx.Response:
    return await client.post(
        path, headers=headers, files={"file": (name, content, declared)}, data=form
    )


async def download(client: httpx.AsyncClient, url: str, **kwargs: Any) -> httpx.Response:
    return await client.get(url, **kwargs)
