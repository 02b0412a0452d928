"""Exports: the filtered set as CSV and JSON, redacted by default, formula-safe, and audited."""
import csv
import io
import json

from recovery_support.staff.projector import project_all
from tests.staff.conftest import insert_turn, logged_in, rows

T0 = 1_760_000_000.0
PERSONAL = "My name is John Smith, call me at 555-123-4567 or john@example.com, I live at 12 Main Street"


def seed(db):
    insert_turn(db, "tg-123456789", PERSONAL, intent="getting_started", channel="telegram", timestamp=T0,
                reply="Thanks. Call the SAMHSA helpline at 1-800-662-4357.")
    insert_turn(db, "tg-123456789", "=HYPERLINK(\"http://evil.example\",\"click\")", intent="chitchat",
                channel="telegram", timestamp=T0 + 10, reply="-1 is not a number of days")
    insert_turn(db, "web-1", "@SUM(1+1) what is detox", intent="what_is_detox", channel="socketio",
                timestamp=T0 + 20)
    project_all(db)


def parse_csv(body: str) -> list:
    return list(csv.DictReader(io.StringIO(body)))


async def test_csv_export_is_redacted_and_formula_safe(db, users):
    seed(db)
    async with logged_in(db, "reviewer") as client:
        response = await client.get("/export", params={"format": "csv", "channel": "telegram"})
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/csv")
        assert 'attachment; filename="conversations.csv"' == response.headers["Content-Disposition"]
        body = await response.text()
    records = parse_csv(body)
    assert {r["channel"] for r in records} == {"telegram"}  # the filter applies
    assert [r["speaker"] for r in records] == ["user", "bot", "bot", "user", "bot", "bot"]
    first = records[0]
    assert first["text"] == "My name is [NAME], call me at [PHONE] or [EMAIL], I live at [ADDRESS]"
    assert first["intent"] == "getting_started" and first["confidence"] == "0.950"
    assert first["sender_id"] == ""  # a Telegram chat id identifies a person
    for leaked in ("John", "Smith", "555-123-4567", "john@example.com", "Main Street", "123456789"):
        assert leaked not in body
    assert records[2]["text"] == "Thanks. Call the SAMHSA helpline at 1-800-662-4357."
    assert records[1]["action"] == "action_answer"
    assert records[3]["text"] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert records[5]["text"] == "'-1 is not a number of days"
    for record in records:
        for value in record.values():
            assert not value.startswith(("=", "+", "-", "@")), value
    entry = rows(db, "select actor, action, detail from audit_log where action = 'export'")[0]
    detail = json.loads(entry["detail"])
    assert entry["actor"] == "reviewer" and detail["redacted"] is True and detail["format"] == "csv"
    assert detail["filters"] == {"channel": "telegram"} and detail["conversations"] == 1 and detail["messages"] == 6


async def test_json_export_redacted_by_default(db, users):
    seed(db)
    async with logged_in(db, "clinician") as client:
        response = await client.get("/export", params={"format": "json", "q": "detox"})
        data = json.loads(await response.text())
    assert data["redacted"] is True and data["filters"] == {"q": "detox"}
    assert [c["channel"] for c in data["conversations"]] == ["socketio"]
    conversation = data["conversations"][0]
    assert conversation["sender_id"] is None and conversation["messages"][0]["text"] == "@SUM(1+1) what is detox"
    assert conversation["first_activity"] == "2025-10-09T08:53:40Z"


async def test_unredacted_export_for_clinicians_only(db, users):
    seed(db)
    async with logged_in(db, "clinician") as client:
        response = await client.get("/export", params={"format": "csv", "unredacted": "1"})
        assert response.headers["Content-Disposition"] == 'attachment; filename="conversations-UNREDACTED.csv"'
        body = await response.text()
        assert PERSONAL in body and "tg-123456789" in body
        assert "'=HYPERLINK" in body  # formula safety applies unredacted too
    async with logged_in(db, "reviewer") as client:
        response = await client.get("/export", params={"format": "json", "unredacted": "1"})
        assert response.status == 403
    exports = rows(db, "select actor, detail from audit_log where action = 'export'")
    assert len(exports) == 1 and json.loads(exports[0]["detail"])["redacted"] is False
    denied = rows(db, "select actor, detail from audit_log where action = 'access_denied'")
    assert denied[0]["actor"] == "reviewer" and "export_unredacted" in denied[0]["detail"]


async def test_export_limits_and_bad_format(db, users):
    seed(db)
    from dataclasses import replace

    from tests.staff.conftest import TEST_SETTINGS

    async with logged_in(db, "admin", replace(TEST_SETTINGS, export_max_conversations=1)) as client:
        assert (await client.get("/export", params={"format": "xml"})).status == 400
        data = json.loads(await (await client.get("/export", params={"format": "json"})).text())
        assert data["truncated"] is True and len(data["conversations"]) == 1
