"""59 XSS payloads in article titles and bodies, source names, analysts' notes and rebuttals render inert in
a real Chromium: no script runs, no dialog opens, and the text is shown as typed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from store import cases
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Source
from tests.e2e.conftest import log_in, serve_app
from tests.fixtures.review import add_flagged_article, add_role_users

PAYLOADS = [line for line in (Path(__file__).parents[1] / "fixtures/xss_payloads.txt").read_text("utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def test_payloads_everywhere_text_is_shown_and_nothing_runs(browser, tmp_path):
    assert len(PAYLOADS) >= 50
    url = f"sqlite:///{tmp_path / 'xss.db'}"
    engine = make_engine(url)
    upgrade(engine)
    add_role_users(engine)
    articles = []
    for i, payload in enumerate(PAYLOADS):
        source = f"src-{i % 5}"
        articles.append(add_flagged_article(engine, title=f"Hải Dương {i} {payload}",
                                            text=f"Đoạn đầu ở Kinh Môn.\n{payload}\nĐoạn cuối {i}.",
                                            source_id=source, source_name=f"Báo {i % 5} {PAYLOADS[-1 - i % 5]}",
                                            url=f"https://example.org/a{i}", reasons=[f"lý do {payload}"]))
    with session_scope(engine, write=True) as s:
        for src in s.query(Source):
            assert "script" in src.name or "<" in src.name  # the source names carry payloads too
        case = cases.open_case(s, "Hồ sơ " + PAYLOADS[0], [articles[0][0]], "analyst", timedelta(days=3))
        for payload in PAYLOADS:
            cases.add_note(s, case, "analyst", payload)
        cases.save_rebuttal(s, case, "editor", None, PAYLOADS[1], "false", "\n".join(PAYLOADS[2:10]),
                            "https://example.org/phan-bac", PAYLOADS[10])
        case_id = case.id
    engine.dispose()

    with serve_app(url) as base:
        page = log_in(browser, base, "admin")
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pages = ["/", "/?status=all", "/rebuttals", f"/rebuttals/{case_id}", "/admin/audit", "/admin/users"]
        pages += [f"/articles/{article_id}" for article_id, _ in articles]
        for path in pages:
            page.goto(base + path)
            page.mouse.move(200, 200)  # hover handlers would fire now
            page.keyboard.press("Tab")  # focus handlers too
            assert page.evaluate("window.__xss") is None, path
            assert page.evaluate("document.querySelectorAll('script:not([src=\"/static/app.js\"])').length") == 0, path
            assert page.evaluate("document.querySelectorAll('iframe, object, embed, svg, img, video, audio').length")\
                == 0, path
        assert dialogs == []
        # shown as typed: the text of each payload is on its article's page
        for (article_id, _), payload in zip(articles, PAYLOADS, strict=True):
            page.goto(f"{base}/articles/{article_id}")
            body = page.inner_text("article.detail")
            assert payload.strip() in body, payload
        page.goto(f"{base}/rebuttals/{case_id}")
        notes = page.locator("li.note").all_inner_texts()
        assert len(notes) == len(PAYLOADS) and all(p.strip() in n for p, n in zip(PAYLOADS, notes, strict=True))
        page.context.close()
