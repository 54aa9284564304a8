"""The list of sources: a YAML file validated at load, with errors that name the bad entry."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from config.settings import SettingsError


class SourceKind(StrEnum):
    """What kind of outlet a source is; an input to the risk score, never the verdict alone."""

    domestic = "domestic"
    foreign = "foreign"
    overseas_vietnamese = "overseas_vietnamese"
    blog = "blog"


class SourceConfig(BaseModel):
    """One source as the administrator declares it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")
    name: str
    kind: SourceKind
    lang: str = Field(pattern=r"^[a-z]{2}$")
    feeds: list[str] = Field(default_factory=list)
    sitemaps: list[str] = Field(default_factory=list)
    listings: list[str] = Field(default_factory=list)
    article_selector: str | None = None
    # the daemon never visits a source more often than HDM_MIN_INTERVAL_MINUTES (5 by default), whatever
    # is written here; below that only for benchmarks that compress time
    interval_minutes: float = Field(60, gt=0, le=10080)
    enabled: bool = True
    prior: float = Field(0.0, ge=-1.0, le=1.0)
    notes: str | None = None
    robots_override_reason: str | None = Field(
        None, min_length=10, description="set only with a written reason: robots.txt is then not obeyed")
    max_pages: int = Field(3, ge=1, le=50)
    next_selector: str | None = None
    extract: dict[str, str] | None = None

    @field_validator("extract")
    @classmethod
    def _extract_fields(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is not None:
            unknown = set(value) - {"title", "text", "author", "date"}
            if unknown:
                raise ValueError(f"extract accepts title, text, author, date; not {sorted(unknown)}")
        return value

    @field_validator("feeds", "sitemaps", "listings")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"not an http(s) URL: {url!r}")
        return urls

    @model_validator(mode="after")
    def _has_entry_point(self) -> SourceConfig:
        if self.enabled and not (self.feeds or self.sitemaps or self.listings):
            raise ValueError("an enabled source needs at least one of feeds, sitemaps, listings")
        return self


def parse_sources(data: Any, origin: str = "sources") -> list[SourceConfig]:
    """Validate already-parsed YAML data into source configs, naming the bad entry on error."""
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise SettingsError(f"{origin}: cần khóa 'sources' là một danh sách / expected a 'sources' list")
    result: list[SourceConfig] = []
    seen: set[str] = set()
    for index, entry in enumerate(data["sources"]):
        label = entry.get("id", f"#{index + 1}") if isinstance(entry, dict) else f"#{index + 1}"
        try:
            source = SourceConfig.model_validate(entry)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "entry"
            raise SettingsError(
                f"{origin}: nguồn / source '{label}': {where}: {first['msg']}"
            ) from exc
        if source.id in seen:
            raise SettingsError(f"{origin}: nguồn trùng id / duplicate source id '{source.id}'")
        seen.add(source.id)
        result.append(source)
    return result


def load_sources(path: Path) -> list[SourceConfig]:
    """Read and validate a sources YAML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"không đọc được / cannot read {path}: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SettingsError(f"{path}: YAML không hợp lệ / invalid YAML: {exc}") from exc
    return parse_sources(data, str(path))
