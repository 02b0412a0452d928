"""E-mail delivery to a real SMTP server (aiosmtpd): plain text, the alert's facts, logged with its recipient."""
import re
from email import message_from_bytes, policy

from tests.alerts.conftest import fast_config, insert_crisis, rows, running_worker, wait_for
from tests.alerts.servers import smtp_server


async def test_alert_arrives_by_email_as_plain_text(engine):
    with smtp_server() as (inbox, port):
        config = fast_config(on_call={"name": "Dr. Ruiz", "email": {
            "smtp_host": "127.0.0.1", "smtp_port": port, "starttls": False,
            "from": "Clinic alerts <alerts@clinic.test>", "to": ["oncall@clinic.test"]}})
        async with running_worker(config, engine):
            insert_crisis(engine, "my brother is having a seizure <b>help</b>", "medical", sender="web-99")
            await wait_for(lambda: inbox.envelopes, what="the e-mail")
            await wait_for(lambda: rows(engine, "select delivered_at from outbox")[0]["delivered_at"],
                           what="the delivery to be recorded")

    envelope = inbox.envelopes[0]
    assert envelope.rcpt_tos == ["oncall@clinic.test"]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"] == "[CRISIS ALERT] Medical emergency (handoff #1)"
    assert mail.get_content_type() == "text/plain"
    body = mail.get_content()
    assert "Category: Medical emergency" in body
    # The handoff's page in the staff app, never the web chat's session id (it would let a reader join the chat).
    assert "web-99" not in body and re.search(r"In the staff app: http://\S+/crisis/1\b", body)
    assert "user-written" in body
    assert "my brother is having a seizure <b>help</b>" in body  # shown as typed, in a text/plain part
    assert re.search(r"/ack/1\?t=\d+&sig=[0-9a-f]{64}", body)
    assert rows(engine, "select attempts from outbox") == [{"attempts": 1}]
    logged = rows(engine, "select detail from handoff_log where action = 'delivered'")
    assert logged == [{"detail": "alert disclosed to Dr. Ruiz <oncall@clinic.test> via email; "
                                 "nature of emergency: Medical emergency"}]
