"""Settings from ``LASTRO_*`` environment variables, safe for the embedded default.

Embedded mode (no URLs configured) runs on a SQLite file under ``var/`` with in-process cache,
locks and queue. Production mode refuses to start with the development secret or demo passwords.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "lastro-dev-secret-key-change-me-in-production-0000"  # noqa: S105
DEFAULT_DATA_DIR = Path("var")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LASTRO_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    secret_key: str = DEV_SECRET_KEY
    data_dir: Path = DEFAULT_DATA_DIR

    database_url: str = ""
    migration_database_url: str = Field(
        default="", description="Owner connection for migrations; defaults to database_url"
    )
    database_pool_size: int = 10
    database_echo: bool = False
    redis_url: str | None = None
    broker_url: str | None = None
    embedded_worker: bool = Field(
        default=True,
        description="Without a broker, run jobs and cron schedules inside the API process",
    )

    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    password_min_length: int = 10
    login_rate_limit_per_minute: int = 30
    user_rate_limit_per_minute: int = 1200

    max_body_bytes: int = 1_048_576
    base_domain: str = "localhost"
    cors_origins: list[str] = []
    log_level: str = "INFO"
    log_json: bool = True
    enabled_modules: list[str] | None = None

    # Billing of tenants by the platform (core.billing)
    billing_due_days: int = Field(default=10, description="Days from issue to due date")
    billing_grace_days: int = Field(
        default=15, description="Days past due before the subscription is suspended"
    )
    billing_reminder_days: list[int] = Field(
        default=[-3, 0, 1, 5, 10], description="Reminders, in days relative to the due date"
    )
    billing_provider: str = "sandbox"
    billing_webhook_secret: str = Field(
        default="", description="HMAC secret of provider webhooks; derived from secret_key if empty"
    )
    billing_beneficiary_name: str = "Lastro Tecnologia Ltda"
    billing_beneficiary_document: str = "11.222.333/0001-81"
    billing_beneficiary_city: str = "Sao Paulo"
    billing_bank_agency: str = "0057"
    billing_bank_account: str = "12345"
    billing_bank_carteira: str = "109"
    billing_pix_key: str = "financeiro@lastro.example"
    platform_books_slug: str = Field(
        default="lastro", description="Tenant that holds the platform's own books in the ledger"
    )

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'lastro.db'}"
        if not self.migration_database_url:
            self.migration_database_url = self.database_url
        return self

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def production_problems(self) -> list[str]:
        """Why this configuration must not serve production traffic (empty when it may)."""
        problems: list[str] = []
        if not self.is_production:
            return problems
        if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
            problems.append("LASTRO_SECRET_KEY is the development default or shorter than 32")
        if self.is_sqlite:
            problems.append("LASTRO_DATABASE_URL must point to PostgreSQL in production")
        return problems


@lru_cache
def get_settings() -> Settings:
    return Settings()
