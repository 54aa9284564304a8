"""The weekly digest through a real SMTP server on loopback: what arrives, once per week, with figures that equal
the database's, charts by Content-ID, the XLSX attachment, and no header a title could add."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from digest.period import iso_week
from digest.weekly import send_digest
from pipeline.cli import main
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Analysis, Article, DigestRun
from tests.fixtures.mail import TZ, mail_settings, seed_week, smtp_server

WEEK = "2026-W48"  # Monday 23 – Sunday 29 November 2026


@pytest.fixture
def seeded(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    ids = seed_week(engine, datetime(2026, 11, 23, tzinfo=TZ))
    yield db_url, engine, ids
    engine.dispose()


def _expected(engine, start: datetime, end: datetime) -> dict[str, int]:
    """The week's figures read plainly: every article dated in it, and its newest analysis."""
    out = {"articles": 0, "relevant": 0, "flagged": 0, "negative": 0}
    with session_scope(engine) as s:
        for article in s.scalars(select(Article)):
            when = article.published_at or article.fetched_at
            if not start <= when < end:
                continue
            out["articles"] += 1
            latest = s.scalar(select(Analysis).where(Analysis.article_id == article.id)
                              .order_by(Analysis.id.desc()).limit(1))
            if latest is not None and latest.relevance in ("focus", "mention"):
                out["relevant"] += 1
                out["flagged"] += int(latest.flagged)
                out["negative"] += int(latest.sentiment == "negative")
    return out


def _parts(msg):
    kinds = {}
    for part in msg.walk():
        kinds.setdefault(part.get_content_type(), []).append(part)
    return kinds


def test_the_digest_arrives_once_with_the_weeks_figures(seeded):
    url, engine, ids = seeded
    period = iso_week(WEEK, TZ)
    with smtp_server() as box:
        settings = mail_settings(url, box)
        first = send_digest(settings, engine, period)
        assert first.status == "sent", first.error
        assert len(box.received) == 1
        got = box.received[0]
        assert got.rcpt_tos == ["lanh-dao@so-ngoai-vu.example"] and got.mail_from == "hdmonitor@so-ngoai-vu.example"
        msg = got.message
        assert "2026-W48" in msg["Subject"] and "23/11" in msg["Subject"]
        parts = _parts(msg)
        text = parts["text/plain"][0].get_content()
        html = parts["text/html"][0].get_content()
        pngs = parts["image/png"]
        assert len(pngs) == 2 and all(p.get_content().startswith(b"\x89PNG") for p in pngs)
        for png in pngs:  # each chart is referenced by its Content-ID from the HTML part
            cid = png["Content-ID"].strip("<>")
            assert f'src="cid:{cid}"' in html
        assert msg.get_body(("html",)).get_content_type() == "text/html"
        xlsx = [p for p in msg.iter_attachments() if p.get_filename() == "hdmonitor-2026-W48.xlsx"]
        assert len(xlsx) == 1
        book = load_workbook(io.BytesIO(xlsx[0].get_content()))
        rows = list(book.active.iter_rows(values_only=True))

        expected = _expected(engine, period.start, period.end)
        before = _expected(engine, period.start - timedelta(days=7), period.start)
        assert expected == {"articles": 8, "relevant": 7, "flagged": 2, "negative": 3}  # the seed, read plainly
        assert len(rows) - 1 == expected["relevant"]  # one row per article about the province
        for label, key in (("Tổng số bài thu thập", "articles"), ("Bài về Hải Dương", "relevant"),
                           ("Bị gắn cờ (nghi sai lệch)", "flagged"), ("Sắc thái tiêu cực", "negative")):
            assert f"- {label}: {expected[key]} (tuần trước {before[key]}," in text
            assert re.search(rf"{re.escape(label)}</td><td[^>]*>{expected[key]}</td><td[^>]*>{before[key]}</td>", html)
        assert "Kinh tế: 2 (28,6 %)" in text  # Vietnamese labels and number format
        assert "Tiếng Anh: 1 (14,3 %)" in text
        assert "Báo chí nước ngoài" in html and "https://giamsat.example/articles/" in html
        assert f"https://giamsat.example/rebuttals/{ids['rebuttal']}" in text
        assert "- Hải Dương thu hút vốn đầu tư — 2 cơ quan báo chí, 2 bài" in text  # one story, two outlets
        assert "[Đã xác nhận] Bài xuyên tạc về lễ hội Côn Sơn" in text and "<script" not in html.lower()
        formula = [r for r in rows if r[0] == ids["formula"]][0]
        assert formula[1].startswith("=HYPERLINK")  # kept as text, not a formula
        assert xlsx[0].get_content()[:2] == b"PK"

        # a title with CR/LF and Bcc: is body text, never a header; the envelope has the one recipient
        assert msg["Bcc"] is None and "spy@attacker.example" not in got.rcpt_tos
        assert msg.get_all("Subject") == [msg["Subject"]] and "giả mạo" not in msg["Subject"]
        assert "Tin nóng Bcc: spy@attacker.example Subject: giả mạo" in text

        again = send_digest(settings, engine, period)
        assert again.status == "already_sent" and len(box.received) == 1
        forced = send_digest(settings, engine, period, force=True)
        assert forced.status == "sent" and len(box.received) == 2
        assert box.received[1].message["Message-ID"] != msg["Message-ID"]
    with session_scope(engine) as s:
        run = s.scalar(select(DigestRun).where(DigestRun.week == WEEK))
        assert run.status == "sent" and run.sends == 2 and run.figures["relevant"] == 7
        assert s.scalar(select(func.count()).select_from(DigestRun)) == 1


def test_a_failed_send_is_recorded_and_retried(seeded, capsys, monkeypatch):
    url, engine, _ = seeded
    period = iso_week(WEEK, TZ)
    with smtp_server() as box:
        box.fail_next = 1
        settings = mail_settings(url, box)
        failed = send_digest(settings, engine, period)
        assert failed.status == "failed" and "451" in (failed.error or "")
        with session_scope(engine) as s:
            run = s.scalar(select(DigestRun).where(DigestRun.week == WEEK))
            assert run.status == "failed" and run.attempts == 1 and "451" in run.last_error
        monkeypatch.setenv("HDM_DATABASE_URL", url)
        capsys.readouterr()
        assert main(["status"]) == 0
        shown = capsys.readouterr().out
        assert "2026-W48: failed" in shown and "! bản tin tuần / digest 2026-W48 chưa gửi được" in shown
        assert send_digest(settings, engine, period).status == "sent"
        assert len(box.received) == 1
    with session_scope(engine) as s:
        run = s.scalar(select(DigestRun).where(DigestRun.week == WEEK))
        assert run.status == "sent" and run.attempts == 2 and run.last_error is None


def test_the_command_line(seeded, tmp_path, monkeypatch, capsys):
    url, engine, _ = seeded
    with smtp_server() as box:
        for key, value in {"HDM_DATABASE_URL": url, "HDM_SMTP_HOST": box.host, "HDM_SMTP_PORT": str(box.port),
                           "HDM_SMTP_STARTTLS": "false", "HDM_DIGEST_TO": "a@x.example, b@x.example",
                           "HDM_DIGEST_FROM": "hdm@x.example"}.items():
            monkeypatch.setenv(key, value)
        out = tmp_path / "preview.html"
        assert main(["digest", "preview", "--week", WEEK, "--output", str(out)]) == 0
        page = out.read_text("utf-8")
        assert "data:image/png;base64," in page and "cid:" not in page and "Bản tin tuần 2026-W48" in page
        assert box.received == []  # a preview sends nothing
        assert main(["digest", "send", "--week", WEEK]) == 0
        assert sorted(box.received[0].rcpt_tos) == ["a@x.example", "b@x.example"]
        capsys.readouterr()
        assert main(["digest", "send", "--week", WEEK]) == 0
        assert "đã gửi rồi" in capsys.readouterr().out and len(box.received) == 1
        assert main(["digest", "send", "--week", WEEK, "--force"]) == 0 and len(box.received) == 2
        assert main(["digest", "send", "--week", "2026-W99"]) == 2
        assert "no such week" in capsys.readouterr().err
        monkeypatch.setenv("HDM_DIGEST_TO", "a@x.example\r\nBcc: spy@attacker.example")
        assert main(["digest", "send", "--week", WEEK, "--force"]) == 1
        assert "line breaks" in capsys.readouterr().err and len(box.received) == 2


def test_last_complete_week_is_the_default(seeded):
    from digest.period import last_complete_week

    monday_morning = datetime(2026, 11, 30, 0, 30, tzinfo=TZ).astimezone(UTC)
    assert last_complete_week(monday_morning, TZ).label == WEEK
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=TZ).astimezone(UTC)
    assert last_complete_week(sunday_night, TZ).label == "2026-W47"
