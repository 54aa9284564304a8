"""Scrapy settings every crawl starts from; the caller's settings (settings.toml [scrapy]) go on top."""

from __future__ import annotations

from typing import Any

BASE_SETTINGS: dict[str, Any] = {
    "BOT_NAME": "hdmonitor",
    "ROBOTSTXT_OBEY": True,
    "USER_AGENT": "hdmonitor/0.1 (+media monitoring)",
    "TELNETCONSOLE_ENABLED": False,
    "LOG_LEVEL": "INFO",
    "DOWNLOAD_TIMEOUT": 30,
    "DOWNLOAD_MAXSIZE": 10 * 1024 * 1024,
    "DOWNLOAD_WARNSIZE": 5 * 1024 * 1024,
    "REDIRECT_MAX_TIMES": 5,
    "RETRY_TIMES": 2,
    "COOKIES_ENABLED": False,
    "AUTOTHROTTLE_ENABLED": True,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    # Scrapy starts this many tasks for every callback's output; our item pipeline only hands records
    # to a writer thread, so a few are plenty (the default 100 costs more CPU than the download)
    "CONCURRENT_ITEMS": 8,
    "DOWNLOADER_MIDDLEWARES": {
        "crawlers.middlewares.PrivateAddressGuard": 50,
        "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
        "crawlers.middlewares.BackoffRetryMiddleware": 550,
        "crawlers.middlewares.SharedPoliteness": 560,  # on only in distributed mode (HDM_POLITENESS_REDIS)
    },
    "RETRY_BACKOFF_BASE": 1.0,
    "RETRY_BACKOFF_MAX": 60.0,
    "RETRY_AFTER_MAX": 300.0,
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
}


def crawl_settings(overrides: dict[str, Any]) -> dict[str, Any]:
    """Base settings with the caller's overrides applied (dicts such as middlewares are merged)."""
    merged = dict(BASE_SETTINGS)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged
