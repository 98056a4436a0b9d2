"""The staff pages over a real portfolio: what a staff member sees, what the forms do, and
what customers and other tenants are refused."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import func, select

from lastro.core.runtime import Runtime
from lastro.modules.consorcio.billing.models import BillingRun, Installment
from lastro.modules.consorcio.payments.models import Payment, RetornoImport
from tests.conftest import Factory
from tests.modules.consorcio.backoffice.conftest import consorcio_tenant, page_cookies, user_token
from tests.modules.consorcio.backoffice.support import build_portfolio, retorno_paying


def _csrf(client: httpx.AsyncClient) -> str:
    token = client.cookies.get("lastro_csrf")
    assert token, "the page sets the CSRF cookie"
    return str(token)


async def test_staff_sees_every_page(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await consorcio_tenant(factory)
    p = await build_portfolio(runtime, tenant.id)
    page_cookies(client, tenant.access_token)

    home = await client.get("/consorcio")
    assert home.status_code == 200
    assert 'data-testid="kpi-groups">1<' in home.text
    assert 'data-testid="kpi-active-quotas">5<' in home.text
    assert 'data-testid="chart-billed"' in home.text and "<svg" in home.text

    groups = await client.get("/consorcio/grupos?segment=automovel")
    assert groups.status_code == 200 and "ABC-01" in groups.text
    assert "ABC-01" not in (await client.get("/consorcio/grupos?segment=imovel")).text

    group = await client.get(f"/consorcio/grupos/{p.group_id}")
    assert group.status_code == 200
    for text in ("Regras do contrato", "v1", "R$ 30.000,00", "Maria Aparecida Souza", "15,00 %"):
        assert text in group.text, text
    assert 'data-testid="chart-prices"' in group.text

    books = await client.get(f"/consorcio/grupos/{p.group_id}/contabilidade")
    assert books.status_code == 200
    assert "Fundo comum" in books.text and "Bancos - recursos do grupo" in books.text

    quota = await client.get(f"/consorcio/cotas/{p.quota_ids[0]}")
    assert quota.status_code == 200
    for text in ("Conta em percentuais", "Fundo comum", "Taxa de administração", "Linha digitável"):
        assert text in quota.text, text
    # the billed installment: 2 % + 0.30 % + 0.04 % of R$ 30,000 on a 50-month ABAC quota is
    # R$ 702.00; this group's term is 5 months, so each installment is 117 % / 5 = R$ 7,020.00
    assert "R$ 7.020,00" in quota.text

    holders = await client.get("/consorcio/consorciados?q=529.982.247-25")
    assert holders.status_code == 200
    assert "Maria Aparecida Souza" in holders.text and "João Pedro Lima" not in holders.text
    holder = await client.get(f"/consorcio/consorciados/{p.holder_ids[4]}")
    assert holder.status_code == 200 and "11.222.333/0001-81" in holder.text

    quotas = await client.get(f"/consorcio/cotas?group_id={p.group_id}&status=ativa")
    assert quotas.status_code == 200 and quotas.text.count("/consorcio/cotas/") >= 5

    runs = await client.get("/consorcio/cobranca")
    assert runs.status_code == 200 and 'data-status="completed"' in runs.text
    assert "auto-refresh" not in runs.text  # nothing running: no refresh

    for path in ("/consorcio/pagamentos", "/consorcio/inadimplencia"):
        assert (await client.get(path)).status_code == 200, path

    missing = await client.get("/consorcio/grupos/not-a-uuid")
    assert missing.status_code == 404


async def test_upload_retorno_applies_payments_once(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await consorcio_tenant(factory)
    await build_portfolio(runtime, tenant.id)
    page_cookies(client, tenant.access_token)
    await client.get("/consorcio/pagamentos")
    content = await retorno_paying(runtime, tenant.id, count=2)
    files = {"file": ("RET0001.RET", content, "text/plain")}

    first = await client.post("/consorcio/pagamentos", data={"csrf": _csrf(client)}, files=files)
    assert first.status_code == 303
    report_url = first.headers["location"]
    report = await client.get(report_url)
    assert report.status_code == 200
    assert re.search(r'data-testid="applied">2<', report.text)
    assert re.search(r'data-testid="unknown">1<', report.text)
    assert "99999999" in report.text and "Nosso número desconhecido" in report.text

    again = await client.post("/consorcio/pagamentos", data={"csrf": _csrf(client)}, files=files)
    assert again.headers["location"] == report_url
    async with runtime.db.session(tenant_id=tenant.id, readonly=True) as session:
        assert await session.scalar(select(func.count()).select_from(Payment)) == 2
        assert await session.scalar(select(func.count()).select_from(RetornoImport)) == 1

    listing = await client.get("/consorcio/pagamentos")
    assert "RET0001.RET" in listing.text

    stale = await client.post("/consorcio/pagamentos", data={"csrf": "wrong"}, files=files)
    assert stale.status_code == 303 and "erro=" in stale.headers["location"]
    empty = await client.post(
        "/consorcio/pagamentos",
        data={"csrf": _csrf(client)},
        files={"file": ("x.ret", b"not a cnab file", "text/plain")},
    )
    assert empty.status_code == 303 and "erro=" in empty.headers["location"]


async def test_start_billing_run_from_the_page(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    tenant = await consorcio_tenant(factory)
    p = await build_portfolio(runtime, tenant.id)
    page_cookies(client, tenant.access_token)
    await client.get("/consorcio/cobranca")
    y, m = int(p.month[:4]), int(p.month[5:])
    nxt = f"{y + (m // 12):04d}-{m % 12 + 1:02d}"

    r = await client.post("/consorcio/cobranca", data={"csrf": _csrf(client), "month": nxt})
    assert r.status_code == 303 and "iniciada=" in r.headers["location"]
    again = await client.post("/consorcio/cobranca", data={"csrf": _csrf(client), "month": nxt})
    assert again.status_code == 303
    async with runtime.db.session(tenant_id=tenant.id, readonly=True) as session:
        run = await session.scalar(select(BillingRun).where(BillingRun.reference_month == nxt))
        assert run is not None and run.status == "completed"
        count = await session.scalar(
            select(func.count()).select_from(Installment).where(Installment.reference_month == nxt)
        )
    assert count == 5  # re-running the month issued nothing twice
    page = await client.get(r.headers["location"])
    assert 'data-testid="run-started"' in page.text

    bad = await client.post("/consorcio/cobranca", data={"csrf": _csrf(client), "month": "2026-13"})
    assert "erro=" in bad.headers["location"]

    client.cookies.clear()
    operator = await user_token(factory, tenant, "operador@empresa.example", "operator")
    page_cookies(client, operator)
    assert (await client.get("/consorcio/cobranca")).status_code == 200
    refused = await client.post("/consorcio/cobranca", data={"csrf": _csrf(client), "month": nxt})
    assert refused.status_code == 403


async def test_customers_and_other_tenants_are_refused(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    owner = await consorcio_tenant(factory)
    p = await build_portfolio(runtime, owner.id)
    async with runtime.db.session(tenant_id=owner.id, readonly=True) as session:
        import_count = await session.scalar(select(func.count()).select_from(RetornoImport))
    assert import_count == 0
    page_cookies(client, owner.access_token)
    await client.get("/consorcio/pagamentos")
    content = await retorno_paying(runtime, owner.id, count=1)
    posted = await client.post(
        "/consorcio/pagamentos",
        data={"csrf": _csrf(client)},
        files={"file": ("R.RET", content, "text/plain")},
    )
    import_url = posted.headers["location"]
    owned = [
        f"/consorcio/grupos/{p.group_id}",
        f"/consorcio/grupos/{p.group_id}/contabilidade",
        f"/consorcio/cotas/{p.quota_ids[0]}",
        f"/consorcio/consorciados/{p.holder_ids[0]}",
        import_url,
    ]

    client.cookies.clear()
    customer = await user_token(factory, owner, "cliente@empresa.example", "customer")
    page_cookies(client, customer)
    for path in ["/consorcio", "/consorcio/grupos", *owned]:
        r = await client.get(path)
        assert r.status_code == 403, path
        assert "Maria Aparecida" not in r.text

    client.cookies.clear()
    anonymous = await client.get("/consorcio/grupos")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login"

    client.cookies.clear()
    other = await consorcio_tenant(factory)
    await build_portfolio(runtime, other.id, code="XYZ-99")
    page_cookies(client, other.access_token)
    for path in owned:
        r = await client.get(path)
        assert r.status_code == 404, path
        assert "ABC-01" not in r.text
    for path in ("/consorcio", "/consorcio/grupos", "/consorcio/cotas", "/consorcio/pagamentos"):
        r = await client.get(path)
        assert r.status_code == 200 and "ABC-01" not in r.text and "R.RET" not in r.text

    client.cookies.clear()
    no_module = await factory.tenant()
    page_cookies(client, no_module.access_token)
    assert (await client.get("/consorcio")).status_code == 403


async def test_runs_page_shows_progress_and_refreshes_while_running(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    from lastro.modules.consorcio.billing import run as run_service

    tenant = await consorcio_tenant(factory)
    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        run = await run_service.get_or_create_run(
            session, "2031-01", trigger="api", requested_by=None
        )
        run.status, run.quotas_total, run.quotas_done = "running", 10, 4
    page_cookies(client, tenant.access_token)
    page = await client.get("/consorcio/cobranca")
    assert page.status_code == 200
    assert 'data-testid="auto-refresh"' in page.text
    assert "4 de 10 cotas" in page.text and "width: 40%" in page.text
    assert "jan/31" in page.text


async def test_delinquency_page_lists_overdue_quotas_by_stage(
    runtime: Runtime, client: httpx.AsyncClient, factory: Factory
) -> None:
    from datetime import timedelta

    from lastro.kit.clock import today_sp
    from lastro.modules.consorcio.delinquency import tasks

    tenant = await consorcio_tenant(factory)
    p = await build_portfolio(runtime, tenant.id)
    async with runtime.db.unit_of_work(tenant_id=tenant.id) as session:
        await tasks.run_tenant(session, today_sp() + timedelta(days=20))
    page_cookies(client, tenant.access_token)
    page = await client.get("/consorcio/inadimplencia")
    assert page.status_code == 200
    assert page.text.count('data-stage="') == 5
    assert 'data-testid="delinquent-count">5<' in page.text
    assert "Maria Aparecida Souza" in page.text
    stage = re.search(r'data-stage="([a-z_]+)"', page.text)
    assert stage is not None
    filtered = await client.get(
        f"/consorcio/inadimplencia?stage={stage.group(1)}&group_id={p.group_id}"
    )
    assert filtered.text.count('data-stage="') == 5
    other = await client.get("/consorcio/inadimplencia?stage=juridico")
    assert 'data-stage="' not in other.text
    client.cookies.clear()
    export = await client.get(
        "/api/v1/exports/stream",
        params={"source": "consorcio.delinquency", "format": "csv"},
        headers=tenant.headers,
    )
    assert export.status_code == 200 and export.text.count("ABC-01") == 5
