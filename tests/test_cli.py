"""The ``lastro`` command, run as a user would: one process per command, one shared database
named by ``LASTRO_DATABASE_URL``."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

LASTRO = str(Path(sys.executable).with_name("lastro"))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("cli")
    environ = {**os.environ, "LASTRO_DATA_DIR": str(data), "LASTRO_LOG_LEVEL": "WARNING"}
    environ.pop("LASTRO_DATABASE_URL", None)
    run(environ, "migrate")
    return environ


def run(
    env: dict[str, str], *args: str, input_: str | None = None, ok: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [LASTRO, *args],
        env=env,
        capture_output=True,
        text=True,
        input=input_,
        timeout=120,
        check=False,
    )
    if ok:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_demo_is_idempotent_and_prints_credentials(env: dict[str, str]) -> None:
    first = run(env, "demo")
    assert "admin@demo.example / Demo@12345" in first.stdout
    run(env, "demo")
    listed = run(env, "tenant", "list").stdout
    assert listed.count("demo ") == 1 and "acme" in listed


def test_tenant_user_and_audit_commands(env: dict[str, str]) -> None:
    run(env, "tenant", "create", "loja-cli", "Loja CLI Ltda")
    dup = run(env, "tenant", "create", "loja-cli", "Outra", ok=False)
    assert dup.returncode == 1 and "TENANT_EXISTS" in dup.stderr
    run(
        env,
        "user",
        "create",
        "op@loja.example",
        "--name",
        "Operadora",
        "--tenant",
        "loja-cli",
        "--cpf",
        "529.982.247-25",
        input_="Forte@Senha123\nForte@Senha123\n",
    )
    weak = run(
        env,
        "user",
        "create",
        "x@loja.example",
        "--name",
        "X",
        "--tenant",
        "loja-cli",
        input_="fraca\nfraca\n",
        ok=False,
    )
    assert "WEAK_PASSWORD" in weak.stderr
    verified = run(env, "audit", "verify", "--tenant", "loja-cli")
    assert "íntegros" in verified.stdout
    run(env, "tenant", "suspend", "loja-cli")
    assert "suspended" in run(env, "tenant", "list").stdout

    db = Path(env["LASTRO_DATA_DIR"]) / "lastro.db"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE audit_records SET action = 'forjado' WHERE action = 'user.created' "
            "AND tenant_id = (SELECT id FROM tenants WHERE slug = 'loja-cli')"
        )
    broken = run(env, "audit", "verify", "--tenant", "loja-cli", ok=False)
    assert broken.returncode == 1 and "FALHA" in broken.stderr


def test_unknown_tenant_for_verify(env: dict[str, str]) -> None:
    result = run(env, "audit", "verify", "--tenant", "nao-existe", ok=False)
    assert result.returncode == 2


def test_br_inspect(env: dict[str, str]) -> None:
    ok = run(env, "br", "inspect", "11.222.333/0001-81")
    data = json.loads(ok.stdout)
    assert data["kind"] == "cnpj" and data["valid"] is True
    bad = run(env, "br", "inspect", "11.222.333/0001-82", ok=False)
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["error"]["code"]


def test_production_mode_refuses_default_secret(env: dict[str, str]) -> None:
    prod = {**env, "LASTRO_ENVIRONMENT": "production"}
    result = run(prod, "serve", "--port", "8999", ok=False)
    assert result.returncode == 1 and "LASTRO_SECRET_KEY" in result.stderr
    result = run(prod, "demo", ok=False)
    assert result.returncode == 1


def test_worker_starts_and_stops_cleanly(env: dict[str, str]) -> None:
    import signal
    import time

    proc = subprocess.Popen(
        [LASTRO, "worker"],
        env={**env, "LASTRO_LOG_LEVEL": "INFO"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        started = ""
        assert proc.stderr is not None
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            started += line
            if "worker started" in line:
                break
        assert "worker started" in started, started
        assert "core.idempotency.purge" in started
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "worker stopped" in err
    finally:
        if proc.poll() is None:
            proc.kill()


def test_tenant_export_delete_import(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "demo")
    archive = tmp_path / "acme.zip"
    out = run(env, "tenant", "export", "acme", str(archive)).stdout
    assert "users: 1 linha(s)" in out and archive.exists()
    run(env, "tenant", "delete", "acme", "--yes")
    assert " acme " not in run(env, "tenant", "list").stdout.replace("\n", " ")
    run(env, "tenant", "import", str(archive))
    assert "acme" in run(env, "tenant", "list").stdout
    verified = run(env, "audit", "verify", "--tenant", "acme")
    assert "íntegros" in verified.stdout
    again = run(env, "tenant", "import", str(archive), ok=False)
    assert again.returncode == 1 and "TENANT_EXISTS" in again.stderr
