"""Alerts, spikes, source volume, saved-search and assignment mails: recorded with their cause in the outbox,
sent through a real SMTP server on loopback, once each, after a crash too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from digest.mailer import mail_round, send_outbox
from digest.watch import is_spike, spikes, volume_problems
from store import cases, outbox
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import OutboxMail, SavedSearch, SavedSearchMatch, Source, User, utcnow
from tests.fixtures.mail import HOSTILE_TITLE, TZ, add_article, mail_settings, smtp_server

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)  # Wednesday 10:00 in Vietnam


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _notices(box):
    """What the server received other than the weekly digest (a round on a weekday sends last week's too)."""
    return [r for r in box.received if "Bản tin tuần" not in r.message["Subject"]]


def _mails(engine, **where):
    with session_scope(engine) as s:
        query = select(OutboxMail).order_by(OutboxMail.id)
        for key, value in where.items():
            query = query.where(getattr(OutboxMail, key) == value)
        return [(m.kind, m.status, m.key) for m in s.scalars(query)]


def test_one_alert_per_story_sent_once_with_no_header_from_the_title(engine, db_url):
    first = add_article(engine, NOW - timedelta(hours=2), HOSTILE_TITLE, source="hai-ngoai",
                        kind="overseas_vietnamese", risk=0.9, flagged=True, story="st-1", alert_threshold=0.8)
    add_article(engine, NOW - timedelta(hours=1), "Cùng câu chuyện, báo khác", source="blog-y", kind="blog",
                risk=0.85, flagged=True, story="st-1", alert_threshold=0.8)
    add_article(engine, NOW - timedelta(hours=1), "Rủi ro dưới ngưỡng cảnh báo", risk=0.6, flagged=True,
                story="st-2", alert_threshold=0.8)
    assert _mails(engine) == [("alert", "pending", "alert:story:st-1")]
    with smtp_server() as box:
        settings = mail_settings(db_url, box, alert_to="truc-ban@so-ngoai-vu.example")
        summary = mail_round(settings, engine, NOW)
        assert summary["sent"] == 1 and summary["digest"] == "2026-W48 sent" and len(_notices(box)) == 1
        got = _notices(box)[0]
        msg = got.message
        assert got.rcpt_tos == ["truc-ban@so-ngoai-vu.example"]
        assert msg["Subject"].startswith("[Cảnh báo] Rủi ro 0,90: Tin nóng Bcc: spy@attacker.example")
        assert msg["Bcc"] is None and len(msg.get_all("Subject")) == 1 and "spy@attacker.example" not in got.rcpt_tos
        assert f"https://giamsat.example/articles/{first}" in msg.get_body(("plain",)).get_content()
        assert mail_round(settings, engine, NOW + timedelta(minutes=1))["sent"] == 0 and len(_notices(box)) == 1
    assert _mails(engine) == [("alert", "sent", "alert:story:st-1")]


def test_a_mail_claimed_by_a_sender_that_died_is_sent_once_after_the_lease(engine, db_url):
    add_article(engine, NOW, "Bài cảnh báo", risk=0.9, flagged=True, alert_threshold=0.8)
    now = utcnow()
    with session_scope(engine, write=True) as s:  # a sender claims it, then the process is killed
        assert outbox.claim_next(s, now) is not None
    with smtp_server() as box:
        settings = mail_settings(db_url, box)
        assert send_outbox(engine, settings, now + timedelta(minutes=1)) == {"sent": 0, "failed": 0}  # still leased
        assert send_outbox(engine, settings, now + outbox.LEASE + timedelta(seconds=1))["sent"] == 1
        assert send_outbox(engine, settings, now + outbox.LEASE * 3)["sent"] == 0
        assert len(_notices(box)) == 1 and _notices(box)[0].message["Message-ID"] == "<mail-1@hdmonitor>"


def test_a_refused_send_waits_and_is_tried_again(engine, db_url):
    add_article(engine, NOW, "Bài cảnh báo", risk=0.9, flagged=True, alert_threshold=0.8)
    now = utcnow()
    with smtp_server() as box:
        box.fail_next = 1
        settings = mail_settings(db_url, box)
        assert send_outbox(engine, settings, now) == {"sent": 0, "failed": 1}
        with session_scope(engine) as s:
            row = s.scalar(select(OutboxMail))
            assert row.status == "pending" and "451" in row.last_error and row.due_at > now
        assert send_outbox(engine, settings, now + timedelta(seconds=30))["sent"] == 0  # not due yet
        assert send_outbox(engine, settings, now + timedelta(minutes=3))["sent"] == 1
        assert len(_notices(box)) == 1


def test_without_a_mail_server_mails_wait(engine, db_url):
    add_article(engine, NOW, "Bài cảnh báo", risk=0.9, flagged=True, alert_threshold=0.8)
    with smtp_server() as box:
        settings = mail_settings(db_url, box, smtp_host=None)
    assert mail_round(settings, engine, NOW)["mail"] == "off"
    assert _mails(engine) == [("alert", "pending", "alert:story:article-1")]


def test_the_spike_rule():
    assert not is_spike(4, [0] * 14)  # too few to mean anything
    assert is_spike(5, [0] * 14)
    assert not is_spike(5, [3] * 14) and is_spike(6, [3] * 14)  # twice the usual is the least
    assert is_spike(6, [3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2][:7] + [0] * 7)
    assert not is_spike(9, [0, 10] * 7)  # within three deviations of a jumpy baseline


def test_a_spike_mails_once_a_day(engine, db_url):
    for day in range(1, 15):
        add_article(engine, NOW - timedelta(days=day, hours=3), f"Ngày {day}", risk=0.5, flagged=True)
    for hour in range(6):
        add_article(engine, NOW - timedelta(hours=hour + 1), f"Giờ {hour}", risk=0.5, flagged=True)
    with session_scope(engine) as s:
        found = spikes(s, NOW)
    assert [(x.cause, x.count) for x in found] == [("flagged", 6)] and len(found[0].article_ids) == 6
    with smtp_server() as box:
        settings = mail_settings(db_url, box)
        assert mail_round(settings, engine, NOW)["spikes"] == 1
        assert mail_round(settings, engine, NOW + timedelta(hours=2))["spikes"] == 0  # the same day, same cause
        assert len(_notices(box)) == 1
        assert "Tăng đột biến tin bị gắn cờ: 6 trong 24 giờ" in _notices(box)[0].message["Subject"]


def test_a_silent_and_a_surging_source_are_reported(engine, db_url):
    for day in range(1, 15):
        add_article(engine, NOW - timedelta(days=day, hours=2), f"Đều đặn {day}", source="deu-dan")
        add_article(engine, NOW - timedelta(days=day, hours=2), f"Ít {day}", source="bung-no")
    for i in range(12):
        add_article(engine, NOW - timedelta(hours=1, minutes=i), f"Dồn dập {i}", source="bung-no")
    with session_scope(engine, write=True) as s:
        for source in s.scalars(select(Source)):  # collected fine: only the volume tells
            source.created_at, source.last_success_at = NOW - timedelta(days=30), NOW - timedelta(minutes=5)
            source.last_new_at = NOW - timedelta(hours=26 if source.id == "deu-dan" else 1)
    with session_scope(engine) as s:
        problems = {p.source_id: p for p in volume_problems(s, NOW)}
    assert set(problems) == {"deu-dan", "bung-no"}
    assert problems["deu-dan"].state == "silent" and "thường 1,0 bài/ngày" in problems["deu-dan"].reason
    assert problems["bung-no"].state == "surge" and problems["bung-no"].reason.startswith("12 bài")
    from digest.mailer import record_health_mail

    settings_box = None
    with smtp_server() as box:
        settings_box = mail_settings(db_url, box)
        assert record_health_mail(engine, settings_box, NOW) == 1
        assert record_health_mail(engine, settings_box, NOW + timedelta(hours=1)) == 0  # once a day
        send_outbox(engine, settings_box, NOW)
        body = _notices(box)[0].message.get_body(("plain",)).get_content()
        assert "(Im lặng bất thường — không có bài nào" in body and "(Tăng đột biến — 12 bài" in body


def _user(engine, name: str, email: str | None, mode: str) -> None:
    from store.accounts import add_user

    with session_scope(engine, write=True) as s:
        user = add_user(s, name, "analyst", "mật-khẩu-thật-dài-2026")
        user.email, user.mail_mode = email, mode


def test_saved_searches_and_assignments_reach_their_owners_at_once_or_daily(engine, db_url):
    _user(engine, "lan", "lan@so-ngoai-vu.example", "instant")
    _user(engine, "minh", "minh@so-ngoai-vu.example", "daily")
    article = add_article(engine, NOW - timedelta(hours=1), "Côn Sơn đón khách", topic="culture_tourism")
    with session_scope(engine, write=True) as s:
        for owner, notify in (("lan", "instant"), ("minh", "daily")):
            search = SavedSearch(owner=owner, name=f"Côn Sơn ({owner})", query="côn sơn", filters={}, notify=notify)
            s.add(search)
            s.flush()
            s.add(SavedSearchMatch(search_id=search.id, article_id=article))
        case = cases.open_case(s, "Hồ sơ lễ hội", [article], "truong-phong", timedelta(days=3))
        cases.assign(s, case, "lan", "truong-phong")
        cases.assign(s, case, "minh", "truong-phong")
    with smtp_server() as box:
        settings = mail_settings(db_url, box)
        before_hour = datetime(2026, 12, 2, 6, 0, tzinfo=TZ).astimezone(UTC)  # before the daily hour (07:00)
        mail_round(settings, engine, before_hour)
        to_lan = [r for r in _notices(box) if r.rcpt_tos == ["lan@so-ngoai-vu.example"]]
        assert sorted(r.message["Subject"].split("]")[0] for r in to_lan) == ["[Hồ sơ", "[Tìm kiếm đã lưu"]
        assert not [r for r in _notices(box) if "minh@" in r.rcpt_tos[0]]  # minh chose the daily mail
        mail_round(settings, engine, before_hour + timedelta(hours=2))
        to_minh = [r for r in _notices(box) if r.rcpt_tos == ["minh@so-ngoai-vu.example"]]
        assert len(to_minh) == 1 and to_minh[0].message["Subject"].startswith("[Tổng hợp ngày 02/12/2026] 2 mục")
        body = to_minh[0].message.get_body(("plain",)).get_content()
        assert "Côn Sơn đón khách" in body and "Hồ sơ lễ hội" in body
        mail_round(settings, engine, before_hour + timedelta(hours=3))
        assert len([r for r in _notices(box) if r.rcpt_tos == ["minh@so-ngoai-vu.example"]]) == 1
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(SavedSearchMatch)
                        .where(SavedSearchMatch.notified_at.is_(None))) == 0
        assert s.scalar(select(User.mail_mode).where(User.username == "minh")) == "daily"


def test_the_weekly_digest_goes_once_when_its_time_comes(engine, db_url):
    add_article(engine, datetime(2026, 11, 25, 3, tzinfo=UTC), "Bài tuần 48")
    with smtp_server() as box:
        settings = mail_settings(db_url, box)
        sunday = datetime(2026, 11, 29, 22, 0, tzinfo=TZ).astimezone(UTC)
        # a new install catches up the last complete week; the current one has not ended
        assert mail_round(settings, engine, sunday)["digest"] == "2026-W47 sent"
        monday_early = datetime(2026, 11, 30, 6, 0, tzinfo=TZ).astimezone(UTC)
        assert "digest" not in mail_round(settings, engine, monday_early)  # before 07:00
        monday = datetime(2026, 11, 30, 7, 5, tzinfo=TZ).astimezone(UTC)
        box.fail_next = 1  # the mail server refuses the first try: recorded, tried again ten minutes later
        summary = mail_round(settings, engine, monday)
        assert summary["digest"] == "2026-W48 failed" and "451" in summary["error"]
        assert "digest" not in mail_round(settings, engine, monday + timedelta(minutes=5))
        assert mail_round(settings, engine, monday + timedelta(minutes=11))["digest"] == "2026-W48 sent"
        assert "digest" not in mail_round(settings, engine, monday + timedelta(minutes=12))
        digests = [r for r in box.received if "Bản tin tuần 2026-W48" in r.message["Subject"]]
        assert len(digests) == 1
