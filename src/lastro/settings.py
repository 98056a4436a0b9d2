"""Settings from ``LASTRO_*`` environment variables, safe for the embedded default.

Embedded mode (no URLs configured) runs on a SQLite file under ``var/`` with in-process cache,
locks and queue. Production mode refuses to start with the development secret or demo passwords.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
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
    upload_max_bytes: int = Field(
        default=100 * 1024 * 1024,
        description="Body limit of file uploads (documents); each tenant's policy may be lower",
    )
    base_domain: str = "localhost"
    cors_origins: list[str] = []
    log_level: str = "INFO"
    log_json: bool = True
    enabled_modules: list[str] | None = None

    # Notifications (core.notifications): e-mail by SMTP (unset host: .eml files under
    # data_dir/mail-outbox outside production), SMS and WhatsApp providers
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_tls: bool = Field(default=False, description="Implicit TLS (port 465)")
    smtp_from: str = "nao-responda@lastro.local"
    smtp_timeout: float = 30.0
    sms_provider: Literal["sandbox", "zenvia"] = "sandbox"
    sms_api_base: str = "https://api.zenvia.com/v2"
    sms_api_token: SecretStr | None = None
    sms_from: str = "lastro"
    whatsapp_provider: Literal["sandbox", "cloud_api"] = "sandbox"
    whatsapp_api_base: str = "https://graph.facebook.com/v21.0"
    whatsapp_phone_number_id: str | None = None
    whatsapp_token: SecretStr | None = None
    whatsapp_templates: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Template key -> {name, language, params}: approved WhatsApp templates",
    )
    notifications_max_attempts: int = 5
    notifications_retry_base_seconds: float = 60.0
    notifications_http_timeout: float = 15.0

    # Outbound webhooks (core.webhooks)
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 15
    webhook_base_delay_seconds: float = 30.0
    webhook_max_delay_seconds: float = 43_200.0
    webhook_disable_after_days: float = 3.0
    webhook_response_max_bytes: int = 2048

    # Documents (core.documents): local directory under data_dir/objects unless s3_bucket is set
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = Field(default=None, description="MinIO or other S3-compatible")
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str | None = None
    s3_prefix: str = ""
    documents_max_bytes: int = Field(
        default=25 * 1024 * 1024, description="Default upload limit; tenant policies override it"
    )
    # Exports and reports (core.exports)
    exports_direct_max_rows: int = 50_000
    public_url: str | None = Field(
        default=None, description="Base of links in e-mails; default https://<slug>.<base_domain>"
    )

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
