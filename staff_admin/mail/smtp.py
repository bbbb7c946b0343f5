"""Sending one message through the SMTP server of `SMTP_URL`, with the standard library only.

smtp://host:25 (plain, e.g. a relay on the same machine), smtp+starttls://user:pass@host:587 (the
usual submission port: the connection is upgraded to TLS before the password is sent), and
smtps://user:pass@host:465 (TLS from the first byte). The server's certificate is checked against
the system's certificate authorities; `ssl_context` lets the tests trust their own."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from portal.kernel.settings import Settings

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailNotConfigured(RuntimeError):
    """SMTP_URL is empty: alerts stay in the app."""


@dataclass(frozen=True)
class Server:
    scheme: str
    host: str
    port: int
    user: str | None
    password: str | None

    def __repr__(self) -> str:  # never the password, in a log or a traceback
        return f"Server({self.scheme}://{self.host}:{self.port}, user={self.user!r})"

    @classmethod
    def from_url(cls, url: str) -> Server:
        parts = urlsplit(url)
        if not parts.hostname:
            raise MailNotConfigured("SMTP_URL is not set")
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=parts.port or DEFAULT_PORTS[parts.scheme],
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def message(sender: str, mail: Mail) -> EmailMessage:
    built = EmailMessage()
    built["From"] = sender
    built["To"] = mail.to
    built["Subject"] = mail.subject
    built["Date"] = formatdate(localtime=False)
    built["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    built["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to a robot
    built.set_content(mail.body)
    return built


class Mailer:
    """One connection per batch of mails (`with mailer.connection() as send: send(mail)`)."""

    def __init__(self, settings: Settings, ssl_context: ssl.SSLContext | None = None) -> None:
        if not settings.smtp_url:
            raise MailNotConfigured("SMTP_URL is not set")
        self.server = Server.from_url(settings.smtp_url)
        self.sender = settings.mail_from
        self.timeout = settings.smtp_timeout_seconds
        self.ssl_context = ssl_context or ssl.create_default_context()

    def connect(self) -> smtplib.SMTP:
        server = self.server
        if server.scheme == "smtps":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=self.timeout, context=self.ssl_context
            )
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            if server.scheme == "smtp+starttls":
                connection.starttls(context=self.ssl_context)
        try:
            if server.user:
                connection.login(server.user, server.password or "")
        except Exception:
            connection.close()
            raise
        return connection

    def send(self, connection: smtplib.SMTP, mail: Mail) -> None:
        connection.send_message(message(self.sender, mail))
