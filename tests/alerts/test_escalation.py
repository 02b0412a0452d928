"""Escalation: nobody acknowledges in time -> the backup is alerted, once; acknowledged in time -> nothing."""
import asyncio

import aiohttp

from tests.alerts.conftest import fast_config, insert_crisis, rows, running_worker, wait_for
from tests.alerts.servers import WebhookReceiver

ESCALATE_AFTER = 0.3


async def test_unacknowledged_handoff_escalates_to_the_backup_once(engine):
    on_call, backup = WebhookReceiver(), WebhookReceiver()
    async with on_call.running() as on_call_url, backup.running() as backup_url:
        config = fast_config(on_call={"webhook": {"url": on_call_url}},
                             backup={"name": "Supervisor", "webhook": {"url": backup_url}},
                             escalate_after_seconds=ESCALATE_AFTER)
        async with running_worker(config, engine):
            insert_crisis(engine, "I want to kill myself", "suicidal")
            await wait_for(lambda: on_call.accepted, what="the alert")
            await wait_for(lambda: backup.accepted, timeout=3, what="the escalation")
            await asyncio.sleep(ESCALATE_AFTER * 3)  # time enough for a wrong second escalation

    assert len(on_call.accepted) == 1 and len(backup.accepted) == 1
    assert backup.accepted[0]["payload"]["kind"] == "escalation"
    handoff = rows(engine, "select * from handoffs")[0]
    assert handoff["status"] == "open" and handoff["escalated_at"] is not None
    assert backup.accepted[0]["at"] - on_call.accepted[0]["at"] >= ESCALATE_AFTER * 0.9
    assert rows(engine, "select kind, recipient from outbox order by id") == [
        {"kind": "alert", "recipient": on_call_url}, {"kind": "escalation", "recipient": backup_url}]
    escalated = rows(engine, "select detail from handoff_log where action = 'escalated'")
    assert len(escalated) == 1 and "escalated to Supervisor" in escalated[0]["detail"]


async def test_acknowledged_in_time_means_no_escalation(engine):
    on_call, backup = WebhookReceiver(), WebhookReceiver()
    async with on_call.running() as on_call_url, backup.running() as backup_url:
        config = fast_config(on_call={"webhook": {"url": on_call_url}}, backup={"webhook": {"url": backup_url}},
                             escalate_after_seconds=ESCALATE_AFTER)
        async with running_worker(config, engine):
            insert_crisis(engine)
            await wait_for(lambda: on_call.accepted, what="the alert")
            link = on_call.accepted[0]["payload"]["ack_url"]
            async with aiohttp.ClientSession() as http:
                async with http.post(link, data={"by": "Nurse Kim"}) as response:
                    assert response.status == 200
            await asyncio.sleep(ESCALATE_AFTER * 3)

    assert backup.requests == []
    handoff = rows(engine, "select * from handoffs")[0]
    assert handoff["status"] == "acknowledged" and handoff["escalated_at"] is None
    assert rows(engine, "select kind from outbox") == [{"kind": "alert"}]


async def test_without_a_backup_the_escalation_reminds_on_call(engine):
    on_call = WebhookReceiver()
    async with on_call.running() as url:
        config = fast_config(on_call={"webhook": {"url": url}}, escalate_after_seconds=ESCALATE_AFTER)
        async with running_worker(config, engine):
            insert_crisis(engine)
            await wait_for(lambda: len(on_call.accepted) == 2, timeout=3, what="alert and reminder")
    assert [r["payload"]["kind"] for r in on_call.accepted] == ["alert", "escalation"]
