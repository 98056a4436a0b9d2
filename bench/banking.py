"""P2P transfers through the HTTP API next to the ledger service alone and pgbench (prints figures).

Run from the repository root:

    .venv/bin/python bench/banking.py [--duration 8] [--workers 2]

All on loopback, PostgreSQL from ``LASTRO_BENCH_DATABASE_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``; must create databases and roles):

1. a scratch database, migrated as the owner; the app connects as ``lastro_app`` (no
   superuser, no owner: row-level security enforced as in production);
2. a tenant with the banking module, an operator, and ``ACCOUNTS`` customer accounts funded
   through the banking services (limits lifted in the tenant's settings so the bench measures
   the transfer path, not refusals);
3. granian serves ``bench.banking:factory`` (the real app with the banking accounts and
   transfers areas) with ``--workers`` processes; ``wrk`` POSTs ``/api/v1/banking/transfers/p2p``
   between random accounts, each request with its own ``Idempotency-Key``, at 16 and 64
   connections;
4. in the same run: the ledger service alone (``bench/ledger.py``'s runner: grouped
   ``Ledger.transfer`` and ``ledger_service.post`` in a session) and pgbench TPC-B, at 16 and 64;
5. prints transfers/s, p50/p99 and the HTTP path's ratio to the ledger's own throughput
   (target ≥ 50 %), then drops the scratch database.

``--inprocess N`` first drives N sequential P2P requests through the app in-process (httpx's
ASGI transport, no server, no background relay) and prints the CPU time per request with and
without an ``Idempotency-Key``: unlike transfers/s it hardly moves when other programs load the
machine, so it is the figure to compare changes by.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.api import (  # noqa: E402
    APP_ROLE,
    DEFAULT_ADMIN_URL,
    HOST,
    CpuMeter,
    Endpoint,
    Result,
    ensure_wrk,
    free_port,
    parse_wrk,
    sa_url,
    scratch_database,
    server_env,
)

ACCOUNTS = 400
TARGET_RATIO = 0.5
EMAIL = "operador@bench.example"
PASSWORD = "Bench@12345-Seguro"

LUA = """
local ids = {{{ids}}}
local n = #ids
local counter = 0
local tid = string.gsub(tostring({{}}), "[^%w]", "")  -- unique per wrk thread (own Lua state)
math.randomseed(os.time() + {seed} + tonumber(string.sub(tid, -6), 16))
request = function()
  counter = counter + 1
  local a = math.random(n)
  local b = math.random(n - 1)
  if b >= a then b = b + 1 end
  local cents = math.random(1, 500)
  local body = string.format('{{"accountId":"%s","toAccountId":"%s","amount":"%d.%02d"}}',
    ids[a], ids[b], math.floor(cents / 100), cents % 100)
  local headers = {{}}
  headers["Authorization"] = "Bearer {token}"
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = string.format("b-%s-%d-%d", tid, counter, math.random(1e9))
  return wrk.format("POST", "/api/v1/banking/transfers/p2p", headers, body)
end
"""


def factory() -> Any:
    """The served app: the real one, with the banking accounts and transfers areas."""
    from lastro.main import build_runtime, create_app
    from lastro.settings import get_settings

    settings = get_settings()
    runtime = build_runtime(settings, modules=[_banking_spec(settings)])
    return create_app(runtime=runtime)


def _banking_spec(settings: Any) -> Any:
    from lastro.core.modules import ServiceParts, combine
    from lastro.infra.bus import build_bus
    from lastro.infra.cache import build_cache
    from lastro.infra.database import Database
    from lastro.infra.locks import build_lock_manager
    from lastro.modules.banking import accounts, transfers
    from lastro.modules.banking.accounts.settings import AreaSettings as A
    from lastro.modules.banking.transfers.settings import AreaSettings as T

    parts = ServiceParts(
        settings,
        Database(settings.database_url, pool_size=1),
        build_cache(None),
        build_bus(None),
        build_lock_manager(None),
    )
    return combine(
        "banking",
        "Conta digital",
        [accounts.build_area(parts), transfers.build_area(parts)],
        templates=ROOT / "src/lastro/modules/banking/templates",
        settings=type("BankingSettings", (A, T), {}),
        home_path="/banking",
    )


async def setup(app_url: str) -> tuple[uuid.UUID, list[str]]:
    """Tenant, operator, funded accounts and lifted limits, through the real services."""
    from decimal import Decimal

    from lastro.br.documents import generate_cpf
    from lastro.core.auth.service import AuthService
    from lastro.core.config.service import validate_overrides
    from lastro.core.platform import service as platform
    from lastro.core.tenancy.guard import install_tenancy_guard
    from lastro.infra.database import Database
    from lastro.modules.banking.accounts import service as accounts
    from lastro.modules.banking.accounts.books import bank_books
    from lastro.settings import get_settings

    install_tenancy_guard()
    settings = get_settings()
    db = Database(sa_url(app_url), pool_size=4)
    try:
        async with db.unit_of_work(platform=True) as session:
            tenant = await platform.create_tenant(
                session, slug="bench", name="Banco Bench", enabled_modules=["banking"]
            )
        async with db.unit_of_work(tenant_id=tenant.id) as session:
            await AuthService(settings).create_user(
                session, email=EMAIL, name="Operador Bench", password=PASSWORD, role="operator"
            )
            from lastro.core.config.models import TenantSetting

            session.add(
                TenantSetting(
                    namespace="banking",
                    overrides=validate_overrides(
                        _banking_spec(settings).settings,
                        {
                            "transfers_per_hour_limit": 100_000,
                            "transfers_daily_limit_individual": "100000000.00",
                            "transfers_night_limit": "100000000.00",
                        },
                    ),
                )
            )
        ids: list[str] = []
        async with db.unit_of_work(tenant_id=tenant.id) as session:
            books = await bank_books(session)
            for i in range(ACCOUNTS):
                account = await accounts.open_account(
                    session, kind="individual", holder_name=f"Cliente {i}", document=generate_cpf()
                )
                await accounts.credit(
                    session,
                    account,
                    amount=Decimal("1000000.00"),
                    debit_from=books.reserve,
                    idempotency_key=f"seed:{account.id}",
                    metadata=accounts.movement_metadata("deposit", "depositos", "Carga"),
                )
                ids.append(str(account.id))
        return tenant.id, ids
    finally:
        await db.dispose()


def login(base: str) -> str:
    from bench.api import http

    status, body = http(
        "POST",
        f"{base}/api/v1/auth/login",
        body={"username": EMAIL, "password": PASSWORD},
        headers={"X-Tenant": "bench"},
    )
    if status != 200:
        raise SystemExit(f"login failed: {status} {body!r}")
    token: str = body["access_token"]
    return token


def probe(base: str, token: str, ids: list[str]) -> None:
    """One transfer before the load: a refusal here would make the figures meaningless."""
    from bench.api import http

    status, body = http(
        "POST",
        f"{base}/api/v1/banking/transfers/p2p",
        body={"accountId": ids[0], "toAccountId": ids[1], "amount": "1.00"},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
    )
    if status != 201:
        raise SystemExit(f"probe transfer failed: {status} {body!r}")


async def inprocess(requests: int, ids: list[str]) -> dict[str, float]:
    """CPU milliseconds per P2P request, sequential, in this process (see the module doc)."""
    import random
    import time

    import httpx

    from lastro.main import create_app

    app = factory()
    runtime = app.state.runtime
    quiet = create_app(runtime=runtime, background=False)
    rng = random.Random(7)
    figures: dict[str, float] = {}
    try:
        transport = httpx.ASGITransport(app=quiet)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            r = await client.post(
                "/api/v1/auth/login",
                json={"username": EMAIL, "password": PASSWORD},
                headers={"X-Tenant": "bench"},
            )
            auth = {"Authorization": f"Bearer {r.json()['access_token']}"}

            async def one(keyed: bool) -> None:
                a, b = rng.sample(ids, 2)
                headers = {**auth, "Idempotency-Key": uuid.uuid4().hex} if keyed else auth
                amount = f"{rng.randint(1, 500) / 100:.2f}"
                body = {"accountId": a, "toAccountId": b, "amount": amount}
                done = await client.post(
                    "/api/v1/banking/transfers/p2p", json=body, headers=headers
                )
                if done.status_code != 201:
                    raise SystemExit(f"in-process transfer failed: {done.text}")

            for label, keyed in (("with Idempotency-Key", True), ("without key", False)):
                for _ in range(max(20, requests // 10)):  # warm-up
                    await one(keyed)
                started = time.process_time()
                for _ in range(requests):
                    await one(keyed)
                figures[label] = (time.process_time() - started) * 1000 / requests
    finally:
        await runtime.db.dispose()
    return figures


def run_wrk(
    wrk: str,
    base: str,
    script: Path,
    connections: int,
    seconds: int,
    meter: CpuMeter | None = None,
) -> Result:
    endpoint = Endpoint("P2P HTTP", "/api/v1/banking/transfers/p2p", "POST")
    threads = 2
    before = meter.snapshot() if meter else ({}, {})
    done = subprocess.run(
        [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            str(script),
            base + endpoint.path,
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    result = parse_wrk(done.stdout, endpoint)
    if meter is None or not result.requests:
        return result
    after = meter.snapshot()
    per = 1000.0 / result.requests
    return Result(
        **{
            **result.__dict__,
            "app_cpu_ms": CpuMeter.spent(before[0], after[0]) * per,
            "db_cpu_ms": CpuMeter.spent(before[1], after[1]) * per,
        }
    )


def serve_cmd(workers: int, port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "granian", "--interface", "asgi", "--factory"),
        *("--workers", str(workers), "--host", HOST, "--port", str(port), "--no-access-log"),
        *("--working-dir", str(ROOT), "bench.banking:factory"),
    ]


def wait_up(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    import contextlib
    import time

    from bench.api import http

    deadline = time.monotonic() + 40
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"server exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            if http("GET", f"{base}/health", timeout=1)[0] == 200:
                return
        if time.monotonic() > deadline:
            raise SystemExit(f"server did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)


async def ledger_alone(app_url: str, writers: int, seconds: float) -> tuple[float, float, str, str]:
    from bench.ledger import setup_books, single_entries

    from lastro.core.tenancy.guard import install_tenancy_guard
    from lastro.infra.database import Database

    install_tenancy_guard()
    db = Database(sa_url(app_url), pool_size=max(8, writers // 2))
    try:
        tenant, accounts = await setup_books(db)
        grouped, rate_g = await single_entries(db, tenant, accounts, writers, seconds)
        in_session, rate_s = await single_entries(
            db, tenant, accounts, writers, seconds, session=True
        )
        return rate_g, rate_s, grouped, in_session
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pool-size", type=int, default=16)
    parser.add_argument(
        "--inprocess",
        type=int,
        default=0,
        metavar="N",
        help="first measure CPU per request in-process over N sequential requests",
    )
    args = parser.parse_args()
    admin_url = os.environ.get("LASTRO_BENCH_DATABASE_URL", DEFAULT_ADMIN_URL)
    wrk = ensure_wrk()
    from bench.ledger import pgbench

    with (
        tempfile.TemporaryDirectory() as tmp,
        scratch_database(admin_url, APP_ROLE) as (
            name,
            owner,
            app,
        ),
    ):
        data_dir = Path(tmp)
        env = server_env(owner, app, data_dir, args.pool_size)
        os.environ.update({k: v for k, v in env.items() if k.startswith("LASTRO_")})
        tenant, ids = asyncio.run(setup(app))
        print(f"tenant {tenant}: {len(ids)} funded accounts", flush=True)
        if args.inprocess:
            from lastro.settings import get_settings

            get_settings.cache_clear()  # read again with the scratch database's environment
            for label, ms in asyncio.run(inprocess(args.inprocess, ids)).items():
                print(
                    f"in-process P2P {label}: {ms:.2f} ms CPU per request "
                    f"({args.inprocess} sequential requests)",
                    flush=True,
                )
        port = free_port()
        base = f"http://{HOST}:{port}"
        log = data_dir / "server.log"
        http_results: dict[int, Result] = {}
        with log.open("wb") as out:
            proc = subprocess.Popen(
                serve_cmd(args.workers, port),
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                wait_up(base, proc, log)
                token = login(base)
                probe(base, token, ids)
                for clients in (16, 64):
                    script = data_dir / f"p2p{clients}.lua"
                    script.write_text(
                        LUA.format(ids=",".join(f'"{i}"' for i in ids), token=token, seed=clients)
                    )
                    run_wrk(wrk, base, script, clients, 2)  # warm-up
                    meter = CpuMeter(proc.pid, admin_url, name)
                    http_results[clients] = run_wrk(
                        wrk, base, script, clients, args.duration, meter
                    )
            finally:
                import signal

                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
        ledger: dict[int, tuple[float, float, str, str]] = {}
        pg: dict[int, float] = {}
        for clients in (16, 64):
            ledger[clients] = asyncio.run(ledger_alone(app, clients, args.duration))
        subprocess.run(
            [*pgbench_base(admin_url), "-i", "-q", "-s", "4", name],
            check=True,
            capture_output=True,
            env=pg_env(admin_url),
        )
        for clients in (16, 64):
            pg[clients] = pgbench(admin_url, name, clients, args.duration)
        report(http_results, ledger, pg, args)


def pg_env(url: str) -> dict[str, str]:
    from sqlalchemy.engine import make_url

    return {**os.environ, "PGPASSWORD": make_url(url).password or ""}


def pgbench_base(url: str) -> list[str]:
    from bench.ledger import pgbench_binary
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return [
        pgbench_binary(),
        *("-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432)),
        *("-U", parsed.username or "postgres"),
    ]


def report(
    http_results: dict[int, Result],
    ledger: dict[int, tuple[float, float, str, str]],
    pg: dict[int, float],
    args: argparse.Namespace,
) -> None:
    print()
    print(
        f"banking P2P — {args.duration} s per run, granian {args.workers} workers, "
        f"{os.cpu_count()} CPUs"
    )
    for clients in (16, 64):
        r = http_results[clients]
        grouped, in_session, grouped_text, session_text = ledger[clients]
        ratio = r.requests_per_second / grouped if grouped else 0.0
        ratio_s = r.requests_per_second / in_session if in_session else 0.0
        print(f"\n{clients} clients")
        print(
            f"  HTTP POST /transfers/p2p  {r.requests_per_second:8.0f} transfers/s   "
            f"p50 {r.p50_ms:6.1f} ms   p99 {r.p99_ms:6.1f} ms   ({r.requests} requests, "
            f"{r.errors} errors; CPU per transfer: app {r.app_cpu_ms:.1f} ms, "
            f"PostgreSQL {r.db_cpu_ms:.1f} ms)"
        )
        print(f"  Ledger.transfer (grouped) {grouped_text}")
        print(f"  ledger_service in session {session_text}")
        print(f"  pgbench TPC-B             {pg[clients]:8.0f} tps")
        verdict = "OK" if ratio >= TARGET_RATIO else "below target"
        print(
            f"  HTTP / ledger grouped = {ratio:.0%} (target ≥ {TARGET_RATIO:.0%}: {verdict}); "
            f"HTTP / ledger in a session = {ratio_s:.0%}"
        )


if __name__ == "__main__":
    main()
