#!/usr/bin/env bash
# The whole test suite: install test dependencies, lint, type-check, check import boundaries,
# then pytest on SQLite and on the real PostgreSQL / Redis / RabbitMQ when they are reachable
# (in CI, CI=true makes a missing service a failure). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'

# Headless Chromium for the browser test (Debian's package; never a downloaded browser build).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser test…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "warning: could not install chromium; the browser test will not run" >&2
fi

# Point the suite at the local services when they answer and nothing else was configured.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -z "${LASTRO_TEST_DATABASE_URL:-}" ] && port_open 5432; then
  export LASTRO_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres
fi
if [ -z "${LASTRO_TEST_REDIS_URL:-}" ] && port_open 6379; then
  export LASTRO_TEST_REDIS_URL=redis://127.0.0.1:6379/15
fi
if [ -z "${LASTRO_TEST_BROKER_URL:-}" ] && port_open 5672; then
  export LASTRO_TEST_BROKER_URL=amqp://guest:guest@127.0.0.1:5672/
fi

echo "== ruff";         .venv/bin/ruff check src tests bench migrations
echo "== ruff format";  .venv/bin/ruff format --check src tests bench migrations
echo "== mypy";         .venv/bin/mypy
echo "== import-linter"; .venv/bin/lint-imports
echo "== pytest (database: sqlite${LASTRO_TEST_DATABASE_URL:+ + postgres}, redis: ${LASTRO_TEST_REDIS_URL:-no}, broker: ${LASTRO_TEST_BROKER_URL:-no})"
# one worker per core plus one (tests wait on the databases a good part of the time); each
# worker migrates its own SQLite file and PostgreSQL database
workers="${LASTRO_TEST_WORKERS:-$(( $(nproc) + 1 ))}"
exec .venv/bin/pytest -n "$workers" "$@"
