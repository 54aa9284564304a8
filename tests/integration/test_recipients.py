"""Mail recipients kept in the app (admin page) and each user's own address and mail mode, on SQLite and
PostgreSQL: validated (no header can be smuggled in), audited, admin-only, CSRF-checked, never a 500."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from review.app import create_app
from store import recipients
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import AuditEvent, MailRecipient, User
from tests.fixtures.review import add_role_users, login, review_settings, token


@pytest.fixture
def site(db_url: str, migrated_engine: Any) -> Iterator[tuple[Any, Any]]:
    """The review app on the SQLite or PostgreSQL test database, one user per role; (app, engine)."""
    add_role_users(migrated_engine)
    settings = review_settings(db_url, digest_to="lanhdao@haiphong.gov.vn, khong-hop-le", alert_to="")
    yield create_app(settings), migrated_engine


def _client(app: Any, role: str) -> TestClient:
    client = TestClient(app, base_url="http://testserver")
    assert login(client, role).status_code == 303
    return client


def _rows(engine: Any) -> list[tuple[str, str, str, bool, str]]:
    with session_scope(engine) as s:
        return [(r.list, r.address, r.name, r.active, r.added_by)
                for r in s.scalars(select(MailRecipient).order_by(MailRecipient.id))]


def _actions(engine: Any, object_type: str) -> list[tuple[str, dict[str, Any]]]:
    with session_scope(engine) as s:
        return [(a, d) for a, d in s.execute(select(AuditEvent.action, AuditEvent.detail)
                                             .where(AuditEvent.object_type == object_type)
                                             .order_by(AuditEvent.id))]


def _add(client: TestClient, list_name: str, address: str, name: str = "") -> Any:
    return client.post("/admin/recipients", data={"csrf_token": token(client),
                                                  "list_name": list_name, "address": address, "name": name})


def test_an_admin_adds_removes_and_re_adds_a_recipient(site):
    app, engine = site
    admin = _client(app, "admin")
    page = admin.get("/admin/recipients")
    assert page.status_code == 200 and "Người nhận thư / Mail recipients" in page.text
    assert 'href="/admin/recipients"' in admin.get("/admin/users").text  # linked from the admin pages
    added = _add(admin, "digest", "  Chanh.VP@SoNgoaiVu.HaiDuong.GOV.vn ", "Chánh Văn phòng")
    assert added.status_code == 200 and "Đã thêm Chanh.VP@songoaivu.haiduong.gov.vn" in added.text
    assert _add(admin, "alerts", "truc.ban@haiphong.gov.vn").status_code == 200
    assert _rows(engine) == [("digest", "Chanh.VP@songoaivu.haiduong.gov.vn", "Chánh Văn phòng", True, "admin"),
                             ("alerts", "truc.ban@haiphong.gov.vn", "", True, "admin")]
    listing = admin.get("/admin/recipients").text
    assert 'data-address="Chanh.VP@songoaivu.haiduong.gov.vn"' in listing and "Chánh Văn phòng" in listing
    with session_scope(engine) as s:
        assert recipients.addresses(s, "digest") == ["Chanh.VP@songoaivu.haiduong.gov.vn"]
        assert recipients.addresses(s, "alerts") == ["truc.ban@haiphong.gov.vn"]
        digest_id = s.scalar(select(MailRecipient.id).where(MailRecipient.list == "digest"))
    removed = admin.post(f"/admin/recipients/{digest_id}/remove",
                         data={"csrf_token": token(admin)}, follow_redirects=False)
    assert removed.status_code == 303 and removed.headers["location"] == "/admin/recipients"
    assert 'data-address="Chanh.VP@' not in admin.get("/admin/recipients").text
    with session_scope(engine) as s:
        assert recipients.addresses(s, "digest") == []
    # the same address again: the removed row comes back, not a second one (nor a unique-key error)
    with session_scope(engine, write=True) as s:
        assert recipients.remove_recipient(s, digest_id, "admin").active is False  # removed once more: no change
    again = _add(admin, "digest", "Chanh.VP@SONGOAIVU.haiduong.gov.vn")
    assert again.status_code == 200
    assert _rows(engine)[0] == ("digest", "Chanh.VP@songoaivu.haiduong.gov.vn", "Chánh Văn phòng", True, "admin")
    assert _add(admin, "digest", "Chanh.VP@songoaivu.haiduong.gov.vn", "Ông Chánh").status_code == 200
    assert _rows(engine) == [("digest", "Chanh.VP@songoaivu.haiduong.gov.vn", "Ông Chánh", True, "admin"),
                             ("alerts", "truc.ban@haiphong.gov.vn", "", True, "admin")]
    assert 'data-address="Chanh.VP@' in admin.get("/admin/recipients").text
    actions = _actions(engine, "mail_recipient")
    assert [a for a, _ in actions] == ["recipient.add", "recipient.add", "recipient.remove", "recipient.add",
                                       "recipient.add"]
    assert [d["reactivated"] for _, d in actions[3:]] == [True, False]
    assert admin.post("/admin/recipients/999999/remove", data={"csrf_token": token(admin)}).status_code == 404


def test_settings_addresses_are_shown_read_only(site):
    app, _ = site
    page = _client(app, "admin").get("/admin/recipients").text
    assert page.count("từ cấu hình / from settings") == 4  # two digest addresses, and the same two for alerts
    assert 'class="configured" data-list="digest" data-address="lanhdao@haiphong.gov.vn"' in page
    assert 'class="configured" data-list="alerts" data-address="lanhdao@haiphong.gov.vn"' in page
    assert "HDM_ALERT_TO is empty" in page
    assert "không hợp lệ" in page and "khong-hop-le" in page  # a bad one in the settings is pointed out
    assert "/remove" not in page  # nothing kept in the app yet: no remove buttons, settings are not removable


@pytest.mark.parametrize("address, says", [
    ("a@haiphong.gov.vn\r\nBcc: x@y", "xuống dòng"),
    ("a@haiphong.gov.vn\nBcc: x@y.vn", "xuống dòng"),
    ("a@haiphong.gov.vn\x00", "xuống dòng"),
    ("a@haiphong.gov.vn, b@haiphong.gov.vn", "một địa chỉ"),
    ("Ông A <a@haiphong.gov.vn>", "không hợp lệ"),
    ("a@localhost", "không hợp lệ"),
    ("x" * 250 + "@a.vn", "254"),
    ("", "chưa nhập"),
])
def test_a_bad_address_is_refused_in_the_page_and_nothing_is_stored(site, address, says):
    app, engine = site
    admin = _client(app, "admin")
    response = _add(admin, "digest", address)
    assert response.status_code == 400 and says in response.text
    assert 'class="flash error"' in response.text and "/ " in response.text
    assert _rows(engine) == []
    assert not [a for a, _ in _actions(engine, "mail_recipient")]


def test_an_unknown_list_is_refused_with_a_message(site):
    app, engine = site
    response = _add(_client(app, "admin"), "everyone", "a@haiphong.gov.vn")
    assert response.status_code == 400 and "không có danh sách thư này / unknown mail list" in response.text
    assert _rows(engine) == []


@pytest.mark.parametrize("role", ["viewer", "analyst", "editor"])
def test_only_an_admin_may_see_or_change_the_lists(site, role):
    app, engine = site
    with session_scope(engine, write=True) as s:
        kept = recipients.add_recipient(s, "alerts", "truc.ban@haiphong.gov.vn", "", "admin").id
    client = _client(app, role)
    assert client.get("/admin/recipients", headers={"accept": "text/html"}).status_code == 403
    assert _add(client, "digest", "ke.la@example.org").status_code == 403
    refused = client.post(f"/admin/recipients/{kept}/remove", data={"csrf_token": token(client)})
    assert refused.status_code == 403
    assert _rows(engine) == [("alerts", "truc.ban@haiphong.gov.vn", "", True, "admin")]
    assert 'href="/admin/recipients"' not in client.get("/").text


def test_a_missing_or_wrong_csrf_token_is_refused(site):
    app, engine = site
    admin = _client(app, "admin")
    for data in ({}, {"csrf_token": "0" * 64}):
        response = admin.post("/admin/recipients", data={**data, "list_name": "digest",
                                                         "address": "a@haiphong.gov.vn"})
        assert response.status_code == 403
        assert admin.post("/account/mail", data={**data, "email": "a@haiphong.gov.vn",
                                                 "mail_mode": "off"}).status_code == 403
    assert _rows(engine) == []
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.username == "admin"))
        assert user is not None and (user.email, user.mail_mode) == (None, "daily")


def test_addresses_are_the_active_ones_of_one_list(migrated_engine):
    with session_scope(migrated_engine, write=True) as s:
        for address in ("b@haiphong.gov.vn", "a@haiphong.gov.vn", "c@haiphong.gov.vn"):
            recipients.add_recipient(s, "digest", address, "", "admin")
        gone = recipients.add_recipient(s, "alerts", "a@haiphong.gov.vn", "", "admin")
        recipients.add_recipient(s, "alerts", "d@haiphong.gov.vn", "Trực ban", "admin")
        s.flush()
        recipients.remove_recipient(s, gone.id, "admin")
        recipients.remove_recipient(s, gone.id, "admin")  # twice: one audit event
    with session_scope(migrated_engine) as s:
        assert recipients.addresses(s, "digest") == ["a@haiphong.gov.vn", "b@haiphong.gov.vn", "c@haiphong.gov.vn"]
        assert recipients.addresses(s, "alerts") == ["d@haiphong.gov.vn"]
        assert len(recipients.list_recipients(s)) == 4 and len(recipients.list_recipients(s, active_only=False)) == 5
        with pytest.raises(recipients.RecipientError, match="unknown mail list"):
            recipients.addresses(s, "all")
        assert s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "recipient.remove")) == 1


def test_a_user_sets_their_own_address_and_mail_mode(site):
    app, engine = site
    viewer = _client(app, "viewer")
    page = viewer.get("/account/password").text
    assert "Thư điện tử" in page and "Gửi ngay" in page and "Gộp mỗi ngày" in page and "Không gửi" in page
    saved = viewer.post("/account/mail", data={"csrf_token": token(viewer), "email": "Xem@HaiPhong.gov.vn",
                                               "mail_mode": "instant"})
    assert saved.status_code == 200 and "Đã lưu cách nhận thư" in saved.text
    assert 'value="Xem@haiphong.gov.vn"' in saved.text and 'value="instant" selected' in saved.text

    def stored() -> tuple[str | None, str]:
        with session_scope(engine) as s:
            user = s.scalar(select(User).where(User.username == "viewer"))
            assert user is not None
            return user.email, user.mail_mode

    assert stored() == ("Xem@haiphong.gov.vn", "instant")
    bad_mode = viewer.post("/account/mail", data={"csrf_token": token(viewer), "email": "x@haiphong.gov.vn",
                                                  "mail_mode": "hourly"})
    assert bad_mode.status_code == 400 and "cách nhận thư không hợp lệ / unknown mail mode" in bad_mode.text
    injected = viewer.post("/account/mail", data={"csrf_token": token(viewer), "mail_mode": "daily",
                                                  "email": "x@haiphong.gov.vn\r\nBcc: y@example.org"})
    assert injected.status_code == 400 and "xuống dòng" in injected.text
    assert stored() == ("Xem@haiphong.gov.vn", "instant")  # neither changed anything
    cleared = viewer.post("/account/mail", data={"csrf_token": token(viewer), "email": " ", "mail_mode": "off"})
    assert cleared.status_code == 200 and stored() == (None, "off")
    actions = _actions(engine, "user")
    mail = [d for a, d in actions if a == "user.mail"]
    assert mail == [{"email": "Xem@haiphong.gov.vn", "mail_mode": "instant"}, {"email": None, "mail_mode": "off"}]
    # the others' settings are untouched, and the password form still works beside it
    with session_scope(engine) as s:
        other = s.scalar(select(User).where(User.username == "analyst"))
        assert other is not None and (other.email, other.mail_mode) == (None, "daily")
    wrong = viewer.post("/account/password", data={"csrf_token": token(viewer), "current": "sai", "new": "x" * 12})
    assert wrong.status_code == 400 and 'id="mail-form"' in wrong.text


@pytest.mark.parametrize("text, expected", [
    ("a@b.vn", "a@b.vn"),
    (" Lanh.Dao+tuan@Hai-Phong.GOV.VN ", "Lanh.Dao+tuan@hai-phong.gov.vn"),
    ("a@bộngoạigiao.vn", "a@xn--bngoigiao-376dsw.vn"),
])
def test_valid_address_normalises(text, expected):
    assert recipients.valid_address(text) == expected


@pytest.mark.parametrize("text", [
    "a@b.vn\r\nBcc: x@y", "a@b.vn\n", "\ra@b.vn", "a@b\x00.vn", "a@b.vn\u2028", "a@b.vn\t",
    "a@b.vn,c@d.vn", "a@b.vn;c@d.vn", "a@@b.vn", "a@b@c.vn", '"a@b"@c.vn', "a b@c.vn", "a(b)@c.vn",
    "<a@b.vn>", "Tên <a@b.vn>", "a@b", "a@.vn", "a@b..vn", "a@-b.vn", "a@b.vn.", "a@[1.2.3.4]", "a@1.2.3.4",
    ".a@b.vn", "a.@b.vn", "a..b@c.vn", "đ@b.vn", "@b.vn", "a@", "", "   ", "x" * 65 + "@b.vn",
    "a@" + "b" * 250 + ".vn",
])
def test_valid_address_refuses(text):
    with pytest.raises(recipients.RecipientError) as refused:
        recipients.valid_address(text)
    assert " / " in str(refused.value)  # Vietnamese, then English


def test_two_admins_adding_the_same_address_at_once_make_one_row(pg_url):
    engine = make_engine(pg_url)
    upgrade(engine)
    first = Session(engine)
    first.begin()
    recipients.add_recipient(first, "digest", "a@haiphong.gov.vn", "", "admin")  # inserted, not committed
    outcome: list[Any] = []

    def second() -> None:
        try:
            with session_scope(engine, write=True) as s:  # waits on the unique key until the first commits
                outcome.append(recipients.add_recipient(s, "digest", "a@haiphong.gov.vn", "Bên thứ hai", "editor").id)
        except Exception as exc:  # noqa: BLE001 - reported below
            outcome.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    waiting = 0
    for _ in range(200):  # until the second insert waits on the first's uncommitted row
        with engine.connect() as conn:
            waiting = conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                       "AND query LIKE 'INSERT INTO mail_recipients%'"))
        if waiting or not thread.is_alive():
            break
        time.sleep(0.05)
    assert waiting == 1, "the second insert never waited on the first"
    first.commit()
    first.close()
    thread.join(30)
    assert outcome and isinstance(outcome[0], int), outcome
    assert _rows(engine) == [("digest", "a@haiphong.gov.vn", "Bên thứ hai", True, "admin")]
    engine.dispose()
