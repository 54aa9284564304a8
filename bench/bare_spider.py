"""The baseline: a bare Scrapy crawl of the same sitemap and pages, storing nothing."""

from __future__ import annotations

import sys

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.spiders import SitemapSpider


class BareSpider(SitemapSpider):
    name = "bare"

    def parse(self, response: scrapy.http.Response) -> None:
        return None


def main() -> None:
    base = sys.argv[1]
    process = CrawlerProcess({"LOG_LEVEL": "ERROR", "CONCURRENT_REQUESTS": 32,
                              "CONCURRENT_REQUESTS_PER_DOMAIN": 32, "ROBOTSTXT_OBEY": True,
                              "TELNETCONSOLE_ENABLED": False})
    process.crawl(BareSpider, sitemap_urls=[f"{base}/sitemap.xml"])
    process.start()


if __name__ == "__main__":
    main()
