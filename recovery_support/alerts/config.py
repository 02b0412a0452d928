"""Alert settings from ``config/alerts.yml``: who is alerted, how, and how fast.

Secrets never live in the file: it names the environment variables that hold them. Unknown keys are errors, so
a typo ("telgram:") can't silently switch an alert channel off.
"""
import logging
import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple, Type, TypeVar

import yaml

from recovery_support.paths import ROOT

logger = logging.getLogger(__name__)

ALERTS_CONFIG = ROOT / "config" / "alerts.yml"
ACK_SECRET_FILE = ROOT / "var" / "alert_ack_secret"
ACK_SECRET_ENV = "ALERT_ACK_SECRET"

TELEGRAM = "telegram"
EMAIL = "email"
WEBHOOK = "webhook"
CHANNELS = (TELEGRAM, EMAIL, WEBHOOK)


class ConfigError(ValueError):
    pass


def _env(name: Optional[str], what: str) -> Optional[str]:
    if not name:
        return None
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"{what}: environment variable {name} is not set")
    return value


@dataclass(frozen=True)
class TelegramSettings:
    chat_id: str
    bot_token_env: str = "ALERT_TELEGRAM_BOT_TOKEN"
    api_base_url: str = "https://api.telegram.org"
    # Acknowledge by the inline button needs getUpdates, which Telegram refuses while the bot has a webhook:
    # use a separate staff bot, or set this to false and acknowledge by link.
    poll_updates: bool = True
    poll_timeout_seconds: float = 25.0

    def bot_token(self) -> str:
        token = _env(self.bot_token_env, "telegram bot token")
        assert token is not None
        return token


@dataclass(frozen=True)
class EmailSettings:
    smtp_host: str
    sender: str  # "from" in the file
    to: Tuple[str, ...]
    smtp_port: int = 587
    starttls: bool = True
    user_env: Optional[str] = None
    password_env: Optional[str] = None
    timeout_seconds: float = 15.0

    def credentials(self) -> Optional[Tuple[str, str]]:
        user = _env(self.user_env, "smtp user")
        if user is None:
            return None
        return user, _env(self.password_env, "smtp password") or ""


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    secret_env: Optional[str] = None
    secret_header: str = "X-Alert-Secret"

    def secret(self) -> Optional[str]:
        return _env(self.secret_env, "webhook secret")


@dataclass(frozen=True)
class ContactGroup:
    """The on-call or the backup contacts: each channel optional."""

    name: str
    telegram: Optional[TelegramSettings] = None
    email: Optional[EmailSettings] = None
    webhook: Optional[WebhookSettings] = None

    def targets(self) -> List[Tuple[str, str]]:
        """(channel, recipient) pairs, one outbox row each."""
        found: List[Tuple[str, str]] = []
        if self.telegram:
            found.append((TELEGRAM, self.telegram.chat_id))
        if self.email:
            found.extend((EMAIL, address) for address in self.email.to)
        if self.webhook:
            found.append((WEBHOOK, self.webhook.url))
        return found

    def settings_for(self, channel: str, recipient: str) -> Optional[Any]:
        settings = getattr(self, channel, None) if channel in CHANNELS else None
        if settings is not None and (channel, recipient) in self.targets():
            return settings
        return None


@dataclass(frozen=True)
class RetrySettings:
    initial_seconds: float = 1.0
    factor: float = 2.0
    max_seconds: float = 60.0

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt (1, 2, 4, ... capped)."""
        exponent = max(attempts - 1, 0)
        try:
            delay = self.initial_seconds * self.factor ** exponent
        except OverflowError:
            delay = self.max_seconds
        return min(delay, self.max_seconds)


@dataclass(frozen=True)
class FloodSettings:
    """When crisis alerts are grouped (grouping.py): more handoffs than these within ``window_minutes``."""
    window_minutes: float = 10.0
    per_source: int = 3  # from one client address
    per_service: int = 20  # from everyone together


@dataclass(frozen=True)
class AlertsConfig:
    on_call: ContactGroup
    backup: ContactGroup
    ack_secret: bytes = field(repr=False)
    escalate_after_seconds: float = 300.0
    retry: RetrySettings = RetrySettings()
    flood: FloodSettings = FloodSettings()
    poll_interval_seconds: float = 0.5
    # None: derive from the HTTP server's real address (tests with ephemeral ports).
    ack_base_url: Optional[str] = "http://localhost:5056"
    http_host: str = "127.0.0.1"
    http_port: int = 5056
    send_timeout_seconds: float = 15.0
    # How long an id hole in ``events`` is watched for a late commit (PostgreSQL assigns ids before commit).
    gap_timeout_seconds: float = 120.0
    database_retry_max_seconds: float = 10.0
    display_timezone: str = "UTC"
    # With no cursor yet (first start on a database with history), only crisis turns this recent are alerted:
    # months-old ones would page on-call staff for people who were fine long ago.
    first_start_lookback_hours: float = 24.0
    # How long an acknowledge link works after its handoff was raised (the staff app's queue works always).
    ack_link_valid_hours: float = 24.0
    # Where staff open the staff app: alerts link to the handoff's page there (never to a sender id).
    staff_base_url: str = "http://localhost:8090"

    def group_for(self, kind: str) -> ContactGroup:
        return self.backup if kind == "escalation" else self.on_call


T = TypeVar("T")


def _build(cls: Type[T], data: Any, where: str, renames: Mapping[str, str] = {}) -> T:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping, got {type(data).__name__}")
    data = {renames.get(k, k): v for k, v in data.items()}
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    try:
        return cls(**data)
    except TypeError as error:
        raise ConfigError(f"{where}: {error}") from None


def _channel(data: Any, where: str) -> Optional[Dict[str, Any]]:
    """A channel's mapping, or None when absent or ``enabled: false``."""
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping")
    data = dict(data)
    if not data.pop("enabled", True):
        return None
    return data


def _group(data: Any, where: str, default_name: str) -> ContactGroup:
    data = dict(data or {})
    unknown = sorted(set(data) - {"name", *CHANNELS})
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    telegram = _channel(data.get(TELEGRAM), f"{where}.telegram")
    email = _channel(data.get(EMAIL), f"{where}.email")
    webhook = _channel(data.get(WEBHOOK), f"{where}.webhook")
    if telegram is not None:
        telegram["chat_id"] = str(telegram.get("chat_id", "")).strip()
        if not telegram["chat_id"]:
            raise ConfigError(f"{where}.telegram: chat_id is required")
        telegram.setdefault("api_base_url", TelegramSettings.api_base_url)
        telegram["api_base_url"] = str(telegram["api_base_url"]).rstrip("/")
    if email is not None:
        to = email.get("to")
        email["to"] = tuple([to] if isinstance(to, str) else (to or []))
        if not email["to"]:
            raise ConfigError(f"{where}.email: at least one address in 'to' is required")
    return ContactGroup(
        name=str(data.get("name") or default_name),
        telegram=_build(TelegramSettings, telegram, f"{where}.telegram") if telegram is not None else None,
        email=_build(EmailSettings, email, f"{where}.email", {"from": "sender"}) if email is not None else None,
        webhook=_build(WebhookSettings, webhook, f"{where}.webhook") if webhook is not None else None,
    )


def load_ack_secret(path: Path = ACK_SECRET_FILE) -> bytes:
    """``ALERT_ACK_SECRET``, else a generated secret kept (0600) in var/ so links survive restarts."""
    value = os.environ.get(ACK_SECRET_ENV)
    if value:
        return value.encode("utf-8")
    path = Path(path)
    if path.exists():
        return path.read_text(encoding="utf-8").strip().encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    # O_EXCL + 0600 from the start: the secret is never readable by others, not even for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    logger.info("Generated the acknowledge-link secret in %s", path)
    return value.encode("utf-8")


def _number(key: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key}: expected a number, got {value!r}") from None


def config_from_dict(data: Mapping[str, Any], ack_secret: Optional[bytes] = None) -> AlertsConfig:
    data = dict(data or {})
    allowed = {"on_call", "backup", "escalate_after_seconds", "retry", "poll_interval_seconds", "ack_base_url",
               "http", "send_timeout_seconds", "gap_timeout_seconds", "database_retry_max_seconds",
               "display_timezone", "first_start_lookback_hours", "ack_link_valid_hours",
               "staff_base_url", "flood"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"alerts config: unknown key(s) {', '.join(unknown)}")
    http = dict(data.pop("http", None) or {})
    if set(http) - {"host", "port"}:
        raise ConfigError("alerts config: http takes only host and port")
    retry = _build(RetrySettings, data.pop("retry", None) or {}, "retry")
    if retry.initial_seconds <= 0 or retry.factor < 1 or retry.max_seconds < retry.initial_seconds:
        raise ConfigError("retry: need initial_seconds > 0, factor >= 1, max_seconds >= initial_seconds")
    flood = _build(FloodSettings, data.pop("flood", None) or {}, "flood")
    if not (flood.window_minutes > 0 and flood.per_source >= 1 and flood.per_service >= 1):
        raise ConfigError("flood: need window_minutes > 0, per_source >= 1, per_service >= 1")
    base_url = data.pop("ack_base_url", AlertsConfig.ack_base_url)
    config = AlertsConfig(
        on_call=_group(data.pop("on_call", None), "on_call", "on-call"),
        backup=_group(data.pop("backup", None), "backup", "backup"),
        ack_secret=ack_secret if ack_secret is not None else load_ack_secret(),
        retry=retry,
        flood=flood,
        ack_base_url=str(base_url).rstrip("/") if base_url else None,
        http_host=str(http.get("host", AlertsConfig.http_host)),
        http_port=int(http.get("port", AlertsConfig.http_port)),
        **{k: _number(k, v) if k.endswith(("seconds", "hours")) else v for k, v in data.items()},
    )
    if config.poll_interval_seconds <= 0 or config.escalate_after_seconds <= 0:
        raise ConfigError("poll_interval_seconds and escalate_after_seconds must be positive")
    if not config.first_start_lookback_hours > 0:  # "not >" also refuses NaN
        raise ConfigError("first_start_lookback_hours must be positive")
    if not config.ack_link_valid_hours > 0:
        raise ConfigError("ack_link_valid_hours must be positive")
    return config


def load_config(path: Path = ALERTS_CONFIG, ack_secret: Optional[bytes] = None) -> AlertsConfig:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return config_from_dict(raw, ack_secret)


def warn_about_secrets(config: AlertsConfig) -> None:
    """At start-up, say loudly which configured channel can't work (deliveries still queue and retry)."""
    for group in (config.on_call, config.backup):
        checks = [("telegram", group.telegram and group.telegram.bot_token),
                  ("email", group.email and group.email.credentials),
                  ("webhook", group.webhook and group.webhook.secret)]
        for channel, check in checks:
            if not check:
                continue
            try:
                check()
            except ConfigError as error:
                logger.error("ALERT CHANNEL BROKEN: %s %s: %s", group.name, channel, error)
