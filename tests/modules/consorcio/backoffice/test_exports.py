"""Every staff list exports through the core exports service, as CSV and XLSX, with the
page's filters; the dashboard API; tenant isolation over this area's API."""

from __future__ import annotations

import csv
import io

import httpx
import openpyxl

from lastro.core.exports.registry import sources
from lastro.core.runtime import Runtime
from tests.architecture.isolation import IsolationCase, assert_tenant_isolation
from tests.conftest import Factory
from tests.modules.consorcio.backoffice.conftest import consorcio_tenant, page_cookies
from tests.modules.consorcio.backoffice.support import build_portfolio, retorno_paying

STREAM = "/api/v1/exports/stream"
OURS = (
    "groups",
    "quotas",
    "consorciados",
    "group_rules",
    "group_prices",
    "group_postings",
    "billing_runs",
    "installments",
    "charges",
    "payments",
    "imports",
    "import_exceptions",
    "delinquency",
)


def _csv(text: str) -> list[list[str]]:
    return list(
        csv.reader(
            io.StringIO(text.lstrip("\ufeff")),
            delimiter=";" if ";" in text.splitlines()[0] else ",",
        )
    )


async def test_every_list_exports_csv_and_xlsx(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await consorcio_tenant(factory)
    p = await build_portfolio(runtime, tenant.id)
    page_cookies(client, tenant.access_token)
    await client.get("/consorcio/pagamentos")
    content = await retorno_paying(runtime, tenant.id, count=2)
    await client.post(
        "/consorcio/pagamentos",
        data={"csrf": str(client.cookies.get("lastro_csrf"))},
        files={"file": ("R1.RET", content, "text/plain")},
    )
    client.cookies.clear()
    registered = sources()
    expected_rows = {
        "groups": 1,
        "quotas": 5,
        "consorciados": 5,
        "group_rules": 1,
        "group_prices": 1,
        "group_postings": 1,  # the payments area posts a group's day in one entry
        "billing_runs": 1,
        "installments": 5,
        "charges": 5,
        "payments": 2,
        "imports": 1,
        "import_exceptions": 1,
    }
    for name in OURS:
        source = f"consorcio.{name}"
        assert source in registered, source
        r = await client.get(
            STREAM, params={"source": source, "format": "csv"}, headers=tenant.headers
        )
        assert r.status_code == 200, (source, r.text)
        rows = _csv(r.text)
        assert rows[0][0] == registered[source].columns[0].label
        if name in expected_rows:
            assert len(rows) - 1 == expected_rows[name], (source, rows)
        x = await client.get(
            STREAM, params={"source": source, "format": "xlsx"}, headers=tenant.headers
        )
        assert x.status_code == 200, (source, x.text)
        book = openpyxl.load_workbook(io.BytesIO(x.content), read_only=True)
        sheet = book.worksheets[0]
        values = [
            row for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)
        ]
        assert any(registered[source].columns[0].label in [str(v) for v in row] for row in values)

    quotas = _csv(
        (
            await client.get(
                STREAM,
                params={
                    "source": "consorcio.quotas",
                    "format": "csv",
                    "q": "Maria",
                    "group_id": str(p.group_id),
                },
                headers=tenant.headers,
            )
        ).text
    )
    assert len(quotas) == 2 and "Maria Aparecida Souza" in quotas[1]
    bad = await client.get(
        STREAM,
        params={"source": "consorcio.quotas", "format": "csv", "group_id": "x"},
        headers=tenant.headers,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "EXPORT_FILTER_INVALID"


async def test_dashboard_api_and_isolation(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    owner = await consorcio_tenant(factory)
    p = await build_portfolio(runtime, owner.id)
    r = await client.get("/api/v1/consorcio/dashboard", headers=owner.headers)
    assert r.status_code == 200
    body = r.json()
    assert body["active_quotas"] == 5
    assert body["groups_by_status"] == {"em_andamento": 1}
    month = next(m for m in body["billing_by_month"] if m["month"] == p.month)
    assert month["installments"] == 5 and month["billed"] == "35100.00"

    intruder = await consorcio_tenant(factory)
    other = await client.get("/api/v1/consorcio/dashboard", headers=intruder.headers)
    assert other.json()["active_quotas"] == 0
    for source in ("consorcio.quotas", "consorcio.charges"):
        leaked = await client.get(
            STREAM, params={"source": source, "format": "csv"}, headers=intruder.headers
        )
        assert leaked.status_code == 200 and "Maria Aparecida" not in leaked.text
        assert len(_csv(leaked.text)) == 1

    app = client._transport.app  # type: ignore[attr-defined]
    await assert_tenant_isolation(
        IsolationCase(
            app=app,
            client=client,
            owner_headers=owner.headers,
            intruder_headers=intruder.headers,
            resources={"group_id": str(p.group_id), "quota_id": str(p.quota_ids[0])},
            only_prefixes=("/api/v1/consorcio/dashboard",),
        )
    )
