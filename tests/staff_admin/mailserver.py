"""A real SMTP server for the tests (aiosmtpd, on a free port in a thread of its own): plain,
STARTTLS or SMTPS with a self-signed certificate made by `openssl` for the test, with a user and
password, and able to refuse mails (a 451, as a busy server answers) to test the retries."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "portal", "s3cret pass"
# aiosmtpd 1.4 warns about its own attribute when an authenticator is set
QUIET = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")


@dataclass
class Inbox:
    """What the server received; `refuse` mails are answered 451 first."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: int = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER
    ok = ok and auth_data.password.decode() == PASSWORD
    return AuthResult(success=ok)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed(directory: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate for the TLS tests")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class MailServer:
    url: str
    inbox: Inbox
    client_tls: ssl.SSLContext | None  # trusts the server's certificate
    cert: Path | None


def start(scheme: str, tmp_path: Path) -> tuple[Controller, MailServer]:
    inbox, port = Inbox(), free_port()
    # aiosmtpd offers AUTH on an SMTPS connection only without auth_require_tls (it does not count
    # TLS from the first byte as TLS); the STARTTLS server insists on the upgrade before AUTH.
    kwargs: dict = {"authenticator": _authenticate, "auth_require_tls": scheme == "smtp+starttls"}
    client_tls = cert = None
    if scheme != "smtp":
        cert, key = self_signed(tmp_path)
        server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_tls.load_cert_chain(cert, key)
        client_tls = ssl.create_default_context(cafile=str(cert))
        if scheme == "smtps":
            kwargs["ssl_context"] = server_tls
        else:
            kwargs.update(tls_context=server_tls, require_starttls=True)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, server_hostname="localhost", **kwargs)
    controller.start()
    url = f"{scheme}://{USER}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{port}"
    return controller, MailServer(url, inbox, client_tls, cert)


@pytest.fixture
def mail_server(tmp_path: Path) -> Iterator[MailServer]:
    """A plain SMTP server with a password (the scheme of a relay next to the app)."""
    controller, server = start("smtp", tmp_path)
    yield server
    controller.stop()


@pytest.fixture(params=["smtp+starttls", "smtps"])
def tls_mail_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MailServer]:
    controller, server = start(request.param, tmp_path)
    yield server
    controller.stop()
