"""The baseline: a bare Scrapy crawl of the same RSS feeds and the pages they list, storing nothing.

    .venv/bin/python -m bench.bare_feed_spider FEED_URL [FEED_URL ...]

Prints one JSON line: {"pages": <article pages fetched with status 200>, "feeds": <feeds read>}.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess


class BareFeedSpider(scrapy.Spider):
    """Reads each feed with Scrapy's own selectors and fetches every item link; does nothing with the pages."""

    name = "bare_feed"

    def __init__(self, feed_urls: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.feed_urls = feed_urls
        self.feeds = 0
        self.pages = 0

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """One request per feed."""
        for url in self.feed_urls:
            yield scrapy.Request(url, callback=self.parse_feed)

    def parse_feed(self, response: scrapy.http.Response) -> Iterator[scrapy.Request]:
        """A request for every item link of the feed."""
        self.feeds += 1
        for link in response.xpath("//item/link/text()").getall():
            yield response.follow(link.strip(), callback=self.parse_page)

    def parse_page(self, response: scrapy.http.Response) -> None:
        """Count the page and drop it."""
        if response.status == 200:
            self.pages += 1


def main() -> None:
    """Crawl the feeds given on the command line and print the counts."""
    feed_urls = sys.argv[1:]
    if not feed_urls:
        raise SystemExit("usage: python -m bench.bare_feed_spider FEED_URL [FEED_URL ...]")
    process = CrawlerProcess({"LOG_LEVEL": "ERROR", "CONCURRENT_REQUESTS": 32,
                              "CONCURRENT_REQUESTS_PER_DOMAIN": 32, "ROBOTSTXT_OBEY": True,
                              "TELNETCONSOLE_ENABLED": False})
    crawler = process.create_crawler(BareFeedSpider)
    process.crawl(crawler, feed_urls=feed_urls)
    process.start()
    spider = crawler.spider
    assert isinstance(spider, BareFeedSpider)
    print(json.dumps({"pages": spider.pages, "feeds": spider.feeds}), flush=True)


if __name__ == "__main__":
    main()
