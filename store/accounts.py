"""Accounts: users, their passwords (argon2id), server-side sessions and failed logins.

Repository functions take the session first and never commit. Passwords are checked against a policy
(at least 8 characters, not one of the 30,000 most common) before they are hashed.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from store.models import ROLES, ApiToken, LoginFailure, User, WebSession, utcnow

MIN_PASSWORD = 8
LOCK_AFTER = 5  # wrong passwords in a row lock the account ...
LOCK_MINUTES = 15  # ... for this long
ADDRESS_LIMIT = 20  # failures from one address within ADDRESS_WINDOW are refused with 429
ADDRESS_WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters


class AccountError(ValueError):
    """Bad input for an account (the message is for a person, Vietnamese first)."""


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password_policy(password: str, username: str = "") -> None:
    """Refuse a short, common or username-like password with a message a person can act on."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"mật khẩu phải có ít nhất {MIN_PASSWORD} ký tự / "
                           f"the password must have at least {MIN_PASSWORD} characters")
    folded = password.casefold()
    if folded in _common_passwords() or (username and username.casefold() in folded):
        raise AccountError("mật khẩu quá phổ biến hoặc chứa tên đăng nhập / "
                           "the password is too common or contains the username")


def check_username(username: str) -> str:
    """The username, NFC and stripped; letters, digits, '.', '_' and '-' only."""
    name = unicodedata.normalize("NFC", username.strip())
    if not (1 <= len(name) <= 64) or not all(c.isalnum() or c in "._-" for c in name):
        raise AccountError("tên đăng nhập chỉ gồm chữ, số, '.', '_', '-' (tối đa 64) / "
                           "a username is letters, digits, '.', '_', '-' (at most 64)")
    return name


def check_role(role: str) -> str:
    """A known role, or AccountError."""
    if role not in ROLES:
        raise AccountError(f"vai trò không hợp lệ / unknown role {role!r} (one of {', '.join(ROLES)})")
    return role


def role_at_least(role: str, needed: str) -> bool:
    """Whether `role` may do what `needed` may."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def add_user(session: Session, username: str, role: str, password: str) -> User:
    """A new user; AccountError for a taken name, an unknown role or a weak password."""
    name = check_username(username)
    check_role(role)
    check_password_policy(password, name)
    if get_user(session, name) is not None:
        raise AccountError(f"tên đăng nhập đã có / the username {name!r} is taken")
    user = User(username=name, role=role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User | None:
    """The user of that name (exact, after NFC), or None."""
    name = unicodedata.normalize("NFC", username.strip())
    return session.scalar(select(User).where(User.username == name))


def list_users(session: Session) -> list[User]:
    """Every user, by name."""
    return list(session.scalars(select(User).order_by(User.username)))


def set_password(session: Session, user: User, password: str) -> None:
    """A new password (policy checked); every session of the user ends."""
    check_password_policy(password, user.username)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(session, user.id)


def disable_user(session: Session, user: User) -> None:
    """The user can no longer log in; every session of the user ends."""
    user.disabled = True
    end_sessions(session, user.id)


def verify_password(user: User, password: str) -> bool:
    """Whether the password is the user's (rehashing is left to the caller: `needs_rehash`)."""
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(user: User) -> bool:
    """Whether the stored hash was made with older parameters."""
    return _hasher.check_needs_rehash(user.password_hash)


def burn_time(password: str) -> None:
    """Spend the time of one verification, so an unknown username answers as slowly as a wrong password."""
    try:
        _hasher.verify(_dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        pass


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(16))


def address_failures(session: Session, address: str, now: datetime | None = None) -> int:
    """Failed logins from this address within the window."""
    since = (now or utcnow()) - ADDRESS_WINDOW
    return int(session.scalar(select(func.count(LoginFailure.id))
                              .where(LoginFailure.address == address, LoginFailure.at >= since)) or 0)


def record_failure(session: Session, address: str, username: str, user: User | None) -> None:
    """Count a failed login against the address and, for a known user, against the account."""
    session.add(LoginFailure(address=address[:64], username=username[:64]))
    session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - 4 * ADDRESS_WINDOW))
    if user is not None:
        user.failed_logins += 1
        if user.failed_logins >= LOCK_AFTER:
            user.locked_until = utcnow() + timedelta(minutes=LOCK_MINUTES)


def is_locked(user: User, now: datetime | None = None) -> bool:
    """Whether too many wrong passwords in a row have locked the account for now."""
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def token_id(token: str) -> str:
    """What is stored for a session token: its SHA-256 (a stolen database holds no usable cookie)."""
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def start_session(session: Session, user: User, lifetime: timedelta, address: str | None,
                  user_agent: str | None) -> str:
    """A new session for the user; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(WebSession(id=token_id(token), user_id=user.id, created_at=now, last_seen_at=now,
                           expires_at=now + lifetime, address=(address or "")[:64] or None,
                           user_agent=(user_agent or "")[:300] or None))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return token


def session_user(session: Session, token: str, idle: timedelta) -> tuple[WebSession, User] | None:
    """The live session and its (enabled) user for a cookie token, or None; touches last_seen_at."""
    row = session.get(WebSession, token_id(token))
    if row is None:
        return None
    now = utcnow()
    user = row.user
    if row.expires_at <= now or row.last_seen_at + idle <= now or user.disabled \
            or row.created_at < user.password_changed_at:
        session.delete(row)
        return None
    if now - row.last_seen_at > timedelta(minutes=1):  # not a write on every request
        row.last_seen_at = now
    return row, user


def touch_sessions(session: Session, seen: list[tuple[str, datetime]], gone: list[str]) -> None:
    """Record when sessions were last used and remove expired ones (a reader's changes, written apart)."""
    for session_id, at in seen:
        row = session.get(WebSession, session_id)
        if row is not None and row.last_seen_at < at:
            row.last_seen_at = at
    if gone:
        session.execute(delete(WebSession).where(WebSession.id.in_(gone)))


def end_session(session: Session, token: str) -> None:
    """Log out: the session is gone from the server."""
    session.execute(delete(WebSession).where(WebSession.id == token_id(token)))


def end_sessions(session: Session, user_id: int) -> None:
    """End every session of a user."""
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


TOKEN_PREFIX = "hdm_"


def create_token(session: Session, user_id: int, name: str) -> tuple[ApiToken, str]:
    """A new API token for the user; the secret is returned once and only its hash is stored."""
    label = unicodedata.normalize("NFC", name.strip())[:100]
    if not label:
        raise AccountError("khoá cần một tên / a token needs a name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user_id, name=label, token_hash=token_id(secret))
    session.add(row)
    session.flush()
    return row, secret


def list_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones included, marked)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())))


def revoke_token(session: Session, user_id: int, token_id_: int) -> ApiToken:
    """Revoke one of the user's own tokens (AccountError for another's or an unknown one)."""
    row = session.get(ApiToken, token_id_)
    if row is None or row.user_id != user_id:
        raise AccountError("không có khoá này / no such token")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def token_user(session: Session, secret: str) -> tuple[ApiToken, User] | None:
    """The live token and its enabled user for a bearer secret, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_id(secret)))
    if row is None or row.revoked_at is not None or row.user.disabled:
        return None
    return row, row.user


def touch_token(session: Session, token_row_id: int) -> None:
    """Record that a token was just used (shown to its owner)."""
    row = session.get(ApiToken, token_row_id)
    if row is not None:
        row.last_used_at = utcnow()
