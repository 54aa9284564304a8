"""`hdmonitor users …` and `serve` without a secret key, run as an administrator runs them."""

from __future__ import annotations

from sqlalchemy import select

from store import accounts
from store.db import make_engine, session_scope
from store.models import AuditEvent, User
from tests.integration.test_cli import assert_one_line_error, run


def test_users_add_list_disable_and_set_password(tmp_path):
    db = f"sqlite:///{tmp_path / 'u.db'}"
    added = run("users", "add", "lan.nguyen", "--role", "admin", db=db, stdin="Bao-cao-tuan-2026!\n")
    assert added.returncode == 0, added.stderr
    assert "lan.nguyen" in added.stdout
    again = run("users", "add", "lan.nguyen", "--role", "viewer", db=db, stdin="Bao-cao-tuan-2026!\n")
    assert_one_line_error(again, "taken")
    assert again.returncode == 2
    for weak, needle in (("ngan", "at least 8"), ("password123", "too common"), ("Minh-Hai-Duong-2026", "username")):
        refused = run("users", "add", "minh", "--role", "analyst", db=db, stdin=weak + "\n")
        assert_one_line_error(refused, needle)
    bad_role = run("users", "add", "minh", "--role", "boss", db=db, stdin="Bao-cao-tuan-2026!\n")
    assert bad_role.returncode == 2 and "boss" in bad_role.stderr
    no_password = run("users", "add", "minh", "--role", "analyst", db=db, stdin="")
    assert_one_line_error(no_password, "stdin")
    assert run("users", "add", "minh", "--role", "analyst", db=db, stdin="Phan-tich-vien-2026\n").returncode == 0

    listed = run("users", "list", db=db)
    assert listed.returncode == 0
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [(r[0], r[1], r[2]) for r in rows] == [("lan.nguyen", "admin", "active"), ("minh", "analyst", "active")]

    assert run("users", "disable", "minh", db=db).returncode == 0
    assert "minh\tanalyst\tdisabled" in run("users", "list", db=db).stdout
    missing = run("users", "disable", "khong-co", db=db)
    assert_one_line_error(missing, "no such user")

    changed = run("users", "set-password", "minh", "--enable", db=db, stdin="Mat-khau-moi-2027!\n")
    assert changed.returncode == 0, changed.stderr
    engine = make_engine(db)
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.username == "minh"))
        assert user is not None and not user.disabled
        assert user.password_hash.startswith("$argon2id$") and "Mat-khau" not in user.password_hash
        assert accounts.verify_password(user, "Mat-khau-moi-2027!")
        assert not accounts.verify_password(user, "Phan-tich-vien-2026")
        actions = [a for (a,) in s.execute(select(AuditEvent.action).where(AuditEvent.object_type == "user"))]
    assert actions == ["user_added", "user_added", "user_disabled", "password_set"]


def test_serve_without_a_secret_key_says_what_to_set(tmp_path):
    db = f"sqlite:///{tmp_path / 's.db'}"
    result = run("serve", "--port", "1", db=db, timeout=120)
    assert_one_line_error(result, "HDM_SECRET_KEY")
    assert result.returncode == 2
