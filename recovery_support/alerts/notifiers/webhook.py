"""Webhook: POST the alert as JSON; anything but a 2xx answer is a failure (and so retried).

A retry after a timeout may repeat a POST that arrived: ``Idempotency-Key`` (also in the body) is the same on
every attempt, so the receiver can drop the repeat.
"""
import aiohttp

from recovery_support.alerts.config import WebhookSettings
from recovery_support.alerts.message import AlertMessage
from recovery_support.alerts.notifiers import DeliveryError


class WebhookNotifier:
    def __init__(self, settings: WebhookSettings, session: aiohttp.ClientSession, timeout: float = 15.0) -> None:
        self.settings = settings
        self.session = session
        self.timeout = timeout

    async def send(self, message: AlertMessage) -> None:
        headers = {"Idempotency-Key": message.idempotency_key}
        secret = self.settings.secret()
        if secret:
            headers[self.settings.secret_header] = secret
        async with self.session.post(self.settings.url, json=message.payload(), headers=headers,
                                     timeout=aiohttp.ClientTimeout(total=self.timeout)) as response:
            if not 200 <= response.status < 300:
                body = (await response.text())[:200]
                raise DeliveryError(f"webhook: HTTP {response.status} {body}".strip())
