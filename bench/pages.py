"""A local server with N distinct article pages (from the demo sites) and a sitemap listing them all."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from markupsafe import escape

from pipeline.demo.sites import load_sites


class PageFarm:
    """Pre-rendered pages held in memory so the server is not what is measured."""

    def __init__(self, count: int) -> None:
        articles = [(site, a) for site in load_sites() for a in site.articles]
        self.pages: dict[str, bytes] = {}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        for i in range(count):
            site, article = articles[i % len(articles)]
            html = site.render_article(article, self.base)
            for form in {article.title, str(escape(article.title))}:  # raw and HTML-escaped
                html = html.replace(form, f"{form} (bản {i})")
            html = html.replace(f'href="{self.base}{article.path}"', f'href="{self.base}/p/{i}.html"')
            self.pages[f"/p/{i}.html"] = html.encode("utf-8")
        urls = "".join(f"<url><loc>{self.base}{path}</loc></url>" for path in self.pages)
        self.sitemap = ('<?xml version="1.0" encoding="UTF-8"?><urlset '
                        f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>').encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        farm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/sitemap.xml":
                    body, ctype = farm.sitemap, "application/xml"
                elif self.path == "/robots.txt":
                    body, ctype = b"User-agent: *\n", "text/plain"
                else:
                    body = farm.pages.get(self.path, b"")
                    ctype = "text/html; charset=utf-8"
                    if not body:
                        self.send_response(404)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def __enter__(self) -> PageFarm:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
