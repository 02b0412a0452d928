"""The crisis queue: open first, and acknowledge / note / close written to handoff_log with the staff user."""
from recovery_support.alerts.acknowledge import acknowledge
from recovery_support.staff.crisis_queue import QueueFilter, close_handoff, queue_page
from recovery_support.staff.projector import project_all
from tests.staff.conftest import csrf_of, insert_handoff, insert_turn, logged_in, rows


def queue_region(html: str) -> str:
    """The queue itself, without the live banner (which names open handoffs on every page)."""
    return html[html.index('<div id="queue"'):]


def setup_handoffs(db):
    ids = {}
    for name, status in [("closed-one", "closed"), ("acked", "acknowledged"), ("first-open", "open"),
                         ("second-open", "open")]:
        event_id = insert_turn(db, name, f"message from {name}", intent="crisis_suicidal")
        ids[name] = insert_handoff(db, name, event_id, category="suicidal", text=f"message from {name}",
                                   status=status)
    project_all(db)
    return ids


def test_open_handoffs_come_first(any_db):
    ids = setup_handoffs(any_db)
    page = queue_page(any_db, QueueFilter(status=""))
    assert [h["id"] for h in page.cards] == [ids["first-open"], ids["second-open"], ids["acked"], ids["closed-one"]]
    assert all(h["conversation_id"] for h in page.cards)


async def test_acknowledge_note_close_from_the_page(db, users):
    ids = setup_handoffs(db)
    handoff = ids["first-open"]
    async with logged_in(db, "clinician") as client:
        html = queue_region(await (await client.get("/crisis")).text())
        # What is still to do, longest waiting first; closed ones only when asked for.
        assert html.index("message from first-open") < html.index("message from acked")
        assert "message from closed-one" not in html
        assert "message from closed-one" in queue_region(await (await client.get("/crisis?status=closed")).text())
        token = await csrf_of(client, "/crisis")
        response = await client.post(f"/crisis/{handoff}/acknowledge", data={"csrf_token": token})
        assert response.status == 200 and str(response.url).endswith("/crisis")
        # A second press (or the Telegram button later) doesn't change who has it.
        response = await client.post(f"/crisis/{handoff}/acknowledge", data={"csrf_token": token})
        assert "already acknowledged (by clinician)" in await response.text()
        # Notes and closing happen on the handoff's own page, and lead back to it.
        on_page = {"csrf_token": token, "from": "handoff"}
        response = await client.post(f"/crisis/{handoff}/note", data={**on_page, "text": "Called, no answer."})
        assert str(response.url).endswith(f"/crisis/{handoff}")
        assert "clinician · note: Called, no answer." in await response.text()
        response = await client.post(f"/crisis/{handoff}/note", data={**on_page, "text": "   "})
        assert "a note has 1-" in await response.text()
        await client.post(f"/crisis/{handoff}/close", data={**on_page, "outcome": "Reached by 988."})
        response = await client.post(f"/crisis/{handoff}/close", data=on_page)
        assert "already closed" in await response.text()
    assert rows(db, "select status, acknowledged_by from handoffs where id = :i", i=handoff) == [
        {"status": "closed", "acknowledged_by": "clinician"}]
    log = rows(db, "select actor, action, detail from handoff_log where handoff_id = :i order by id", i=handoff)
    assert log == [{"actor": "alert-worker", "action": "created", "detail": ""},
                   {"actor": "clinician", "action": "acknowledged", "detail": "via staff app"},
                   {"actor": "clinician", "action": "note", "detail": "Called, no answer."},
                   {"actor": "clinician", "action": "closed", "detail": "Reached by 988."}]
    audit = [r["action"] for r in rows(db, "select action from audit_log where target = :t", t=f"handoff:{handoff}")]
    assert [a for a in audit if a != "view_handoff"] == ["handoff_acknowledge", "handoff_acknowledge", "handoff_note",
                                                        "handoff_close"]
    assert "view_handoff" in audit  # who read the handoff's page is on record too


def test_closing_an_open_handoff_records_who_took_it(db):
    ids = setup_handoffs(db)
    assert close_handoff(db, ids["second-open"], "carl", "Handled on the phone.")
    assert rows(db, "select status, acknowledged_by from handoffs where id = :i", i=ids["second-open"]) == [
        {"status": "closed", "acknowledged_by": "carl"}]
    # After closing, the Telegram button can't reopen or re-acknowledge it.
    assert not acknowledge(db, ids["second-open"], "someone", "telegram").acknowledged_now


async def test_transcript_shows_handoff_history(db, users):
    ids = setup_handoffs(db)
    async with logged_in(db, "clinician") as client:
        token = await csrf_of(client, "/crisis")
        await client.post(f"/crisis/{ids['first-open']}/acknowledge", data={"csrf_token": token})
        conversation = rows(db, "select id from conversations where sender_id = 'first-open'")[0]["id"]
        html = await (await client.get(f"/conversations/{conversation}")).text()
    assert f"Handoff #{ids['first-open']}: acknowledged, acknowledged by clinician" in html
    assert "alert-worker · created" in html and "clinician · acknowledged: via staff app" in html
    assert "Crisis: suicidal (test pattern)" in html


async def test_a_flood_shows_which_alert_heads_it_and_what_was_grouped_under_it(db, users):
    head_event = insert_turn(db, "flood-1", "i want to die", intent="crisis_suicidal")
    head = insert_handoff(db, "flood-1", head_event, category="suicidal", text="i want to die", flood="source")
    member_event = insert_turn(db, "flood-2", "i want to die too", intent="crisis_suicidal")
    member = insert_handoff(db, "flood-2", member_event, category="suicidal", text="i want to die too",
                            grouped_into=head)
    project_all(db)
    async with logged_in(db, "clinician") as client:
        html = queue_region(await (await client.get("/crisis")).text())
    assert "many at once" in html
    assert html.count(f'href="/crisis/{head}">alerted with #{head}</a>') == 1  # on the member's card only
    assert f"/crisis/{member}" in html
