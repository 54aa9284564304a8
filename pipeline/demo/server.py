"""A small HTTP server for the demo sites on 127.0.0.1 (the `demo` command and the tests use it)."""

from __future__ import annotations

import argparse
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from pipeline.demo.sites import DemoSite, load_sites

logger = logging.getLogger(__name__)

ROBOTS = b"User-agent: *\nDisallow: /admin/\nDisallow: /*/wp-comments-post.php\n"


class DemoWeb:
    """Serves every demo site under /<folder>/ on one loopback port, in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, sites: list[DemoSite] | None = None) -> None:
        self.sites = {s.folder: s for s in (sites or load_sites())}
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        web = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "hdmonitor-demo/1.0"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
                logger.debug("demo web: " + format, *args)

            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                status, ctype, body = web.respond(self.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT"""
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def respond(self, raw_path: str) -> tuple[int, str, bytes]:
        """Status, content type and body for a request path."""
        path = urlsplit(raw_path).path
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1
        if path == "/robots.txt":
            return HTTPStatus.OK, "text/plain; charset=utf-8", ROBOTS
        if path == "/sitemap-index.xml":
            body = "".join(f"<sitemap><loc>{self.base_url}/{f}/sitemap.xml</loc></sitemap>" for f in self.sites)
            xml = ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                   f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>')
            return HTTPStatus.OK, "application/xml; charset=utf-8", xml.encode()
        folder = path.strip("/").split("/", 1)[0]
        site = self.sites.get(folder)
        if site is None:
            return HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found"
        base = self.base_url
        if path in (f"/{folder}", f"/{folder}/"):
            query = parse_qs(urlsplit(raw_path).query)
            page = int(query.get("page", ["1"])[0]) if query.get("page", ["1"])[0].isdigit() else 1
            return HTTPStatus.OK, "text/html; charset=utf-8", site.render_index(base, max(1, page)).encode()
        if path == f"/{folder}/sitemap.xml":
            return HTTPStatus.OK, "application/xml; charset=utf-8", site.render_sitemap(base).encode()
        if path.rstrip("/") == f"/{folder}/{site.feed}".rstrip("/"):
            ctype = "application/atom+xml" if site.feed_format == "atom" else "application/rss+xml"
            return HTTPStatus.OK, f"{ctype}; charset=utf-8", site.render_feed(base).encode()
        article = site.by_path.get(path)
        if article is None:
            return HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", b"<h1>404</h1>"
        return HTTPStatus.OK, "text/html; charset=utf-8", site.render_article(article, base).encode()

    def start(self) -> DemoWeb:
        """Serve in a daemon thread; returns self."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="demo-web", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> DemoWeb:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    """Serve the demo sites in the foreground (for looking at them in a browser)."""
    parser = argparse.ArgumentParser(description="Phục vụ các trang mẫu / serve the demo sites")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    web = DemoWeb(port=args.port)
    print(f"demo sites at {web.base_url}/ ({', '.join(web.sites)})")
    web.httpd.serve_forever()


if __name__ == "__main__":
    main()
