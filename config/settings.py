"""One typed settings object, built at start-up from the environment over settings.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

SECRET_FIELDS = frozenset({"secret_key", "smtp_password"})


class SettingsError(Exception):
    """The settings cannot be loaded; the message says which file or variable to fix."""


def default_config_dir() -> Path:
    """The directory that ships the default settings and data files."""
    return Path(__file__).resolve().parent


DEFAULT_GAZETTEER = "hai-duong"


class Settings(BaseSettings):
    """Every setting the programs read; env prefix HDM_, nested keys with '__'."""

    model_config = SettingsConfigDict(env_prefix="HDM_", env_nested_delimiter="__", extra="ignore")

    database_url: str = "sqlite:///var/hdmonitor.db"
    config_dir: Path = Field(default_factory=default_config_dir)
    gazetteer_profile: str = Field(DEFAULT_GAZETTEER, pattern=r"^[a-z0-9][a-z0-9-]*$")
    secret_key: SecretStr | None = None
    timezone: str = "Asia/Ho_Chi_Minh"
    risk_threshold: float = Field(0.45, ge=0.0, le=1.0)
    alert_threshold: float = Field(0.8, ge=0.0, le=1.0)
    analyse_batch_size: int = Field(50, ge=1)
    analyse_without_signal: bool = False
    allow_private_hosts: bool = False
    private_host_allowlist: list[str] = Field(default_factory=list)
    model_dir: Path | None = None
    shared_data_dir: Path = Path("../shared/data")
    crawl_timeout_seconds: int = Field(1800, ge=10)
    workers: int | None = Field(None, ge=0)  # extraction/analysis processes; None: one per core, 0: in-process
    extract_batch_size: int = Field(32, ge=1)
    database_wait_seconds: int = Field(900, ge=0)  # a unit waits this long for a locked or unreachable database
    min_interval_minutes: float = Field(5.0, gt=0)  # a source is never visited more often than this
    analyse_interval_seconds: int = Field(60, ge=1)  # the daemon looks for waiting pages and articles this often
    keep_days: int = Field(90, ge=1)  # housekeeping forgets job runs, quarantine rows and crawl logs older than this
    log_format: Literal["text", "json"] = "text"
    log_file: Path | None = None  # None: standard error (the journal under systemd)
    log_max_mb: int = Field(20, ge=1)
    log_backups: int = Field(5, ge=0)
    metrics_address: str = "127.0.0.1:9464"  # the daemon's /healthz and /metrics; empty: not served
    cookie_secure: bool | None = None  # the review app's cookies: None sets Secure when the request came over TLS
    session_idle_minutes: int = Field(480, ge=5)  # a review session unused this long ends
    session_days: int = Field(7, ge=1)  # and ends this long after login, used or not
    case_sla_days: float = Field(3.0, gt=0)  # a rebuttal case is due this long after it is opened
    case_statuses: list[str] = Field(default_factory=lambda: ["open", "verifying", "drafting", "published", "closed"])
    office_name: str = "Thông tin đối ngoại Hải Dương (TP Hải Phòng)"  # the author of published rebuttals
    office_url: str | None = None  # the office's site, named in ClaimReview output
    claims_include_closed: bool = False  # closed cases' claims are matched too (open and published ones always)
    scrapy: dict[str, Any] = Field(default_factory=dict)
    # mail: the weekly digest, alerts and daily mails (recipients are also kept in the web app)
    app_url: str = "http://127.0.0.1:8000"  # the review app as readers reach it: every link in a mail starts here
    smtp_host: str | None = None  # None: nothing is sent (`digest preview` still works)
    smtp_port: int | None = Field(None, ge=1, le=65535)  # None: 465 with smtp_tls, else 587 with STARTTLS, else 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True  # upgrade a plain connection with STARTTLS (refuse to send if the server cannot)
    smtp_tls: bool = False  # TLS from the first byte (port 465)
    smtp_timeout_seconds: int = Field(30, ge=1)
    digest_from: str = "hdmonitor@localhost"
    digest_to: str = ""  # comma-separated addresses of the weekly digest
    alert_to: str = ""  # comma-separated addresses of immediate, spike and health mails; empty: digest_to
    digest_weekday: int = Field(0, ge=0, le=6)  # the weekly send: Monday (0) …
    digest_hour: int = Field(7, ge=0, le=23)  # … at 07:00 local time, for the week that ended on Sunday
    # many machines: Celery workers over a broker, sharing PostgreSQL (`hdmonitor worker`, `run --distributed`)
    broker_url: str = "redis://127.0.0.1:6379/0"
    broker_visibility_seconds: int | None = Field(None, ge=30)  # None: the crawl timeout plus ten minutes
    task_retries: int = Field(5, ge=0)  # a failing task is retried this often (backoff), then dead-lettered

    @field_validator("case_statuses")
    @classmethod
    def _case_statuses_have_the_fixed_steps(cls, value: list[str]) -> list[str]:
        """Any steps in any order, but 'published' (locks the rebuttal) and 'closed' must be among them."""
        names = [str(v).strip() for v in value if str(v).strip()]
        if len(set(names)) != len(names) or not {"published", "closed"} <= set(names) or names[0] in (
                "published", "closed"):
            raise ValueError("case_statuses: distinct names that include 'published' and 'closed', starting "
                             "with the status a new case gets")
        return names

    @field_validator("digest_from", "digest_to", "alert_to", "smtp_host", "smtp_user")
    @classmethod
    def _no_line_breaks(cls, value: str | None) -> str | None:
        """A mail setting never carries a line break: it could start a header of its own."""
        if value is not None and any(c in value for c in "\r\n\0"):
            raise ValueError("no line breaks allowed")
        return value

    @field_validator("scrapy")
    @classmethod
    def _scrapy_names_upper(cls, value: dict[str, Any]) -> dict[str, Any]:
        """Scrapy setting names are upper case; environment variables may arrive lower-cased."""
        return {str(k).upper(): v for k, v in value.items()}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over settings.toml (passed in as init values).
        return (env_settings, init_settings)

    def config_file(self, name: str) -> Path:
        """A data file from the configured directory, falling back to the shipped default."""
        candidate = Path(self.config_dir) / name
        return candidate if candidate.exists() else default_config_dir() / name

    def gazetteer_file(self) -> Path:
        """The gazetteer of the configured profile: gazetteer.yaml for the default (the former Hải Dương
        province), gazetteer-<profile>.yaml for another (hai-phong: the whole merged city)."""
        name = "gazetteer.yaml" if self.gazetteer_profile == DEFAULT_GAZETTEER else \
            f"gazetteer-{self.gazetteer_profile}.yaml"
        path = self.config_file(name)
        if not path.exists():
            raise SettingsError(f"không có hồ sơ địa danh / no gazetteer profile '{self.gazetteer_profile}': "
                                f"{name} is in neither {self.config_dir} nor {default_config_dir()}")
        return path

    @property
    def sqlite_path(self) -> Path | None:
        """The database file when the URL is a SQLite file, else None."""
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url[len(prefix):])
        return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: TOML không hợp lệ / invalid TOML: {exc}") from exc
    leaked = SECRET_FIELDS & set(data)
    if leaked:
        raise SettingsError(
            f"{path}: bí mật chỉ lấy từ biến môi trường / secrets come only from the environment: "
            + ", ".join(sorted(leaked))
        )
    return data


def load_settings(config_dir: Path | str | None = None, **overrides: Any) -> Settings:
    """Build the settings: command-line overrides > HDM_* environment > settings.toml > defaults."""
    import os

    directory = Path(config_dir or os.environ.get("HDM_CONFIG_DIR") or default_config_dir())
    if not directory.is_dir():
        raise SettingsError(f"thư mục cấu hình không tồn tại / config directory not found: {directory}")
    toml_path = directory / "settings.toml"
    base = _read_toml(toml_path if toml_path.exists() else default_config_dir() / "settings.toml")
    base["config_dir"] = directory
    try:
        settings = Settings(**base)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SettingsError(f"cài đặt sai / bad setting {where}: {first['msg']}") from exc
    clean = {k: v for k, v in overrides.items() if v is not None}
    return settings.model_copy(update=clean) if clean else settings
