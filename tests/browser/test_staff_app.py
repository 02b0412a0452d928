"""The staff app end to end in headless Chromium: log in, acknowledge a crisis from the queue, filter the list to
crises and download the redacted CSV. The real app runs as a process (``--insecure-cookie``: plain HTTP here)
on a migrated SQLite database seeded as Rasa and the alert worker would have written it."""
import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from recovery_support.paths import ROOT
from recovery_support.servers import free_port, serving_process

PASSWORD = "a long enough admin password 42"
PHONE = "714-555-0123"
CRISIS_TEXT = f"I took all my pills, my sister's number is {PHONE}"


def seed(database_url: str) -> None:
    from recovery_support.staff.database import staff_engine
    from recovery_support.staff.projector import project_all
    from tests.staff.conftest import create_events_table, insert_handoff, insert_turn, migrate

    engine = staff_engine(database_url)
    try:
        create_events_table(engine)
        migrate(engine)
        insert_turn(engine, "web-calm", "what is detox", intent="what_is_detox", channel="socketio",
                    timestamp=1_760_000_000.0)
        event_id = insert_turn(engine, "web-crisis", CRISIS_TEXT, intent="crisis_overdose", channel="socketio",
                               timestamp=1_760_000_100.0, reply="Call 911 now.")
        insert_handoff(engine, "web-crisis", event_id, category="overdose", text=CRISIS_TEXT)
        project_all(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def staff_url(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("staff-app")
    database_url = f"sqlite:///{workdir}/conversations.db"
    seed(database_url)
    env = {**os.environ, "DATABASE_URL": database_url, "STAFF_ADMIN_PASSWORD": PASSWORD}
    subprocess.run([sys.executable, "-m", "recovery_support.staff.create_admin", "boss"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=60)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with serving_process([sys.executable, "-m", "recovery_support.staff.app", "--port", str(port),
                          "--database-url", database_url, "--insecure-cookie"],
                         workdir / "staff.log", env, f"{url}/healthz", timeout=30):
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


def test_acknowledge_crisis_and_export_redacted_csv(staff_url, page, tmp_path):
    from playwright.sync_api import expect

    page.goto(f"{staff_url}/crisis")
    assert "/login" in page.url  # not logged in: sent to the login page, then back
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/crisis$"))

    handoff = page.locator("li.card", has_text=CRISIS_TEXT)
    expect(handoff).to_contain_text("overdose")
    expect(handoff).to_contain_text("nobody has it yet")
    handoff.get_by_role("button", name="Acknowledge").click()
    handoff = page.locator("li.card", has_text=CRISIS_TEXT)
    expect(handoff).to_contain_text("boss has it")
    handoff.get_by_role("link", name="Notes and close").click()
    conversation_id = re.search(r"conversation (\d+)", page.locator("dl.facts").inner_text()).group(1)

    page.goto(f"{staff_url}/conversations")
    page.locator("select[name=crisis]").select_option("yes")  # by name: the intent list mentions crisis_*
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"crisis=yes"))
    expect(page.locator("body")).to_contain_text("1 conversation.")
    expect(page.get_by_role("link", name=conversation_id, exact=True)).to_be_visible()

    # The first export loads spaCy unless the app's background preload has finished: allow for it.
    with page.expect_download(timeout=30_000) as waiting:
        page.get_by_role("link", name="CSV").first.click()
    path = Path(tmp_path / "export.csv")
    waiting.value.save_as(path)
    body = path.read_text(encoding="utf-8")
    records = list(csv.DictReader(io.StringIO(body)))
    assert {r["conversation_id"] for r in records} == {conversation_id}, records[:1]
    assert any("[PHONE]" in r["text"] for r in records)
    assert PHONE not in body and "5550123" not in body.replace("-", "")
