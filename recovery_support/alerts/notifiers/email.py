"""E-mail through SMTP (stdlib ``smtplib`` in a thread, so the event loop never blocks). Plain text only.

The Message-ID is the alert's idempotency key, the same on every attempt: a retry of a mail the server took
before the connection timed out is the same message to mail systems that drop repeats.
"""
import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import parseaddr

from recovery_support.alerts.config import EmailSettings
from recovery_support.alerts.message import AlertMessage


class EmailNotifier:
    def __init__(self, settings: EmailSettings, recipient: str) -> None:
        self.settings = settings
        self.recipient = recipient

    def build(self, message: AlertMessage) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.settings.sender
        mail["To"] = self.recipient
        mail["Subject"] = message.subject
        mail["X-Priority"] = "1"
        domain = parseaddr(self.settings.sender)[1].rpartition("@")[2] or "localhost"
        mail["Message-ID"] = f"<{message.idempotency_key}@{domain}>"
        mail.set_content(message.text())  # text/plain; utf-8
        return mail

    def _send_blocking(self, mail: EmailMessage) -> None:
        settings = self.settings
        credentials = settings.credentials()
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if credentials:
                smtp.login(*credentials)
            refused = smtp.send_message(mail, to_addrs=[self.recipient])
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)

    async def send(self, message: AlertMessage) -> None:
        await asyncio.to_thread(self._send_blocking, self.build(message))
