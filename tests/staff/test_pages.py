"""Every page for every role: who may see and do what (roles.py), and that each view is audited."""
import pytest

from recovery_support.staff.projector import project_all
from tests.staff.conftest import csrf_of, insert_handoff, insert_turn, logged_in, rows

PAGES = ["/", "/conversations", "/conversations/1", "/crisis", "/export?format=csv", "/export?format=json",
         "/export?format=csv&unredacted=1", "/users", "/audit"]
ALLOWED = {
    "admin": set(PAGES),
    "clinician": {"/", "/conversations", "/conversations/1", "/crisis", "/export?format=csv", "/export?format=json",
                  "/export?format=csv&unredacted=1"},
    "reviewer": {"/", "/conversations", "/conversations/1", "/export?format=csv", "/export?format=json"},
}
VIEW_ACTIONS = {"/": "view_dashboard", "/conversations": "view_list", "/conversations/1": "view_transcript",
                "/crisis": "view_crisis_queue", "/export?format=csv": "export", "/export?format=json": "export",
                "/export?format=csv&unredacted=1": "export", "/users": "view_users", "/audit": "view_audit"}


@pytest.fixture
def chat(db, users):
    event_id = insert_turn(db, "sender-1", "I took too many pills", intent="crisis_overdose", channel="telegram")
    handoff_id = insert_handoff(db, "sender-1", event_id)
    project_all(db)
    return {"handoff_id": handoff_id}


@pytest.mark.parametrize("role", ["admin", "clinician", "reviewer"])
async def test_pages_by_role(db, chat, role):
    async with logged_in(db, role) as client:
        for path in PAGES:
            response = await client.get(path, allow_redirects=False)
            expected = 200 if path in ALLOWED[role] else 403
            assert response.status == expected, (role, path, response.status)
    entries = rows(db, "select actor, action, target from audit_log where actor = :r order by id", r=role)
    actions = [e["action"] for e in entries]
    assert actions[0] == "login"
    expected_actions = [VIEW_ACTIONS[p] if p in ALLOWED[role] else "access_denied" for p in PAGES]
    assert actions[1:] == expected_actions
    assert {"actor": role, "action": "view_transcript", "target": "conversation:1"} in entries


@pytest.mark.parametrize("role", ["admin", "clinician", "reviewer"])
async def test_changes_by_role(db, chat, role):
    may = {"admin": {"review", "tag", "note", "crisis", "users"}, "clinician": {"note", "crisis"},
           "reviewer": {"review", "tag"}}[role]
    posts = [("review", "/conversations/1/review", {"review_status": "reviewed"}),
             ("tag", "/conversations/1/tags", {"tag": "good answer"}),
             ("note", "/conversations/1/notes", {"text": "Followed up by phone."}),
             ("crisis", f"/crisis/{chat['handoff_id']}/acknowledge", {}),
             ("users", "/users", {"username": "newbie", "password": "a long enough password", "role": "reviewer"})]
    async with logged_in(db, role) as client:
        token = await csrf_of(client)
        for name, path, data in posts:
            response = await client.post(path, data={**data, "csrf_token": token}, allow_redirects=False)
            assert response.status == (303 if name in may else 403), (role, name, response.status)
    assert (rows(db, "select review_status from conversations")[0]["review_status"] == "reviewed") == ("review" in may)
    assert (rows(db, "select count(*) as n from tags")[0]["n"] == 1) == ("tag" in may)
    assert (rows(db, "select count(*) as n from notes")[0]["n"] == 1) == ("note" in may)
    assert (rows(db, "select status from handoffs")[0]["status"] == "acknowledged") == ("crisis" in may)
    assert (rows(db, "select count(*) as n from staff_users")[0]["n"] == 4) == ("users" in may)
    denied = rows(db, "select count(*) as n from audit_log where action = 'access_denied'")[0]["n"]
    assert denied == len(posts) - len(may)


async def test_missing_records_are_404(db, users):
    async with logged_in(db, "admin") as client:
        assert (await client.get("/conversations/999")).status == 404
        assert (await client.get("/conversations/abc")).status == 404
        token = await csrf_of(client)
        assert (await client.post("/crisis/999/acknowledge", data={"csrf_token": token})).status == 404
        assert (await client.post("/conversations/999/notes", data={"csrf_token": token, "text": "x"})).status == 404


async def test_admin_manages_users(db, users):
    async with logged_in(db, "admin") as client:
        token = await csrf_of(client, "/users")
        response = await client.post("/users", data={"csrf_token": token, "username": "nina", "role": "clinician",
                                                     "password": "nina's long password"})
        assert "User nina created." in await response.text()
        response = await client.post("/users", data={"csrf_token": token, "username": "x", "role": "clinician",
                                                     "password": "short"})
        assert "at least 12 characters" in await response.text()
        nina = rows(db, "select id from staff_users where username = 'nina'")[0]["id"]
        await client.post(f"/users/{nina}", data={"csrf_token": token, "role": "reviewer", "active": "1"})
        assert rows(db, "select role from staff_users where id = :i", i=nina) == [{"role": "reviewer"}]
        # An admin can't lock themselves out.
        me = users["admin"].id
        response = await client.post(f"/users/{me}", data={"csrf_token": token, "role": "reviewer", "active": "1"})
        assert "change your own role" in await response.text()
        assert rows(db, "select role from staff_users where id = :i", i=me) == [{"role": "admin"}]
    async with logged_in(db, "clinician") as other:
        assert (await other.get("/")).status == 200
        async with logged_in(db, "admin") as client:
            token = await csrf_of(client, "/users")
            clinician = users["clinician"].id
            await client.post(f"/users/{clinician}", data={"csrf_token": token, "role": "clinician", "active": "0"})
        # Deactivated: the open session ends at once.
        assert (await other.get("/", allow_redirects=False)).status == 303
    actions = [r["action"] for r in rows(db, "select action from audit_log where actor = 'admin'")]
    assert actions.count("user_create") == 1 and actions.count("user_update") == 2


async def test_audit_page_filters(db, users):
    async with logged_in(db, "reviewer"):
        pass
    async with logged_in(db, "admin") as client:
        html = await (await client.get("/audit", params={"actor": "reviewer"})).text()
        assert "reviewer" in html and "<td>admin</td>" not in html
