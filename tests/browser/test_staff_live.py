"""The staff app live, in headless Chromium on a phone-sized screen, with the real chain behind it: a crisis sent
to Rasa over REST, read by the alert worker (no external contact configured, as shipped), shown by the staff
app. The open queue gets the card without a reload; every page fits 360 px, with AA contrast, visible keyboard
focus and 44 px tap targets. Screenshots go to results/screenshots/."""
import os
import re
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack

import pytest

from recovery_support.paths import ROOT
from recovery_support.servers import BIN, free_port, running_bot, serving_process
from tests.browser.conftest import RESULTS

PASSWORD = "a long enough admin password 42"
SCREENSHOTS = RESULTS / "screenshots"
PHONE = {"width": 360, "height": 740}

# WCAG 2.1 contrast of every element's own text against the first opaque background behind it.
CONTRAST_PROBLEMS = """() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const problems = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden") continue;
    const a = lum(rgb(style.color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && style.fontWeight >= 700);
    if (ratio < (large ? 3 : 4.5)) problems.push(`${el.tagName}.${el.className} ${ratio.toFixed(2)}: ${el.textContent.trim().slice(0, 40)}`);
  }
  return problems;
}"""

SMALL_TARGETS = """() => [...document.querySelectorAll("button, select, input:not([type=hidden]), .button, header nav a")]
  .filter((el) => el.getClientRects().length && el.getBoundingClientRect().height < 43.5)
  .map((el) => `${el.tagName} ${el.textContent.trim().slice(0, 30)} ${el.getBoundingClientRect().height}`)"""


@pytest.fixture(scope="module")
def live_stack(tmp_path_factory):
    """Rasa (no action server: crisis replies need none), the alert worker and the staff app on one SQLite file."""
    workdir = tmp_path_factory.mktemp("staff-live")
    database_url = f"sqlite:///{workdir / 'conversations.db'}"  # the file running_bot's tracker store uses
    env = {**os.environ, "DATABASE_URL": database_url, "STAFF_ADMIN_PASSWORD": PASSWORD,
           "ALERT_ACK_SECRET": "browser-test-secret"}
    for command in ([str(BIN / "alembic"), "upgrade", "head"],
                    [sys.executable, "-m", "recovery_support.staff.create_admin", "boss"]):
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    alerts = workdir / "alerts.yml"
    alerts.write_text("on_call:\n  name: On-call counsellor\npoll_interval_seconds: 0.2\n")  # no contact: as shipped
    worker_port, staff_port = free_port(), free_port()
    staff_url = f"http://127.0.0.1:{staff_port}"
    with ExitStack() as stack:
        bot = stack.enter_context(running_bot(workdir, with_actions=False))
        stack.enter_context(serving_process(
            [sys.executable, "-m", "recovery_support.alerts.worker", "--config", str(alerts), "--port",
             str(worker_port)], workdir / "worker.log", env, f"http://127.0.0.1:{worker_port}/healthz", timeout=60))
        stack.enter_context(serving_process(
            [sys.executable, "-m", "recovery_support.staff.app", "--port", str(staff_port), "--database-url",
             database_url, "--insecure-cookie", "--alerts-config", str(alerts)],
            workdir / "staff.log", env, f"{staff_url}/healthz", timeout=30))
        yield bot, staff_url


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, has_touch=True)
    context.set_default_timeout(20_000)
    yield context
    context.close()


def logged_in_page(context, staff_url: str, path: str):
    page = context.new_page()
    page.goto(f"{staff_url}{path}")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    return page


def test_a_crisis_sent_through_rest_appears_on_the_open_queue_without_a_reload(live_stack, phone):
    from playwright.sync_api import expect

    bot, staff_url = live_stack
    page = logged_in_page(phone, staff_url, "/crisis")
    expect(page.locator("#live-connection")).to_contain_text("Live")
    expect(page.locator(".warning")).to_contain_text("No external alert contact is set")
    expect(page.locator("#live-banner")).to_be_hidden()
    page.evaluate("window.__loaded = true")  # gone if the page were reloaded

    sent = time.monotonic()
    replies = bot.send("my boyfriend took too much and hes not breathing, lips going blue", f"live-{uuid.uuid4().hex}")
    assert "911" in " ".join(m.get("text") or "" for m in replies)  # the person got the crisis reply first
    card = page.locator("li.card", has_text="not breathing")
    expect(card).to_be_visible()
    print(f"\ncard on the open queue {time.monotonic() - sent:.2f} s after the message was sent")
    assert page.evaluate("window.__loaded") is True
    expect(card).to_contain_text("overdose")
    expect(card).to_contain_text("nobody has it yet")
    expect(page.locator("#live-banner")).to_be_visible()
    expect(page.locator("#live-summary")).to_have_text("1 open crisis handoff: nobody has acknowledged it yet.")
    expect(page.locator("#open-count")).to_have_text("1")
    expect(page).to_have_title(re.compile(r"^NEW CRISIS · \(1\) Crisis queue"))
    handoff_id = re.search(r"\d+", card.get_attribute("data-handoff")).group(0)
    expect(page.locator("body")).to_have_attribute("data-alarm", handoff_id)  # the alarm sounded for it
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "crisis-queue-live-360.png"), full_page=True)

    card.get_by_role("button", name="Acknowledge").tap()  # one tap
    expect(page.locator("li.card", has_text="not breathing")).to_contain_text("boss has it")
    expect(page.locator("#live-banner")).to_be_hidden()
    expect(page.locator("#open-count")).to_have_text("0")


def test_a_hidden_tab_gets_a_desktop_notification_without_the_persons_words(live_stack, phone):
    from playwright.sync_api import expect

    bot, staff_url = live_stack
    # The person allowed notifications and switched to another tab.
    phone.add_init_script("""
        window.__notes = [];
        window.Notification = class { constructor(title, options) { window.__notes.push({title, ...options}); } };
        window.Notification.permission = "granted";
        Object.defineProperty(document, "hidden", { get: () => true });
    """)
    page = logged_in_page(phone, staff_url, "/conversations")
    expect(page.locator("#live-connection")).to_contain_text("Live")
    bot.send("i have the pills counted out and im going to take them all tonight", f"live-{uuid.uuid4().hex}")
    deadline = time.monotonic() + 20  # polled from here: wait_for_function evaluates a string, which the CSP forbids
    while time.monotonic() < deadline and not page.evaluate("() => window.__notes.length"):
        time.sleep(0.2)
    note = page.evaluate("() => window.__notes[0]")
    assert note["title"] == "New crisis handoff" and "pills" not in note["body"], note
    expect(page.locator("#live-banner")).to_be_visible()  # the banner is on every page, not just the queue


def test_the_login_page_fits_a_phone_too(live_stack, phone):
    _bot, staff_url = live_stack
    page = phone.new_page()
    page.goto(f"{staff_url}/login")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(CONTRAST_PROBLEMS) == [] and page.evaluate(SMALL_TARGETS) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "login-360.png"), full_page=True)


@pytest.mark.parametrize("path", ["/", "/conversations", "/conversations/1", "/crisis", "/crisis/1", "/users",
                                  "/audit"])
def test_every_page_fits_a_phone_with_readable_contrast_focus_and_tap_targets(live_stack, phone, path):
    bot, staff_url = live_stack
    bot.send("how long does withdrawal last", f"page-{uuid.uuid4().hex}")  # something to list
    page = logged_in_page(phone, staff_url, "/conversations")
    if path != "/conversations":
        page.goto(f"{staff_url}{path}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the page scrolls sideways"
    assert page.evaluate(CONTRAST_PROBLEMS) == []
    assert page.evaluate(SMALL_TARGETS) == []
    page.keyboard.press("Tab")
    focused = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focused not in ("none", ""), "the focused element shows no outline"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = path.strip("/").replace("/", "-") or "dashboard"
    page.screenshot(path=str(SCREENSHOTS / f"{name}-360.png"), full_page=True)
