"""Mail leaves here: an EmailMessage (default policy) with text, HTML, inline charts and attachments, sent over
SMTP with STARTTLS or TLS and credentials from the environment; envelope recipients never come from headers."""

from __future__ import annotations

import smtplib
import ssl
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.policy import default as default_policy
from email.utils import formatdate

from sqlalchemy.engine import Engine

from config.settings import Settings
from digest.render import Rendered, one_line
from store.recipients import RecipientError, valid_address


class MailError(Exception):
    """The mail could not be sent (the message says why, for `status` and the log)."""


class MailNotConfigured(MailError):
    """No mail server or no recipient: nothing can be sent."""


def split_addresses(text: str) -> list[str]:
    """Comma-separated addresses from a setting, each checked (a bad one is refused, not skipped)."""
    out = []
    for part in text.split(","):
        part = part.strip()
        if part:
            out.append(checked_address(part))
    return out


def recipients(settings: Settings, engine: Engine, list_name: str) -> list[str]:
    """A mail list's addresses, each once: from the settings (HDM_DIGEST_TO; for alerts HDM_ALERT_TO, else
    HDM_DIGEST_TO) and from the list kept in the web app."""
    from store.db import session_scope
    from store.recipients import addresses

    configured = settings.digest_to if list_name == "digest" else (settings.alert_to or settings.digest_to)
    with session_scope(engine) as session:
        kept = addresses(session, list_name)
    seen: dict[str, None] = {}
    for address in [*split_addresses(configured), *kept]:
        seen.setdefault(address.lower(), None)
    return list(seen)


def checked_address(text: str) -> str:
    """One plain address (no display name, no line break, no second address), or MailError."""
    try:
        return valid_address(text)
    except RecipientError as exc:
        raise MailError(str(exc)) from exc


class _KeepSpaces(EmailPolicy):
    """The default policy, but a non-ASCII Subject is folded by email.header.Header, which keeps each space inside
    an encoded word: the default folder can put the space between two encoded words, where readers drop it
    ("bị gắn" shown as "bịgắn")."""

    def _subject(self, name: str, value: object) -> str | None:
        text = str(value)
        if name.lower() != "subject" or text.isascii():
            return None
        return f"{name}: {Header(text, 'utf-8', header_name=name).encode(linesep=self.linesep)}{self.linesep}"

    def fold(self, name: str, value: str) -> str:
        """A header as text."""
        return self._subject(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        """A header as bytes on the wire."""
        folded = self._subject(name, value)
        return folded.encode("ascii") if folded is not None else super().fold_binary(name, value)


POLICY = _KeepSpaces(**default_policy.__dict__)


def build_message(rendered: Rendered, sender: str, recipients: list[str], message_id: str) -> EmailMessage:
    """text/plain + (text/html + inline PNGs) as alternatives, then the attachments; headers made safe."""
    msg = EmailMessage(policy=POLICY)  # the default policy (RFC 5322 headers, UTF-8 words encoded), spaces kept
    msg["Subject"] = one_line(rendered.subject, 250)
    local, _, domain = checked_address(sender).partition("@")
    msg["From"] = Address("hdmonitor", local, domain)
    msg["To"] = ", ".join(checked_address(r) for r in recipients)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = message_id
    msg["Content-Language"] = "vi"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if rendered.images:
        html_part = msg.get_body(("html",))
        assert html_part is not None
        for image in rendered.images:
            html_part.add_related(image.png, "image", "png", cid=f"<{image.cid}>", filename=image.cid.split("@")[0]
                                  + ".png", disposition="inline")
    for filename, media_type, data in rendered.attachments:
        maintype, subtype = media_type.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def smtp_port(settings: Settings) -> int:
    """The configured port, else the usual one for the chosen security."""
    if settings.smtp_port:
        return settings.smtp_port
    return 465 if settings.smtp_tls else 587 if settings.smtp_starttls else 25


def deliver(settings: Settings, msg: EmailMessage, recipients: list[str],
            context: ssl.SSLContext | None = None) -> list[str]:
    """Hand the message to the mail server for exactly these envelope recipients; MailError when nobody got it.

    Returns the recipients the server refused while accepting the others (the mail went out: not retried)."""
    if not settings.smtp_host:
        raise MailNotConfigured("chưa đặt máy chủ thư HDM_SMTP_HOST / no mail server set (HDM_SMTP_HOST)")
    if not recipients:
        raise MailNotConfigured("không có người nhận / no recipients (HDM_DIGEST_TO, HDM_ALERT_TO or the web app)")
    context = context or ssl.create_default_context()
    host, port, timeout = settings.smtp_host, smtp_port(settings), settings.smtp_timeout_seconds
    try:
        client: smtplib.SMTP = (smtplib.SMTP_SSL(host, port, timeout=timeout, context=context) if settings.smtp_tls
                                else smtplib.SMTP(host, port, timeout=timeout))
        with client:
            client.ehlo()
            if not settings.smtp_tls and settings.smtp_starttls:
                if not client.has_extn("starttls"):
                    raise MailError(f"máy chủ {host}:{port} không hỗ trợ STARTTLS / the server offers no STARTTLS "
                                    "(set HDM_SMTP_STARTTLS=false only for a server on this machine)")
                client.starttls(context=context)
                client.ehlo()
            if settings.smtp_user:
                password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
                client.login(settings.smtp_user, password)
            refused = client.send_message(msg, from_addr=checked_address(settings.digest_from),
                                          to_addrs=recipients)
    except MailError:
        raise
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise MailError(f"gửi thư thất bại / sending failed via {host}:{port}: {type(exc).__name__}: {exc}") from exc
    return sorted(refused)
