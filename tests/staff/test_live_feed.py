"""The live crisis feed: open pages learn of new handoffs from the database within a second or two, in every
staff-app process, and the queue scales (filters, pages) with the banner on every page."""
import asyncio
import json
import time
from dataclasses import replace
from typing import Any, Dict

from recovery_support.alerts.acknowledge import acknowledge
from recovery_support.staff.crisis_queue import QueueFilter, queue_page
from tests.staff.conftest import TEST_SETTINGS, csrf_of, insert_handoff, insert_turn, logged_in

LIVE = replace(TEST_SETTINGS, live_interval_seconds=0.1, live_session_check_seconds=0.2)


async def next_event(stream, timeout: float = 5.0) -> Dict[str, Any]:
    """The next named event on an SSE stream, as {"event": name, "data": parsed JSON}."""
    name, deadline = None, time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = (await asyncio.wait_for(stream.content.readline(), deadline - time.monotonic())).decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[len("event: "):]
        elif line.startswith("data: ") and name:
            return {"event": name, "data": json.loads(line[len("data: "):])}
    raise AssertionError("no event in time")


def crisis(db, sender: str, text: str, category: str = "suicidal") -> int:
    return insert_handoff(db, sender, insert_turn(db, sender, text, intent=f"crisis_{category}"),
                          category=category, text=text)


async def test_a_new_handoff_reaches_an_open_page_in_every_process(db, users):
    async with logged_in(db, "clinician", LIVE) as first, logged_in(db, "clinician", LIVE) as second:
        streams = [await first.get("/live"), await second.get("/live")]
        for stream in streams:
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            assert (await next_event(stream))["data"]["open_count"] == 0
        started = time.monotonic()
        handoff = crisis(db, "person-1", "<b>i dont want to be here anymore</b>")  # as the alert worker writes it
        for stream in streams:  # two apps on one database: as two staff-app processes would be
            state = (await next_event(stream))["data"]
            assert state["open_count"] == 1 and state["latest_id"] == handoff
            assert state["waiting"][0]["words"] == "<b>i dont want to be here anymore</b>"  # JSON; live.js uses textContent
        assert time.monotonic() - started < 2.0
        # Acknowledged anywhere (here: the Telegram button's function): the banner empties everywhere.
        acknowledge(db, handoff, by="dana", via="telegram")
        for stream in streams:
            assert (await next_event(stream))["data"]["open_count"] == 0


async def test_the_feed_is_for_staff_who_work_the_queue(db, users):
    async with logged_in(db, "reviewer", LIVE) as reviewer:
        assert (await reviewer.get("/live", allow_redirects=False)).status == 403
        assert 'src="/static/live.js"' not in await (await reviewer.get("/conversations")).text()


async def test_the_stream_ends_when_the_session_does(db, users):
    async with logged_in(db, "clinician", LIVE) as client:
        stream = await client.get("/live")
        await next_event(stream)
        token = await csrf_of(client, "/crisis")
        await client.post("/logout", data={"csrf_token": token})  # e.g. logged out in another tab
        assert (await next_event(stream))["event"] == "session_ended"


async def test_every_page_shows_unacknowledged_handoffs_until_someone_has_them(db, users):
    handoff = crisis(db, "person-2", "i have the rope ready")
    async with logged_in(db, "clinician", LIVE) as client:
        for path in ("/", "/conversations", f"/crisis/{handoff}"):
            html = await (await client.get(path)).text()
            assert "1 open crisis handoff: nobody has acknowledged it yet." in html, path
            assert f'href="/crisis/{handoff}"' in html
        token = await csrf_of(client, "/crisis")
        await client.post(f"/crisis/{handoff}/acknowledge", data={"csrf_token": token})
        html = await (await client.get("/conversations")).text()
        assert 'id="live-banner" class="live-banner" aria-live="assertive" hidden' in html


def test_queue_filters_by_status_and_category_and_pages(db):
    ids = [crisis(db, f"p{i}", f"message {i}", "overdose" if i % 2 else "suicidal") for i in range(7)]
    acknowledge(db, ids[0], by="dana", via="staff app")
    first = queue_page(db, QueueFilter(), page=1, page_size=3)
    assert first.total == 7 and first.has_next and [c["id"] for c in first.cards] == ids[1:4]
    last = queue_page(db, QueueFilter(), page=3, page_size=3)
    assert [c["id"] for c in last.cards] == [ids[0]] and not last.has_next  # acknowledged after every open one
    overdoses = queue_page(db, QueueFilter(category="overdose"))
    assert {c["category"] for c in overdoses.cards} == {"overdose"} and overdoses.total == 3
    assert [c["id"] for c in queue_page(db, QueueFilter(status="acknowledged")).cards] == [ids[0]]
    assert QueueFilter.from_query({"status": "<script>", "category": "nonsense"}) == QueueFilter()


async def test_a_card_is_compact_and_a_long_message_is_whole_on_its_own_page(db, users):
    long_text = "I wanted to ask about visiting hours and parking. " * 8 + "and now he is not breathing"
    handoff = crisis(db, "person-3", long_text, "overdose")
    async with logged_in(db, "clinician", LIVE) as client:
        queue = await (await client.get("/crisis")).text()
        page = await (await client.get(f"/crisis/{handoff}")).text()
    card = queue[queue.index(f'data-handoff="{handoff}"'):]
    assert "…”" in card and "not breathing" not in card[:card.index("</li>")]
    assert "waiting " in card and "nobody has it yet" in card and "Acknowledge (I have it)" in card
    assert long_text in page and "Add note" in page and "Close the handoff" in page
