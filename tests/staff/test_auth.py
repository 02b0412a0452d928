"""Logging in and out: Argon2id check, fresh session ids, expiry, throttling, CSRF, safe redirects."""
import os
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from recovery_support.staff.models import StaffSession, utcnow
from recovery_support.staff.sessions import COOKIE_NAME
from recovery_support.staff.settings import Settings
from tests.staff.conftest import (
    CSRF_RE, PASSWORD, ROOT, TEST_SETTINGS, app_client, csrf_of, logged_in, login, migrate, rows,
)


def session_cookie(client) -> str:
    cookies = {c.key: c.value for c in client.session.cookie_jar}
    return cookies.get(COOKIE_NAME, "")


def use_cookie(client, value: str) -> None:
    """The browser sends exactly this session cookie from now on."""
    client.session.cookie_jar.clear(lambda cookie: cookie.key == COOKIE_NAME)
    client.session.cookie_jar.update_cookies({COOKIE_NAME: value}, response_url=client.make_url("/"))


async def test_pages_need_a_login(db, users):
    async with app_client(db) as client:
        for path in ["/", "/conversations", "/conversations/1", "/crisis", "/export?format=csv", "/users", "/audit"]:
            response = await client.get(path, allow_redirects=False)
            assert response.status == 303, path
            assert response.headers["Location"].startswith("/login?next=")
        response = await client.post("/crisis/1/acknowledge", data={"csrf_token": "x"}, allow_redirects=False)
        assert response.status == 403
        assert (await client.get("/login")).status == 200
        assert (await client.get("/static/staff.css")).status == 200


async def test_login_and_logout(db, users):
    async with app_client(db) as client:
        response = await login(client, "clinician")
        assert response.status == 303 and response.headers["Location"] == "/"
        assert "HttpOnly" in response.headers["Set-Cookie"] and "SameSite=Strict" in response.headers["Set-Cookie"]
        page = await client.get("/")
        assert page.status == 200 and "clinician (clinician)" in await page.text()
        token = session_cookie(client)
        response = await client.post("/logout", data={"csrf_token": await csrf_of(client)}, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"] == "/login"
        assert rows(db, "select count(*) as n from staff_sessions") == [{"n": 0}]
        # The old cookie value is dead even if a copy was kept.
        use_cookie(client, token)
        assert (await client.get("/", allow_redirects=False)).status == 303
    actions = [r["action"] for r in rows(db, "select action from audit_log order by id")]
    assert actions[0] == "login" and "logout" in actions


async def test_wrong_password_and_unknown_user_look_the_same(db, users):
    async with app_client(db) as client:
        wrong = await login(client, "clinician", "wrong password!!")
        unknown = await login(client, "nobody", "wrong password!!")
        assert wrong.status == unknown.status == 401
        assert "Wrong username or password." in await wrong.text()
        assert "Wrong username or password." in await unknown.text()
        assert session_cookie(client) == ""
    failed = rows(db, "select actor, action, target from audit_log where action = 'login_failed' order by id")
    assert [f["target"] for f in failed] == ["user:clinician", "user:nobody"]


async def test_session_id_changes_on_login(db, users):
    async with app_client(db) as client:
        # A value planted before login (session fixation) is never adopted.
        use_cookie(client, "planted-by-attacker")
        response = await login(client, "reviewer")
        first = response.cookies[COOKIE_NAME].value
        assert first and first != "planted-by-attacker"
        assert session_cookie(client) == first
        response = await login(client, "reviewer")
        second = response.cookies[COOKIE_NAME].value
        assert second and second != first
        # Logging in again ended the previous session.
        use_cookie(client, first)
        assert (await client.get("/", allow_redirects=False)).status == 303
        use_cookie(client, second)
        assert (await client.get("/")).status == 200


async def test_idle_session_expires(db, users):
    async with logged_in(db, "admin") as client:
        assert (await client.get("/")).status == 200
        with Session(db, future=True) as s, s.begin():
            s.execute(sa.update(StaffSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
        response = await client.get("/", allow_redirects=False)
        assert response.status == 303 and response.headers["Location"].startswith("/login")


async def test_login_is_throttled_per_username_and_address(db, users):
    async with app_client(db) as client:
        for _ in range(5):
            assert (await login(client, "admin", "not the password")).status == 401
        blocked = await login(client, "admin", PASSWORD)  # even the right password, while locked out
        assert blocked.status == 429 and "Retry-After" in blocked.headers
        assert session_cookie(client) == ""
        # Another username from the same address is not locked out by someone guessing at "admin".
        assert (await login(client, "reviewer")).status == 303
    assert rows(db, "select count(*) as n from audit_log where action = 'login_throttled'") == [{"n": 1}]


async def test_successful_login_resets_the_failure_count(db, users):
    async with app_client(db) as client:
        for _ in range(4):
            await login(client, "admin", "not the password")
        assert (await login(client, "admin")).status == 303
        for _ in range(4):
            await login(client, "admin", "not the password")
        assert (await login(client, "admin")).status == 303


async def test_login_needs_its_csrf_token(db, users):
    async with app_client(db) as client:
        await client.get("/login")
        response = await client.post("/login", data={"username": "admin", "password": PASSWORD},
                                     allow_redirects=False)
        assert response.status == 403
        response = await client.post("/login", data={"username": "admin", "password": PASSWORD,
                                                     "csrf_token": "guessed"}, allow_redirects=False)
        assert response.status == 403
        assert session_cookie(client) == ""


async def test_every_post_needs_the_session_csrf_token(db, users):
    from tests.staff.conftest import insert_turn
    from recovery_support.staff.projector import project_all

    insert_turn(db, "s", "hello")
    project_all(db)
    async with logged_in(db, "admin") as client:
        token = await csrf_of(client)
        posts = {"/conversations/1/review": {"review_status": "reviewed"}, "/conversations/1/tags": {"tag": "x"},
                 "/conversations/1/notes": {"text": "x"}, "/users": {"username": "x", "password": PASSWORD,
                                                                     "role": "admin"},
                 "/logout": {}}
        for path, data in posts.items():
            for bad in ({}, {"csrf_token": ""}, {"csrf_token": token + "x"}):
                response = await client.post(path, data={**data, **bad}, allow_redirects=False)
                assert response.status == 403, (path, bad)
        # A form posted from another site, even carrying a token, is refused by its Origin.
        response = await client.post("/conversations/1/tags", data={"tag": "x", "csrf_token": token},
                                     headers={"Origin": "https://evil.example"}, allow_redirects=False)
        assert response.status == 403
        assert rows(db, "select review_status from conversations") == [{"review_status": "unreviewed"}]
        assert rows(db, "select count(*) as n from tags") == [{"n": 0}]
        assert rows(db, "select count(*) as n from notes") == [{"n": 0}]
        # With the token (and a same-site Origin) the same request works.
        response = await client.post("/conversations/1/tags", data={"tag": "x", "csrf_token": token},
                                     headers={"Origin": f"http://{client.host}:{client.port}"},
                                     allow_redirects=False)
        assert response.status == 303
    assert rows(db, "select count(*) as n from audit_log where action = 'csrf_refused'")[0]["n"] == 16


async def test_every_post_form_carries_a_token(db, users):
    from tests.staff.conftest import insert_turn
    from recovery_support.staff.projector import project_all

    from tests.staff.conftest import insert_handoff

    insert_handoff(db, "s", insert_turn(db, "s", "hello", intent="crisis_overdose"))
    project_all(db)
    async with logged_in(db, "admin") as client:
        for path in ["/", "/conversations/1", "/crisis", "/users"]:
            html = await (await client.get(path)).text()
            forms = html.count('method="post"')
            assert forms and len(CSRF_RE.findall(html)) == forms, path


async def test_next_redirect_stays_on_this_site(db, users):
    async with app_client(db) as client:
        for target, expected in [("/crisis", "/crisis"), ("https://evil.example/", "/"), ("//evil.example", "/"),
                                 ("/\\evil.example", "/")]:
            page = await client.get("/login", params={"next": target})
            token = CSRF_RE.search(await page.text()).group(1)
            response = await client.post("/login", data={"username": "admin", "password": PASSWORD,
                                                         "csrf_token": token, "next": target},
                                         allow_redirects=False)
            assert response.headers["Location"] == expected


async def test_secure_cookie_by_default_and_security_headers(db, users):
    async with app_client(db, Settings(projector_interval_seconds=0, preload_redactor=False)) as client:
        page = await client.get("/login")
        assert "Secure" in page.headers["Set-Cookie"]
        token = CSRF_RE.search(await page.text()).group(1)
        # The test client (plain HTTP) doesn't send Secure cookies back; a browser on HTTPS does.
        response = await client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token},
                                     headers={"Cookie": f"staff_login_csrf={token}"}, allow_redirects=False)
        assert response.status == 303
        assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
        # Only the app's own script file may run: no inline script, no other origin.
        policy = dict(part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";"))
        assert policy["script-src"] == "'self'" and policy["connect-src"] == "'self'"
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["X-Frame-Options"] == "DENY"
    assert TEST_SETTINGS.cookie_secure is False


def test_create_admin_command(sqlite_engine, tmp_path):
    migrate(sqlite_engine)
    url = str(sqlite_engine.url)
    environment = dict(os.environ, STAFF_ADMIN_PASSWORD=PASSWORD)
    done = subprocess.run([sys.executable, "-m", "recovery_support.staff.create_admin", "Root", "--database-url",
                           url], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    user = rows(sqlite_engine, "select username, role, active, password_hash from staff_users")[0]
    assert (user["username"], user["role"], user["active"]) == ("root", "admin", 1)
    assert user["password_hash"].startswith("$argon2id$")
    assert rows(sqlite_engine, "select actor, action, target from audit_log") == [
        {"actor": "create_admin (command line)", "action": "user_create", "target": "user:root"}]
    again = subprocess.run([sys.executable, "-m", "recovery_support.staff.create_admin", "root", "--database-url",
                            url], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL)
    assert again.returncode == 1 and "exists" in again.stderr
    no_password = subprocess.run([sys.executable, "-m", "recovery_support.staff.create_admin", "other",
                                  "--database-url", url], cwd=ROOT,
                                 env={k: v for k, v in os.environ.items() if k != "STAFF_ADMIN_PASSWORD"},
                                 capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert no_password.returncode != 0 and "STAFF_ADMIN_PASSWORD" in no_password.stderr


def test_next_after_login_is_a_local_path_only():
    from recovery_support.staff.views.common import safe_next

    assert safe_next("/crisis?status=open") == "/crisis?status=open"
    # Browsers drop tabs and line breaks and read "\" as "/": each of these would land on evil.example.
    for hostile in ("//evil.example", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example",
                    "/\\evil.example", "https://evil.example", "/ /evil.example", "/\x00/evil.example", None, ""):
        assert safe_next(hostile) == "/", repr(hostile)


async def test_a_password_reset_ends_the_users_sessions(db, users):
    from recovery_support.staff.users import set_password

    async with logged_in(db, "clinician") as client:
        assert (await client.get("/crisis", allow_redirects=False)).status == 200
        set_password(db, "clinician", "a brand new long passphrase 77")
        response = await client.get("/crisis", allow_redirects=False)
        assert response.status == 303 and response.headers["Location"].startswith("/login")


async def test_failures_are_counted_in_the_database_across_staff_app_processes(db, users):
    async with app_client(db) as first, app_client(db) as second:
        for client in (first, second, first, second, first):  # two processes, one database
            assert (await login(client, "admin", "not the password")).status == 401
        assert (await login(second, "admin", PASSWORD)).status == 429


async def test_one_address_trying_many_accounts_is_stopped(db, users):
    settings = replace(TEST_SETTINGS, login_max_failures_per_address=6)
    async with app_client(db, settings) as client:
        for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
            assert (await login(client, name, "guess")).status == 401
        assert (await login(client, "admin", PASSWORD)).status == 429


async def test_behind_a_trusted_proxy_the_clients_address_counts_and_cannot_be_forged_from_elsewhere(db, users):
    proxied = replace(TEST_SETTINGS, trusted_proxies=("127.0.0.1",))
    async with app_client(db, proxied) as client:
        # Behind the proxy, each client is counted on its own: an attacker locks out only its own address.
        for _ in range(5):
            assert (await login_from(client, "admin", "nope", "203.0.113.7")).status == 401
        assert (await login_from(client, "admin", PASSWORD, "203.0.113.7")).status == 429
        assert (await login_from(client, "admin", PASSWORD, "198.51.100.2")).status == 303
    failures = rows(db, "select distinct address from login_failures")
    assert failures == [{"address": "203.0.113.7"}]
    async with app_client(db) as direct:  # not a trusted proxy: the header is ignored
        await login_from(direct, "reviewer", "nope", "192.0.2.1")
    assert {"address": "192.0.2.1"} not in rows(db, "select distinct address from login_failures")


async def login_from(client, username: str, password: str, address: str):
    page = await client.get("/login")
    token = CSRF_RE.search(await page.text()).group(1)
    return await client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                             headers={"X-Forwarded-For": f"{address}, 127.0.0.1"}, allow_redirects=False)
