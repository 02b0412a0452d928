from tests.staff.conftest import insert_turn, logged_in, rows
from recovery_support.staff.projector import project_all


async def test_smoke(db, users):
    insert_turn(db, "s1", "<script>alert(1)</script> hi", channel="socketio")
    project_all(db)
    async with logged_in(db, "admin") as client:
        for path in ["/", "/conversations", "/conversations/1", "/crisis", "/users", "/audit", "/export?format=csv"]:
            r = await client.get(path)
            print(path, r.status)
            assert r.status == 200, await r.text()
    print(rows(db, "select actor, action, target from audit_log"))
