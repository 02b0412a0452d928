"""config/alerts.yml: the shipped file loads with no contact enabled; mistakes are errors, not silence."""
import os
import stat

import pytest

from recovery_support.alerts.config import (
    ALERTS_CONFIG, ConfigError, RetrySettings, config_from_dict, load_ack_secret, load_config,
)


def test_the_shipped_file_loads_with_no_contact_enabled():
    config = load_config(ALERTS_CONFIG, ack_secret=b"x")
    assert config.on_call.targets() == [] and config.backup.targets() == []
    assert config.escalate_after_seconds == 300
    assert config.poll_interval_seconds == 0.5
    assert (config.retry.initial_seconds, config.retry.factor, config.retry.max_seconds) == (1, 2, 60)
    assert config.ack_base_url == "http://localhost:5056" and config.http_port == 5056
    assert config.first_start_lookback_hours == 24
    text = ALERTS_CONFIG.read_text()
    for example in ("# telegram:", "# email:", "# webhook:", "bot_token_env", "secret_env"):
        assert example in text


def test_every_channel_parses():
    config = config_from_dict({
        "on_call": {"name": "Nurse", "telegram": {"chat_id": -100123, "api_base_url": "http://tg.local/"},
                    "email": {"smtp_host": "mail", "from": "a@b.c", "to": "x@y.z"},
                    "webhook": {"url": "http://hook", "enabled": True}},
        "backup": {"email": {"smtp_host": "mail", "from": "a@b.c", "to": ["s@y.z"], "enabled": False}},
    }, ack_secret=b"x")
    assert config.on_call.targets() == [("telegram", "-100123"), ("email", "x@y.z"), ("webhook", "http://hook")]
    assert config.on_call.telegram.api_base_url == "http://tg.local"
    assert config.on_call.telegram.bot_token_env == "ALERT_TELEGRAM_BOT_TOKEN"
    assert config.backup.targets() == []


@pytest.mark.parametrize("data", [
    {"on_call": {"telgram": {"chat_id": "1"}}},
    {"on_call": {"telegram": {"chat_id": "1", "token": "inline-secret"}}},
    {"on_call": {"email": {"smtp_host": "m", "from": "a@b.c"}}},
    {"on_call": {"telegram": {}}},
    {"escalate_after": 10},
    {"retry": {"initial_seconds": 0}},
    {"first_start_lookback_hours": 0},
    {"first_start_lookback_hours": -24},
    {"first_start_lookback_hours": "nan"},
    {"first_start_lookback_hours": "a day"},
])
def test_mistakes_are_errors(data):
    with pytest.raises(ConfigError):
        config_from_dict(data, ack_secret=b"x")


def test_first_start_lookback_defaults_to_a_day_and_takes_fractions():
    assert config_from_dict({}, ack_secret=b"x").first_start_lookback_hours == 24
    assert config_from_dict({"first_start_lookback_hours": "1.5"}, ack_secret=b"x").first_start_lookback_hours == 1.5


def test_backoff_doubles_up_to_the_cap():
    retry = RetrySettings()
    assert [retry.delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert retry.delay(10_000) == 60


def test_ack_secret_is_generated_once_with_0600(tmp_path, monkeypatch):
    monkeypatch.delenv("ALERT_ACK_SECRET", raising=False)
    path = tmp_path / "var" / "alert_ack_secret"
    first = load_ack_secret(path)
    assert len(first) >= 32 and load_ack_secret(path) == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    monkeypatch.setenv("ALERT_ACK_SECRET", "from-env")
    assert load_ack_secret(path) == b"from-env"
