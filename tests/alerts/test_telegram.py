"""Telegram against a fake Bot API server: the alert with its button, and a button press acknowledging it."""
from tests.alerts.conftest import fast_config, insert_crisis, rows, running_worker, wait_for
from tests.alerts.servers import FakeTelegram

TOKEN = "123456:TEST-token"
STAFF_CHAT = "-1001234"
HOSTILE = "<script>alert(1)</script> *bold* _it_ [click](http://evil.test) `code` &amp;"


async def test_alert_with_acknowledge_button_and_ack_from_the_staff_chat(engine, monkeypatch):
    monkeypatch.setenv("TEST_TG_TOKEN", TOKEN)
    telegram = FakeTelegram(TOKEN)
    async with telegram.running() as api:
        settings = {"chat_id": STAFF_CHAT, "bot_token_env": "TEST_TG_TOKEN", "api_base_url": api,
                    "poll_timeout_seconds": 0}
        config = fast_config(on_call={"name": "Staff chat", "telegram": settings}, escalate_after_seconds=30)
        async with running_worker(config, engine):
            insert_crisis(engine, HOSTILE, "suicidal")
            await wait_for(lambda: telegram.calls.get("sendMessage"), what="sendMessage")
            sent = telegram.calls["sendMessage"][0]
            handoff_id = rows(engine, "select id from handoffs")[0]["id"]

            # A press from another chat is refused; one from the staff chat acknowledges.
            telegram.press(handoff_id, "-999", {"id": 1, "first_name": "Mallory"})
            await wait_for(lambda: len(telegram.calls.get("answerCallbackQuery", [])) == 1, what="the refusal")
            assert rows(engine, "select status from handoffs") == [{"status": "open"}]
            telegram.press(handoff_id, STAFF_CHAT, {"id": 7, "first_name": "Ana", "last_name": "Ruiz",
                                                   "username": "anar"})
            await wait_for(lambda: rows(engine, "select status from handoffs")[0]["status"] == "acknowledged",
                           what="the acknowledgement")
            await wait_for(lambda: len(telegram.calls.get("answerCallbackQuery", [])) == 2, what="the answer")

    assert sent["chat_id"] == STAFF_CHAT
    assert "parse_mode" not in sent  # plain text: the person's markup is shown, never interpreted
    assert HOSTILE in sent["text"]
    assert sent["disable_web_page_preview"] is True
    assert sent["reply_markup"] == {"inline_keyboard": [[{"text": "Acknowledge",
                                                          "callback_data": f"ack:{handoff_id}"}]]}
    assert f"/ack/{handoff_id}?t=" in sent["text"] and "&sig=" in sent["text"]
    assert "Suicidal thoughts" in sent["text"]

    answers = telegram.calls["answerCallbackQuery"]
    assert "Not allowed" in answers[0]["text"]
    assert answers[1]["callback_query_id"] and "Acknowledged" in answers[1]["text"]
    handoff = rows(engine, "select * from handoffs")[0]
    assert handoff["acknowledged_by"] == "Ana Ruiz (@anar, telegram 7)"
    assert handoff["acknowledged_at"] is not None
    log = rows(engine, "select actor, action, detail from handoff_log where action = 'acknowledged'")
    assert log == [{"actor": "Ana Ruiz (@anar, telegram 7)", "action": "acknowledged", "detail": "via telegram"}]
    # Every update was confirmed to Telegram (a later getUpdates carried the offset past it).
    assert telegram.updates == []


async def test_telegram_errors_are_retried_and_never_leak_the_token(engine, monkeypatch):
    monkeypatch.setenv("TEST_TG_TOKEN", "wrong-token")
    telegram = FakeTelegram(TOKEN)
    async with telegram.running() as api:
        settings = {"chat_id": STAFF_CHAT, "bot_token_env": "TEST_TG_TOKEN", "api_base_url": api,
                    "poll_updates": False}
        async with running_worker(fast_config(on_call={"telegram": settings}), engine):
            insert_crisis(engine)
            await wait_for(lambda: rows(engine, "select attempts from outbox")[0]["attempts"] >= 2, what="retries")
    row = rows(engine, "select * from outbox")[0]
    assert row["delivered_at"] is None
    assert "401" in row["last_error"] and "wrong-token" not in row["last_error"]
