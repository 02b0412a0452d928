"""The signed acknowledge link: GET only shows a form, POST acknowledges and logs, a bad signature gets 403, an
old link 410, and a link for another handoff that once had the same id acknowledges nothing."""
import asyncio
import re

import aiohttp

from recovery_support.alerts.acknowledge import handoff_summary
from recovery_support.alerts.signing import ack_url, created_stamp, sign
from tests.alerts.conftest import SECRET, fast_config, insert_crisis, rows, running_worker, wait_for


def link_for(engine, base: str, handoff_id: int) -> str:
    return ack_url(base, SECRET, handoff_id, handoff_summary(engine, handoff_id)["created_at"])


async def test_ack_link(engine):
    config = fast_config()
    async with running_worker(config, engine) as worker, aiohttp.ClientSession() as http:
        insert_crisis(engine)
        insert_crisis(engine, "second")
        await wait_for(lambda: len(rows(engine, "select id from handoffs")) == 2, what="handoffs")
        base = worker.ack_base_url
        link = link_for(engine, base, 1)
        c1 = created_stamp(handoff_summary(engine, 1)["created_at"])

        # GET (what a link preview does) shows a form and changes nothing.
        async with http.get(link) as response:
            page = await response.text()
            assert response.status == 200
            assert response.headers["Referrer-Policy"] == "no-referrer"
        assert re.search(r'<form method="post" action="/ack/1\?t=\d+&amp;sig=[0-9a-f]{64}">', page)
        assert rows(engine, "select status from handoffs where id = 1") == [{"status": "open"}]

        # Bad, missing, or another handoff's signature: refused for GET and POST alike.
        for bad in (f"{base}/ack/1?t={c1}&sig=deadbeef", f"{base}/ack/1", f"{base}/ack/1?sig={sign(SECRET, 1, c1)}",
                    f"{base}/ack/2?t={c1}&sig={sign(SECRET, 1, c1)}", f"{base}/ack/1?t=x&sig={sign(SECRET, 1, c1)}",
                    f"{base}/ack/1?t={c1}&sig={sign(b'other-secret', 1, c1)}"):
            async with http.get(bad) as response:
                assert response.status == 403, bad
            async with http.post(bad, data={"by": "Mallory"}) as response:
                assert response.status == 403, bad
        assert rows(engine, "select status from handoffs") == [{"status": "open"}, {"status": "open"}]

        # POST acknowledges, with the name given; the name is escaped on the page.
        async with http.post(link, data={"by": "Dr. <b>Lee</b>"}) as response:
            page = await response.text()
            assert response.status == 200
        assert "Dr. &lt;b&gt;Lee&lt;/b&gt;" in page and "<b>Lee</b>" not in page
        # A second press doesn't change who has it.
        async with http.post(link, data={"by": "Someone else"}) as response:
            assert "Already handled" in await response.text()
        # Without a name the actor is "link".
        async with http.post(link_for(engine, base, 2), data={}) as response:
            assert response.status == 200
        async with http.get(f"{base}/ack/99?t={c1}&sig={sign(SECRET, 99, c1)}") as response:
            assert response.status == 404
        async with http.get(f"{base}/healthz") as response:
            health = await response.json()
            assert response.status == 200 and health["ok"] is True and health["database"] == "ok"

    handoffs = rows(engine, "select id, status, acknowledged_by, acknowledged_at from handoffs order by id")
    assert [(h["status"], h["acknowledged_by"]) for h in handoffs] == [
        ("acknowledged", "Dr. <b>Lee</b>"), ("acknowledged", "link")]
    assert all(h["acknowledged_at"] for h in handoffs)
    log = rows(engine, "select handoff_id, actor, detail from handoff_log where action = 'acknowledged' order by id")
    assert log == [{"handoff_id": 1, "actor": "Dr. <b>Lee</b>", "detail": "via acknowledge link"},
                   {"handoff_id": 2, "actor": "link", "detail": "via acknowledge link"}]


async def test_an_old_link_expires_and_a_link_for_an_earlier_handoff_with_the_same_id_does_nothing(engine):
    config = fast_config(ack_link_valid_hours=0.0005)  # 1.8 s
    async with running_worker(config, engine) as worker, aiohttp.ClientSession() as http:
        insert_crisis(engine)
        await wait_for(lambda: len(rows(engine, "select id from handoffs")) == 1, what="handoff")
        base = worker.ack_base_url
        created = created_stamp(handoff_summary(engine, 1)["created_at"])
        # A valid signature for handoff 1 created at another time: the link of a crisis from an earlier database.
        earlier = f"{base}/ack/1?t={created - 3600}&sig={sign(SECRET, 1, created - 3600)}"
        async with http.post(earlier, data={"by": "old mail"}) as response:
            assert response.status == 404
        link = link_for(engine, base, 1)
        async with http.get(link) as response:
            assert response.status == 200
        await asyncio.sleep(2.5)
        for method in (http.get, http.post):
            async with method(link) as response:
                assert response.status == 410 and "expired" in await response.text()
    assert rows(engine, "select status from handoffs") == [{"status": "open"}]
