"""Stored XSS: everything a person (or a channel) wrote is shown as text on every page that shows it."""
import re
from pathlib import Path

from recovery_support.staff.projector import project_all
from recovery_support.staff.rendering import ENVIRONMENT, TEMPLATES
from tests.staff.conftest import (
    CSRF_RE, app_client, csrf_of, insert_event, insert_handoff, logged_in,
)

SCRIPT = '<script>alert("pwned")</script>'
JS_LINK = '<a href="javascript:alert(1)">click me</a>'
BARE_JS = "javascript:alert(document.cookie)"
IMG = "<img src=x onerror=alert(1)>"
SENDER = '"><script>alert("sender")</script>'


OWN_SCRIPT = '<script src="/static/live.js" defer></script>'  # the app's one script file (the CSP allows no other)


def assert_inert(html: str) -> None:
    lowered = html.replace(OWN_SCRIPT, "").lower()
    assert "<script" not in lowered
    assert "<img" not in lowered
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", lowered)
    assert not re.search(r"<a\b[^>]*>click me", lowered)


async def test_hostile_messages_render_as_text(db, users):
    event_id = insert_event(db, SENDER, "user", f"{SCRIPT} {JS_LINK} {BARE_JS}", intent="crisis_overdose",
                            channel="<script>channel</script>")
    insert_event(db, SENDER, "bot", IMG, intent=None,
                 buttons=[{"title": "<b>bold</b>", "payload": "javascript:alert(2)"}])
    insert_handoff(db, SENDER, event_id, text=f"{SCRIPT} {JS_LINK}")
    project_all(db)
    async with logged_in(db, "admin") as client:
        token = await csrf_of(client)
        await client.post("/conversations/1/tags", data={"csrf_token": token, "tag": "<script>tag</script>"})
        await client.post("/conversations/1/notes", data={"csrf_token": token, "text": f"note {SCRIPT}"})
        await client.post("/crisis/1/note", data={"csrf_token": token, "text": f"crisis note {IMG}"})
        pages = {}
        for path in ["/", "/conversations", "/conversations/1", "/crisis", "/crisis/1", "/audit",
                     "/conversations?q=%3Cscript%3E", "/conversations?tag=%3Cscript%3Etag%3C%2Fscript%3E"]:
            response = await client.get(path)
            assert response.status == 200, path
            pages[path] = await response.text()
            assert_inert(pages[path])
    transcript = pages["/conversations/1"]
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in transcript
    assert "&lt;a href=&#34;javascript:alert(1)&#34;&gt;click me&lt;/a&gt;" in transcript
    assert BARE_JS in transcript  # shown, as text
    assert "&lt;img src=x onerror=alert(1)&gt;" in transcript
    assert "[&lt;b&gt;bold&lt;/b&gt;] <code>javascript:alert(2)</code>" in transcript
    assert "&#34;&gt;&lt;script&gt;alert(&#34;sender&#34;)" in transcript
    assert "note &lt;script&gt;" in transcript and "&lt;script&gt;tag&lt;/script&gt;" in transcript
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in pages["/crisis"]
    assert "crisis note &lt;img" in pages["/crisis/1"]
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in pages["/crisis/1"]
    # The live banner names the open handoff's words on every page: as text there too.
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in pages["/audit"]
    assert "&lt;script&gt;channel&lt;/script&gt;" in pages["/conversations"]
    assert "&lt;script&gt;tag&lt;/script&gt;" in pages["/conversations"]  # the tag filter's options


async def test_hostile_login_name_is_inert_on_the_login_and_audit_pages(db, users):
    async with app_client(db) as client:
        page = await client.get("/login")
        token = CSRF_RE.search(await page.text()).group(1)
        response = await client.post("/login", data={"username": SCRIPT, "password": "x", "csrf_token": token})
        assert_inert(await response.text())
        next_page = await client.get("/login", params={"next": '"><script>alert(1)</script>'})
        assert_inert(await next_page.text())
    async with logged_in(db, "admin") as client:
        assert_inert(await (await client.get("/audit")).text())


def test_autoescape_is_on_for_every_template_and_nothing_is_marked_safe():
    assert ENVIRONMENT.autoescape is True
    names = [p.name for p in Path(TEMPLATES).glob("*")]
    assert names
    for name in names:
        source = (Path(TEMPLATES) / name).read_text()
        assert "|safe" not in source.replace(" ", "") and "Markup" not in source, name
        assert "autoescape false" not in source, name
    # Any template, whatever its name: rendering a value escapes it.
    escaped = "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;"
    assert ENVIRONMENT.from_string("{{ v }}").render(v=SCRIPT) == escaped
