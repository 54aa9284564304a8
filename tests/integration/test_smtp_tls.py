"""Mail over STARTTLS with a login, to a real SMTP server on loopback that refuses plain text and wrong
passwords; a server without STARTTLS is refused rather than sent to in clear."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

from digest.render import Rendered
from digest.send import MailError, build_message, deliver
from tests.conftest import free_port
from tests.fixtures.mail import MailServer, mail_settings, smtp_server


def _certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "smtp.pem", directory / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def _authenticator(server, session, envelope, mechanism, auth_data):  # noqa: ANN001 - aiosmtpd's signature
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"hdm" and auth_data.password == b"bi-mat"
    return AuthResult(success=ok)


def _message() -> Rendered:
    return Rendered("Thử STARTTLS", "<p>Xin chào</p>", "Xin chào")


def test_starttls_with_login(tmp_path, sqlite_url):
    cert, key = _certificate(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    box = MailServer("127.0.0.1", free_port())
    controller = Controller(box, hostname=box.host, port=box.port, tls_context=server_context,
                            require_starttls=True, auth_required=True, authenticator=_authenticator)
    controller.start()
    try:
        client_context = ssl.create_default_context(cafile=str(cert))
        settings = mail_settings(sqlite_url, box, smtp_starttls=True, smtp_user="hdm",
                                 smtp_password=SecretStr("bi-mat"))
        msg = build_message(_message(), settings.digest_from, ["a@x.example"], "<t-1@hdmonitor>")
        assert deliver(settings, msg, ["a@x.example"], context=client_context) == []
        assert len(box.received) == 1 and box.received[0].message["Subject"] == "Thử STARTTLS"
        wrong = settings.model_copy(update={"smtp_password": SecretStr("sai"), "smtp_timeout_seconds": 5})
        with pytest.raises(MailError):  # refused (this server then stops answering: the timeout ends it)
            deliver(wrong, msg, ["a@x.example"], context=client_context)
        with pytest.raises(MailError, match="SSL|certificate"):  # a certificate nobody vouched for is refused
            deliver(settings, msg, ["a@x.example"], context=ssl.create_default_context())
        plain = settings.model_copy(update={"smtp_starttls": False, "smtp_user": None})
        with pytest.raises(MailError):  # the server wants TLS first
            deliver(plain, msg, ["a@x.example"], context=client_context)
        assert len(box.received) == 1
    finally:
        controller.stop()


def test_a_server_without_starttls_is_not_sent_to_in_clear(sqlite_url):
    with smtp_server() as box:
        settings = mail_settings(sqlite_url, box, smtp_starttls=True)
        msg = build_message(_message(), settings.digest_from, ["a@x.example"], "<t-2@hdmonitor>")
        with pytest.raises(MailError, match="STARTTLS"):
            deliver(settings, msg, ["a@x.example"])
        assert box.received == []
        with pytest.raises(MailError, match="HDM_SMTP_HOST"):
            deliver(settings.model_copy(update={"smtp_host": None}), msg, ["a@x.example"])
