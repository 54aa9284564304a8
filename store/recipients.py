"""Mail recipients kept in the app (the digest and alert lists) and users' own addresses and mail modes.

Repository functions take the session first and never commit; every change records an audit event in the
same unit of work. `valid_address` is the one address check: the digest's sender runs the addresses from
the settings (HDM_DIGEST_TO, HDM_ALERT_TO) through it too, so a header can never be smuggled in.
"""

from __future__ import annotations

import re
import unicodedata
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import MAIL_LISTS, MAIL_MODES, MailRecipient, User, utcnow
from store.repo import audit

MAX_ADDRESS = 254  # RFC 5321's limit for a forward path, less the angle brackets
MAX_LOCAL = 64
MAX_NAME = 200
# A dot-atom local part (RFC 5322) in ASCII: no quoted strings, no comments, nothing a header parser reads twice.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


class RecipientError(ValueError):
    """Bad input for a recipient or a user's mail settings (the message is for a person, Vietnamese first)."""


def _shown(text: str) -> str:
    """The input, quoted and cut short, for a message (control characters escaped by repr)."""
    return repr(text if len(text) <= 80 else text[:80] + "…")


def _domain(domain: str) -> str | None:
    """The domain lower-cased in ASCII (an internationalised one as punycode), or None if it is not one."""
    domain = domain.lower()
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None
    labels = domain.split(".")
    if len(labels) < 2 or len(domain) > 253 or labels[-1].isdigit():
        return None
    return domain if all(_LABEL.fullmatch(label) for label in labels) else None


def valid_address(text: str) -> str:
    """The one address in `text`, its domain lower-cased, or RecipientError saying what is wrong."""
    if any(not ch.isprintable() for ch in text):  # CR, LF, NUL, tabs, Unicode line separators …
        raise RecipientError("địa chỉ thư không được chứa ký tự xuống dòng hay ký tự điều khiển / an address may "
                             f"not contain line breaks or control characters: {_shown(text)}")
    address = text.strip(" ")
    if not address:
        raise RecipientError("chưa nhập địa chỉ thư / no address given")
    if any(sep in address for sep in ",;") or address.count("@") > 1:
        raise RecipientError("mỗi lần chỉ nhập một địa chỉ (không dấu phẩy, một dấu @) / one address at a time "
                             f"(no commas, one @): {_shown(address)}")
    if len(address) > MAX_ADDRESS:
        raise RecipientError(f"địa chỉ thư dài quá {MAX_ADDRESS} ký tự / the address is longer than "
                             f"{MAX_ADDRESS} characters")
    local, _, domain = address.partition("@")
    ascii_domain = _domain(domain)
    if not local or len(local) > MAX_LOCAL or not _LOCAL.fullmatch(local) or ascii_domain is None:
        raise RecipientError("địa chỉ thư không hợp lệ (dạng ten@coquan.gov.vn, phần trước @ không dấu) / not a "
                             f"valid address (like name@agency.gov.vn, ASCII before the @): {_shown(address)}")
    normalised = f"{local}@{ascii_domain}"
    if len(normalised) > MAX_ADDRESS or parseaddr(normalised) != ("", normalised):
        raise RecipientError(f"địa chỉ thư không hợp lệ / not a valid address: {_shown(address)}")
    return normalised


def check_list(list_name: str) -> str:
    """A known mail list, or RecipientError."""
    if list_name not in MAIL_LISTS:
        raise RecipientError(f"không có danh sách thư này / unknown mail list {_shown(list_name)} "
                             f"(one of {', '.join(MAIL_LISTS)})")
    return list_name


def _name(name: str) -> str:
    """A recipient's display name: NFC, stripped, printable, at most MAX_NAME characters."""
    clean = unicodedata.normalize("NFC", name.strip())
    if any(not ch.isprintable() for ch in clean):
        raise RecipientError("tên không được chứa ký tự xuống dòng hay ký tự điều khiển / a name may not contain "
                             "line breaks or control characters")
    if len(clean) > MAX_NAME:
        raise RecipientError(f"tên dài quá {MAX_NAME} ký tự / the name is longer than {MAX_NAME} characters")
    return clean


def _find(session: Session, list_name: str, address: str) -> MailRecipient | None:
    return session.scalar(select(MailRecipient).where(MailRecipient.list == list_name,
                                                      MailRecipient.address == address))


def add_recipient(session: Session, list_name: str, address: str, name: str, actor: str) -> MailRecipient:
    """Put an address on a list; one already there (or removed before) is reactivated, not doubled."""
    check_list(list_name)
    clean, label = valid_address(address), _name(name)
    row = _find(session, list_name, clean)
    if row is None:
        try:
            with session.begin_nested():  # another writer may add the same address at the same moment
                row = MailRecipient(list=list_name, address=clean, name=label, active=True, added_by=actor[:100],
                                    added_at=utcnow())
                session.add(row)
            audit(session, actor, "recipient.add", "mail_recipient", row.id,
                  {"list": list_name, "address": clean, "name": label})
            return row
        except IntegrityError:
            row = _find(session, list_name, clean)
            if row is None:
                raise
    reactivated = not row.active
    if reactivated:
        row.active, row.added_by, row.added_at = True, actor[:100], utcnow()
    if label:
        row.name = label
    audit(session, actor, "recipient.add", "mail_recipient", row.id,
          {"list": list_name, "address": clean, "name": row.name, "reactivated": reactivated})
    return row


def remove_recipient(session: Session, recipient_id: int, actor: str) -> MailRecipient:
    """Take an address off its list (kept, inactive, for the record); RecipientError for an unknown one."""
    row = session.get(MailRecipient, recipient_id)
    if row is None:
        raise RecipientError("không có người nhận này / no such recipient")
    if row.active:
        row.active = False
        audit(session, actor, "recipient.remove", "mail_recipient", row.id,
              {"list": row.list, "address": row.address})
    return row


def list_recipients(session: Session, active_only: bool = True) -> list[MailRecipient]:
    """The recipients of every list (active ones unless told otherwise), by list and address."""
    query = select(MailRecipient)
    if active_only:
        query = query.where(MailRecipient.active.is_(True))
    return list(session.scalars(query.order_by(MailRecipient.list, MailRecipient.address)))


def addresses(session: Session, list_name: str) -> list[str]:
    """The active addresses of one list, in order."""
    check_list(list_name)
    return list(session.scalars(select(MailRecipient.address).where(
        MailRecipient.list == list_name, MailRecipient.active.is_(True)).order_by(MailRecipient.address)))


def set_user_mail(session: Session, user: User, email: str | None, mail_mode: str, actor: str) -> None:
    """A user's own address (empty: none) and how they hear of their matches and cases."""
    if mail_mode not in MAIL_MODES:
        raise RecipientError(f"cách nhận thư không hợp lệ / unknown mail mode {_shown(mail_mode)} "
                             f"(one of {', '.join(MAIL_MODES)})")
    clean = valid_address(email) if email and email.strip(" ") else None
    user.email, user.mail_mode = clean, mail_mode
    audit(session, actor, "user.mail", "user", user.username, {"email": clean, "mail_mode": mail_mode})
