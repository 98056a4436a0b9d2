"""The web shell in a real browser: headless Chromium (Debian's package) against a real server.

One ``lastro serve`` per module on a fresh SQLite database (``lastro migrate`` + ``lastro demo``
run through the CLI first), driven with Playwright's sync API. Chromium is never downloaded:
``/usr/bin/chromium`` (or ``chromium`` on PATH) is used, and when it is missing the test skips —
except in CI (``CI=true``), where a missing browser fails the run.

Screenshots of each page land in the test's ``tmp_path`` (see ``LASTRO_SCREENSHOTS`` to keep them
somewhere else).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from lastro.core.billing.demo import SUB_TENANTS
from lastro.core.demo import DEMO_PASSWORD, DEMO_TENANTS, PLATFORM_ADMIN
from lastro.main import load_modules
from tests.services import IN_CI

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOST = "127.0.0.1"
ERROR_WRONG_PASSWORD = "Usuário ou senha inválidos."
TENANT_BRANDING = {slug: branding for slug, _name, _plan, branding in DEMO_TENANTS}


def _chromium() -> str | None:
    path = Path("/usr/bin/chromium")
    if path.exists():
        return str(path)
    return shutil.which("chromium")


def _need_chromium() -> str:
    path = _chromium()
    if path is None:
        message = (
            "chromium is not installed (Debian: `apt-get install -y chromium`; "
            "scripts/test.sh installs it when run as root)"
        )
        if IN_CI:
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)
    return path


def _hex_to_rgb(colour: str) -> str:
    value = colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({r}, {g}, {b})"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _cli(env: dict[str, str], cwd: Path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lastro.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"lastro {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - loopback only
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass(frozen=True)
class Server:
    base_url: str
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``lastro serve`` on a migrated SQLite database holding the demo data."""
    _need_chromium()  # don't pay for a server when the browser test can't run
    data_dir = tmp_path_factory.mktemp("browser-server")
    url = f"sqlite+aiosqlite:///{data_dir / 'lastro.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LASTRO_")}
    env.update(
        LASTRO_ENVIRONMENT="development",
        LASTRO_DATA_DIR=str(data_dir),
        LASTRO_DATABASE_URL=url,
        LASTRO_MIGRATION_DATABASE_URL=url,
        LASTRO_LOG_LEVEL="WARNING",
    )
    _cli(env, data_dir, "migrate")
    _cli(env, data_dir, "demo")
    port = _free_port()
    log = data_dir / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lastro.cli", "serve", "--host", HOST, "--port", str(port)],
            env=env,
            cwd=data_dir,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 20
        while not _answers(f"{base_url}/health"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"lastro serve did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield Server(base_url, log)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Browser]:
    executable = _need_chromium()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    """A fresh browser context (no cookies) per test, failing fast instead of waiting 30 s."""
    context = browser.new_context(
        base_url=server.base_url, locale="pt-BR", viewport={"width": 1280, "height": 800}
    )
    context.set_default_timeout(5_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LASTRO_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _login(page: Page, *, tenant: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    form = page.get_by_test_id("login-form")
    form.locator("input[name=tenant]").fill(tenant)
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.get_by_role("button", name="Entrar").click()
    page.wait_for_load_state()


def _expect_brand_colour(page: Page, colour: str) -> None:
    expect(page.locator("header.topbar")).to_have_css("background-color", _hex_to_rgb(colour))


def test_login_page_renders_lastro_branding(page: Page, server: Server, shots: Path) -> None:
    response = page.goto("/login")
    assert response is not None and response.status == 200
    expect(page).to_have_title("Entrar · Lastro")
    expect(page.get_by_test_id("brand-name")).to_have_text("Lastro")
    form = page.get_by_test_id("login-form")
    for field in ("tenant", "username", "password"):
        expect(form.locator(f"input[name={field}]")).to_be_visible()
    expect(form.locator("input[name=password]")).to_have_attribute("type", "password")
    expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
    # the stylesheet loaded (served locally): the button takes the brand colour
    expect(form.get_by_role("button", name="Entrar")).to_have_css(
        "background-color", _hex_to_rgb("#0b5cad")
    )
    expect(page.get_by_test_id("user-label")).to_have_count(0)
    page.screenshot(path=shots / "login.png", full_page=True)


def test_tenant_admin_lands_on_branded_home(page: Page, shots: Path) -> None:

    _login(page, tenant="demo", username="admin@demo.example")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("brand-name")).to_have_text("Demo Administradora")
    expect(page).to_have_title("Início · Demo Administradora")
    expect(page.get_by_test_id("user-label")).to_have_text("admin@demo.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Olá, Admin DEMO")
    _expect_brand_colour(page, TENANT_BRANDING["demo"]["primary_color"])
    modules = load_modules()
    if modules:
        listed = page.get_by_test_id("module-list").locator("li")
        expect(listed).to_have_count(len(modules))
        for spec in modules:
            expect(page.get_by_test_id("module-list")).to_contain_text(spec.title)
    else:
        expect(page.get_by_test_id("no-modules")).to_have_text(
            "Nenhum módulo habilitado para esta empresa ainda. "
            "Fale com o administrador da plataforma."
        )
    expect(page.get_by_test_id("tenant-list")).to_have_count(0)
    page.screenshot(path=shots / "home-demo.png", full_page=True)


def test_wrong_password_shows_error_and_stays_on_login(page: Page, shots: Path) -> None:
    _login(page, tenant="demo", username="admin@demo.example", password="Errada@12345")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_test_id("login-error")).to_have_text(ERROR_WRONG_PASSWORD)
    expect(page.get_by_role("alert")).to_be_visible()
    form = page.get_by_test_id("login-form")
    expect(form.locator("input[name=tenant]")).to_have_value("demo")
    expect(form.locator("input[name=username]")).to_have_value("admin@demo.example")
    expect(form.locator("input[name=password]")).to_have_value("")
    # the tenant's brand is already applied on its login page
    expect(page.get_by_test_id("brand-name")).to_have_text("Demo Administradora")
    page.screenshot(path=shots / "login-error.png", full_page=True)


def test_logout_returns_to_login(page: Page) -> None:
    _login(page, tenant="demo", username="admin@demo.example")
    expect(page.get_by_test_id("user-label")).to_be_visible()
    page.get_by_role("button", name="Sair").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_test_id("login-form")).to_be_visible()
    names = {cookie["name"] for cookie in page.context.cookies()}
    assert not names & {"lastro_access", "lastro_refresh"}, names
    page.goto("/")  # the session is gone: home sends us back to the login page
    expect(page).to_have_url(re.compile(r"/login$"))


def test_acme_shows_its_own_brand(page: Page, shots: Path) -> None:
    page.goto("/login?tenant=acme")
    expect(page.get_by_test_id("brand-name")).to_have_text("ACME Serviços")
    _expect_brand_colour(page, TENANT_BRANDING["acme"]["primary_color"])
    _login(page, tenant="acme", username="admin@acme.example")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("brand-name")).to_have_text("ACME Serviços")
    expect(page.get_by_test_id("user-label")).to_have_text("admin@acme.example")
    _expect_brand_colour(page, TENANT_BRANDING["acme"]["primary_color"])
    expect(page.locator("body")).not_to_contain_text("Demo Administradora")
    page.screenshot(path=shots / "home-acme.png", full_page=True)


def test_platform_admin_sees_tenant_list(page: Page, shots: Path) -> None:
    _login(page, tenant="", username=PLATFORM_ADMIN)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("brand-name")).to_have_text("Lastro")
    expect(page.get_by_test_id("user-label")).to_have_text(PLATFORM_ADMIN)
    table = page.get_by_test_id("tenant-list")
    rows = table.locator("tbody tr")
    # the demo tenants, the reseller and its sub-tenants; not the platform's own books tenant
    expect(rows).to_have_count(len(DEMO_TENANTS) + 1 + len(SUB_TENANTS))
    expect(rows.filter(has=page.locator("td", has_text=re.compile(r"^lastro$")))).to_have_count(0)
    for slug, name, _plan, _branding in DEMO_TENANTS:
        row = rows.filter(has=page.locator("td", has_text=re.compile(rf"^{slug}$")))
        expect(row).to_have_count(1)
        expect(row).to_contain_text(name)
        expect(row).to_contain_text("ativo")
    expect(page.get_by_test_id("no-modules")).to_have_count(0)
    page.screenshot(path=shots / "home-platform.png", full_page=True)


def test_chromium_rule_is_enforced_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without chromium the suite skips locally but fails in CI (checked without a browser)."""
    import tests.web.test_browser as me

    monkeypatch.setattr(me, "_chromium", lambda: None)
    monkeypatch.setattr(me, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        me._need_chromium()
    monkeypatch.setattr(me, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="chromium is not installed"):
        me._need_chromium()
