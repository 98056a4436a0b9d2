"""Throughput and latency of ``GET /api/v1/me`` next to its raw-asyncpg floor (prints figures).

Run from the repository root:

    .venv/bin/python bench/api.py [--duration 10] [--connections 64] [--workers 2] [--rounds 3]

What it does, all on loopback (127.0.0.1):

1. creates a scratch PostgreSQL database from ``LASTRO_BENCH_DATABASE_URL`` (default
   ``postgresql://postgres@127.0.0.1:5432/postgres``; must be allowed to create databases and
   roles), migrates it as the owner and loads the demo data as the application role
   (``lastro_app``: not a superuser, not the owner, so row-level security is enforced as in
   production);
2. serves ``bench.api_app:factory`` (the real app plus the bare ``/bench/*`` endpoints) with
   granian, 2 workers, ``LASTRO_LOG_LEVEL=WARNING``;
3. logs in as ``admin@demo.example`` (tenant ``demo``), warms every endpoint up, then drives each
   one with ``wrk --latency`` at 64 connections for ``--duration`` seconds;
4. prints req/s, p50 and p99 per endpoint, the ratio to the raw-asyncpg floor and the CPU time
   spent per request by the server processes and by PostgreSQL (read from ``/proc``: unlike
   req/s it hardly moves when other programs compete for the CPUs), then stops the server and
   drops the scratch database.

``wrk`` is Debian's package; when missing it is installed with apt-get if running as root.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import orjson
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
HOST = "127.0.0.1"
APP_ROLE = "lastro_app"
TENANT = "demo"
USERNAME = "admin@demo.example"
PASSWORD = "Demo@12345"
TARGET_RATIO = 0.5
FLOOR = "raw asyncpg"
SUBJECT = "/me"

LUA = """
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Accept"] = "application/json"
"""


@dataclass(frozen=True)
class Endpoint:
    label: str
    path: str
    note: str


@dataclass(frozen=True)
class Result:
    endpoint: Endpoint
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    app_cpu_ms: float = 0.0  # server processes' CPU time per request
    db_cpu_ms: float = 0.0  # PostgreSQL backends' CPU time per request


# -- helpers -------------------------------------------------------------------------------------


def fail(message: str) -> None:
    print(f"bench/api.py: {message}", file=sys.stderr)
    raise SystemExit(2)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk missing: installing Debian's package (apt-get install -y wrk)…", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env).returncode:
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False)
        found = shutil.which("wrk")
        if found:
            return found
    fail(
        "wrk is not installed; install it (Debian/Ubuntu: `sudo apt-get install -y wrk`) "
        "and run again."
    )
    raise AssertionError("unreachable")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def pg_dsn(url: str, **changes: Any) -> str:
    """A plain ``postgresql://`` DSN (asyncpg's), with ``changes`` applied (database, username)."""
    return (
        make_url(url).set(drivername="postgresql", **changes).render_as_string(hide_password=False)
    )


def sa_url(dsn: str) -> str:
    return make_url(dsn).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


async def free_slots(dsn: str) -> int:
    """Connections still available to ordinary roles on the server."""
    conn = await asyncpg.connect(dsn)
    try:
        free: int = await conn.fetchval(
            "SELECT current_setting('max_connections')::int"
            " - current_setting('superuser_reserved_connections')::int"
            " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        )
        return free
    finally:
        await conn.close()


async def backend_pids(dsn: str, database: str) -> set[int]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
        return {int(r["pid"]) for r in rows}
    finally:
        await conn.close()


async def pg_admin(dsn: str, *statements: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def http(
    method: str,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
    timeout: float = 10,
) -> tuple[int, Any]:
    data = orjson.dumps(body) if body is not None else None
    # Only ever http://127.0.0.1:<port>/..., built by this script.
    request = urllib.request.Request(  # noqa: S310
        url,
        data=data,
        method=method,
        headers={"content-type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, orjson.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


# -- CPU accounting (/proc) ----------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process; 0 when it is gone (or there is no /proc)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime, stime


def process_tree(root: int) -> set[int]:
    """``root`` and its descendants (granian's workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found


@dataclass
class CpuMeter:
    """CPU time of the server's processes and of the scratch database's backends."""

    server_pid: int
    admin_dsn: str
    database: str

    def snapshot(self) -> tuple[dict[int, float], dict[int, float]]:
        app = {pid: cpu_seconds(pid) for pid in process_tree(self.server_pid)}
        pids = asyncio.run(backend_pids(self.admin_dsn, self.database))
        return app, {pid: cpu_seconds(pid) for pid in pids}

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        # a process born during the run counts from zero; one that ended is lost (rare: pools)
        return sum(max(0.0, now - before.get(pid, 0.0)) for pid, now in after.items())


# -- database and server -------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(admin_dsn: str, app_role: str) -> Iterator[tuple[str, str, str]]:
    """Create and migrate a database; yields (name, owner DSN, app DSN); drops it afterwards."""
    from lastro.cli import migrate_database

    name = f"lastro_bench_{uuid.uuid4().hex[:10]}"
    owner = pg_dsn(admin_dsn, database=name)
    app = pg_dsn(admin_dsn, database=name, username=app_role, password=None)
    asyncio.run(
        pg_admin(
            admin_dsn,
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{app_role}') "
            f"THEN CREATE ROLE {app_role} LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$",
            f"CREATE DATABASE {name}",
        )
    )
    print(f"scratch database {name} created; migrating…", flush=True)
    try:
        migrate_database(sa_url(owner), sa_url(app))
        yield name, owner, app
    finally:
        asyncio.run(pg_admin(admin_dsn, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        print(f"scratch database {name} dropped", flush=True)


def server_env(owner: str, app: str, data_dir: Path, pool_size: int | None) -> dict[str, str]:
    metrics = data_dir / "prometheus"
    metrics.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "LASTRO_DATABASE_URL": sa_url(app),
        "LASTRO_MIGRATION_DATABASE_URL": sa_url(owner),
        "LASTRO_DATA_DIR": str(data_dir),
        "LASTRO_LOG_LEVEL": "WARNING",
        "LASTRO_ACCESS_TOKEN_TTL_SECONDS": "3600",
        # one token drives all the load: lift the per-person limit, or /me measures its 429s
        "LASTRO_USER_RATE_LIMIT_PER_MINUTE": "1000000000",
        # what `lastro serve --workers N` sets for N > 1: metrics shared across processes
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "LASTRO_BENCH_OWNER_DSN": owner,
        "LASTRO_BENCH_APP_DSN": app,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    if pool_size:
        env["LASTRO_DATABASE_POOL_SIZE"] = str(pool_size)
    return env


def load_demo(env: dict[str, str]) -> None:
    command = [sys.executable, "-m", "lastro.cli", "demo"]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        fail(f"`lastro demo` failed:\n{done.stdout}\n{done.stderr}")


@contextlib.contextmanager
def serve(env: dict[str, str], port: int, workers: int, log: Path) -> Iterator[tuple[str, int]]:
    """granian serving ``bench.api_app:factory``; yields (base URL, granian's pid)."""
    command = [
        *(sys.executable, "-m", "granian", "--interface", "asgi", "--factory"),
        *("--workers", str(workers), "--host", HOST, "--port", str(port), "--no-access-log"),
        *("--working-dir", str(ROOT), "bench.api_app:factory"),
    ]
    base = f"http://{HOST}:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                if proc.poll() is not None:
                    fail(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
                with contextlib.suppress(OSError):
                    if http("GET", f"{base}/health", timeout=1)[0] == 200:
                        break
                if time.monotonic() > deadline:
                    fail(f"server did not answer in 30 s:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
            try:
                yield base, proc.pid
            except SystemExit:
                print(f"server log (tail):\n{log.read_text()[-3000:]}", file=sys.stderr)
                raise
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


# -- load ----------------------------------------------------------------------------------------

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    value = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if value is None:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(value.group(1)) * _UNIT_MS[value.group(2)]


def parse_wrk(output: str, endpoint: Endpoint) -> Result:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        fail(f"could not parse wrk output for {endpoint.path}:\n{output}")
        raise AssertionError("unreachable")
    errors = 0
    for pattern in (
        r"Non-2xx or 3xx responses:\s+(\d+)",
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
    ):
        found = re.search(pattern, output)
        if found:
            errors += sum(int(g) for g in found.groups())
    return Result(
        endpoint,
        float(rps.group(1)),
        _ms(p50.group(1)),
        _ms(p99.group(1)),
        int(total.group(1)),
        errors,
    )


@dataclass(frozen=True)
class Load:
    wrk: str
    base: str
    script: Path
    connections: int
    threads: int

    def run(self, endpoint: Endpoint, seconds: float, meter: CpuMeter | None = None) -> Result:
        command = [
            *(self.wrk, f"-t{self.threads}", f"-c{self.connections}"),
            *(f"-d{max(1, round(seconds))}s", "--latency", "-s", str(self.script)),
            self.base + endpoint.path,
        ]
        before = meter.snapshot() if meter else None
        done = subprocess.run(command, capture_output=True, text=True)
        after = meter.snapshot() if meter else None
        if done.returncode:
            fail(f"wrk failed on {endpoint.path}:\n{done.stdout}\n{done.stderr}")
        result = parse_wrk(done.stdout, endpoint)
        if before is None or after is None or not result.requests:
            return result
        per_request = 1000.0 / result.requests
        return Result(
            **{
                **result.__dict__,
                "app_cpu_ms": CpuMeter.spent(before[0], after[0]) * per_request,
                "db_cpu_ms": CpuMeter.spent(before[1], after[1]) * per_request,
            }
        )


def median_result(results: list[Result]) -> Result:
    """The round with the median throughput (its own latencies), errors summed over rounds."""
    ranked = sorted(results, key=lambda r: r.requests_per_second)
    middle = ranked[(len(ranked) - 1) // 2]
    return Result(
        **{
            **middle.__dict__,
            "requests": sum(r.requests for r in results),
            "errors": sum(r.errors for r in results),
        }
    )


def print_table(runs: dict[str, list[Result]], args: argparse.Namespace) -> None:
    results = {label: median_result(rs) for label, rs in runs.items()}
    floor, subject = results[FLOOR], results[SUBJECT]
    rounds = f", median of {args.rounds} interleaved rounds" if args.rounds > 1 else ""
    print(
        f"\nGET, {args.connections} connections, {args.workers} granian workers, "
        f"{args.duration:.0f} s each{rounds}; {os.cpu_count()} CPUs shared by wrk, the server "
        "and PostgreSQL"
    )
    header = (
        f"{'endpoint':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs raw':>7} "
        f"{'app CPU':>8} {'PG CPU':>7} {'errors':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in results.values():
        ratio = r.requests_per_second / floor.requests_per_second
        print(
            f"{r.endpoint.label:<16} {r.requests_per_second:>8.0f} {r.p50_ms:>8.2f} "
            f"{r.p99_ms:>8.2f} {ratio:>6.0%} {r.app_cpu_ms:>6.3f}ms {r.db_cpu_ms:>5.3f}ms "
            f"{r.errors:>7}"
        )
    if args.rounds > 1:
        print("\nreq/s per round:")
        for label, rs in runs.items():
            print(f"  {label:<16} " + "  ".join(f"{r.requests_per_second:>8.0f}" for r in rs))
    print("\napp CPU / PG CPU: CPU time per request of the granian processes / of PostgreSQL")
    for r in results.values():
        print(f"  {r.endpoint.label:<16} {r.endpoint.path.split('?')[0]:<16} {r.endpoint.note}")
    ratio = subject.requests_per_second / floor.requests_per_second
    verdict = "meets" if ratio >= TARGET_RATIO else "FALLS SHORT of"
    if subject.errors or floor.errors:
        verdict = "cannot be judged against (non-2xx answers counted) —"
    cpu_ratio = (floor.app_cpu_ms + floor.db_cpu_ms) / max(
        1e-9, subject.app_cpu_ms + subject.db_cpu_ms
    )
    print(
        f"\n{SUBJECT} runs at {ratio:.0%} of the raw-asyncpg floor's throughput: {verdict} the "
        f"{TARGET_RATIO:.0%} target (by CPU per request, app + PostgreSQL: {cpu_ratio:.0%})."
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per endpoint")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="granian workers")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="interleaved rounds; the median round is reported (for busy machines)",
    )
    parser.add_argument(
        "--pool-size", type=int, default=None, help="LASTRO_DATABASE_POOL_SIZE (default: app's)"
    )
    parser.add_argument(
        "--hold", action="store_true", help="keep the server up after the run until Enter"
    )
    return parser.parse_args()


def check_connection_budget(admin: str, workers: int, pool_size: int | None) -> None:
    from lastro.settings import Settings

    pool = pool_size or Settings(database_url="postgresql://unused").database_pool_size
    # per worker: the app's idle pool plus one endpoint's full pool (the raw pools shed idle ones)
    needed = workers * 3 * pool + 2
    available = asyncio.run(free_slots(admin))
    if available < needed:
        print(
            f"warning: PostgreSQL has {available} free connection slots and this run may need "
            f"{needed}; expect errors (lower --pool-size or raise max_connections)",
            file=sys.stderr,
            flush=True,
        )


def main() -> None:
    args = parse_args()
    wrk = ensure_wrk()
    admin = pg_dsn(os.environ.get("LASTRO_BENCH_DATABASE_URL") or DEFAULT_ADMIN_URL)
    if make_url(admin).host not in (HOST, "localhost", None):
        fail("the benchmark runs on loopback only: point LASTRO_BENCH_DATABASE_URL at 127.0.0.1")
    check_connection_budget(admin, args.workers, args.pool_size)

    with (
        tempfile.TemporaryDirectory(prefix="lastro-bench-") as tmp,
        scratch_database(admin, APP_ROLE) as (database, owner, app),
    ):
        data_dir = Path(tmp)
        env = server_env(owner, app, data_dir, args.pool_size)
        print("loading demo data…", flush=True)
        load_demo(env)
        port = free_port()
        print(f"starting granian ({args.workers} workers) on {HOST}:{port}…", flush=True)
        with serve(env, port, args.workers, data_dir / "server.log") as (base, pid):
            status, tokens = http(
                "POST",
                f"{base}/api/v1/auth/login",
                headers={"X-Tenant": TENANT},
                body={"username": USERNAME, "password": PASSWORD},
            )
            if status != 200:
                fail(f"login failed ({status}): {tokens}")
            token = tokens["access_token"]
            bearer = {"Authorization": f"Bearer {token}"}
            status, me = http("GET", f"{base}/api/v1/me", headers=bearer)
            if status != 200:
                fail(f"/api/v1/me failed ({status}): {me}")
            ids = f"?tenant={me['tenant']['id']}&user={me['user']['id']}"
            for path in (f"/bench/raw{ids}", f"/bench/raw-rls{ids}"):
                status, row = http("GET", base + path)
                if status != 200 or row.get("email") != USERNAME:
                    fail(f"{path} answered {status}: {row}")
            script = data_dir / "auth.lua"
            script.write_text(LUA.format(token=token))

            endpoints = [
                Endpoint("json (no DB)", "/bench/json", "bare ASGI, constant JSON"),
                Endpoint(FLOOR, f"/bench/raw{ids}", "bare ASGI, 1 SELECT as owner (1 round trip)"),
                Endpoint(
                    "raw asyncpg+RLS",
                    f"/bench/raw-rls{ids}",
                    "bare ASGI, BEGIN/set_config/SELECT/COMMIT as app role (4 round trips)",
                ),
                Endpoint(
                    SUBJECT,
                    "/api/v1/me",
                    "FastAPI + JWT + SQLAlchemy session, reads without a transaction, app role",
                ),
            ]
            load = Load(wrk, base, script, args.connections, args.threads)
            meter = CpuMeter(pid, admin, database)
            print(f"warming up ({args.warmup:.0f} s per endpoint)…", flush=True)
            for endpoint in endpoints:
                load.run(endpoint, args.warmup)
            runs: dict[str, list[Result]] = {e.label: [] for e in endpoints}
            for round_no in range(1, args.rounds + 1):
                for endpoint in endpoints:
                    time.sleep(2)  # let the previous endpoint's idle connections close
                    print(
                        f"measuring {endpoint.label} ({args.duration:.0f} s, "
                        f"round {round_no}/{args.rounds})…",
                        flush=True,
                    )
                    runs[endpoint.label].append(load.run(endpoint, args.duration, meter))
            print_table(runs, args)
            if args.hold:
                print(f"\nserver still up at {base} (token in {script}); press Enter to stop.")
                with contextlib.suppress(EOFError):
                    input()


if __name__ == "__main__":
    main()
