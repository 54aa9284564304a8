"""Users of the review app: add (password read from stdin), list, disable, set-password."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from pipeline.cli.common import CliError, add_command, console, engine_of, local_time, settings_of
from store import accounts
from store.db import session_scope
from store.models import ROLES
from store.repo import SYSTEM_ACTOR, audit


def _read_password() -> str:
    """From a terminal: asked twice, not echoed. Otherwise: the first line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass("Mật khẩu / password: ")
        if getpass.getpass("Nhập lại / again: ") != first:
            raise CliError("hai lần nhập không khớp / the two entries differ", code=2)
        return first
    line = sys.stdin.readline()
    if not line:
        raise CliError("không có mật khẩu trên stdin / no password on stdin", code=2)
    return line.rstrip("\r\n")


def _user(session: Any, name: str) -> Any:
    user = accounts.get_user(session, name)
    if user is None:
        raise CliError(f"không có người dùng này / no such user: {name}", code=2)
    return user


def cmd_users_add(args: argparse.Namespace) -> int:
    engine = engine_of(settings_of(args))
    password = _read_password()
    try:
        with session_scope(engine, write=True) as s:
            user = accounts.add_user(s, args.name, args.role, password)
            audit(s, SYSTEM_ACTOR, "user_added", "user", user.username, {"role": user.role, "via": "cli"})
    except accounts.AccountError as exc:
        raise CliError(str(exc), code=2) from exc
    console.print(f"đã thêm / added {args.name} ({args.role})", markup=False)
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    engine = engine_of(settings)
    with session_scope(engine) as s:
        for u in accounts.list_users(s):
            state = "disabled" if u.disabled else ("locked" if accounts.is_locked(u) else "active")
            last = local_time(u.last_login_at, settings.timezone)
            sys.stdout.write(f"{u.username}\t{u.role}\t{state}\tlast_login={last}\n")  # tab-separated, for scripts
    return 0


def cmd_users_disable(args: argparse.Namespace) -> int:
    engine = engine_of(settings_of(args))
    with session_scope(engine, write=True) as s:
        user = _user(s, args.name)
        accounts.disable_user(s, user)
        audit(s, SYSTEM_ACTOR, "user_disabled", "user", user.username, {"via": "cli"})
    console.print(f"đã khoá / disabled {args.name}; mọi phiên đã kết thúc / every session ended", markup=False)
    return 0


def cmd_users_set_password(args: argparse.Namespace) -> int:
    engine = engine_of(settings_of(args))
    password = _read_password()
    try:
        with session_scope(engine, write=True) as s:
            user = _user(s, args.name)
            accounts.set_password(s, user, password)
            user.disabled = False if args.enable else user.disabled
            audit(s, SYSTEM_ACTOR, "password_set", "user", user.username, {"via": "cli"})
    except accounts.AccountError as exc:
        raise CliError(str(exc), code=2) from exc
    console.print(f"đã đặt mật khẩu / password set for {args.name}; mọi phiên đã kết thúc / every session ended",
                  markup=False)
    return 0


def register(sub: Any) -> None:
    """Add users with its subcommands add, list, disable and set-password."""
    p = add_command(sub, "users", "người dùng ứng dụng web / users of the web app")
    users_sub = p.add_subparsers(dest="users_command", metavar="SUBCOMMAND", required=True,
                                 title="lệnh con / subcommands")
    q = add_command(users_sub, "add", "thêm người dùng, mật khẩu đọc từ stdin / add a user, password read from stdin")
    q.add_argument("name", metavar="NAME", help="tên đăng nhập / username")
    q.add_argument("--role", required=True, choices=ROLES, help="vai trò / role: " + ", ".join(ROLES))
    q.set_defaults(func=cmd_users_add)
    q = add_command(users_sub, "list", "liệt kê người dùng / list users")
    q.set_defaults(func=cmd_users_list)
    q = add_command(users_sub, "disable", "khoá người dùng, kết thúc mọi phiên / disable a user, end their sessions")
    q.add_argument("name", metavar="NAME", help="tên đăng nhập / username")
    q.set_defaults(func=cmd_users_disable)
    q = add_command(users_sub, "set-password", "đặt mật khẩu mới từ stdin / set a new password read from stdin")
    q.add_argument("name", metavar="NAME", help="tên đăng nhập / username")
    q.add_argument("--enable", action="store_true", help="mở khoá lại nếu đã khoá / also re-enable the user")
    q.set_defaults(func=cmd_users_set_password)
