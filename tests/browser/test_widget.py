"""The chat widget on the demo clinic page, in headless Chromium at phone size, against the real bot."""
import re

import pytest

from tests.browser.conftest import RESULTS

try:
    from playwright.sync_api import expect
except ImportError:  # the conftest skips every test here with the reason
    expect = None

W = "#clinic-chat-widget"  # Playwright's CSS engine reaches into the widget's open shadow root
LAUNCHER = f"{W} .launcher"
PANEL = f"{W} [role=dialog]"
INPUT = f"{W} input#cc-input"
LOG = f"{W} [role=log]"
BANNER = f"{W} [role=alert]"
STATUS = f"{W} [role=status]"


def active_id(page) -> str:
    """The focused element inside the widget (document.activeElement is the shadow host)."""
    return page.evaluate("""() => {
        const root = document.getElementById('clinic-chat-widget').shadowRoot;
        const a = root.activeElement;
        return a ? (a.id || a.className || a.tagName) : '';
    }""")


def open_demo(page, web_stack):
    page.goto(f"{web_stack.web_url}/demo/")
    page.wait_for_function("() => !!(window.ClinicChat && window.ClinicChat.open)")


def open_widget(page, web_stack):
    open_demo(page, web_stack)
    page.locator(LAUNCHER).click()
    expect(page.locator(PANEL)).to_be_visible()


def say(page, text):
    page.locator(INPUT).fill(text)
    page.locator(INPUT).press("Enter")


def bot_messages(page):
    return page.locator(f"{LOG} .msg.bot")


def wait_for_reply(page, count_before, contains=None):
    expect(bot_messages(page)).not_to_have_count(count_before)
    reply = bot_messages(page).nth(count_before)
    if contains:
        expect(reply).to_contain_text(contains)
    return reply


def test_question_quick_reply_and_history_after_reload(page, web_stack):
    open_widget(page, web_stack)
    panel = page.locator(PANEL)
    expect(panel).to_have_attribute("aria-label", re.compile("Clear Life Recovery"))
    expect(page.locator(LOG)).to_have_attribute("aria-live", "polite")
    expect(bot_messages(page)).to_have_count(1)  # the greeting from data-greeting
    expect(bot_messages(page).first).to_contain_text("Clear Life Recovery assistant")

    say(page, "how long does withdrawal last")
    expect(page.locator(f"{LOG} .msg.user").last).to_have_text(re.compile("how long does withdrawal last"))
    answer = wait_for_reply(page, 1, contains="24")
    expect(answer.locator("time")).to_have_text(re.compile(r"\d{1,2}:\d\d"))
    # The clinic's number in the answer is a tap-to-call link.
    expect(answer.locator("a[href^='tel:']").first).to_be_visible()

    # Bot buttons are real <button>s; a click sends the payload and shows the title as the user's message.
    replies = page.locator(f"{LOG} .replies button")
    expect(replies.first).to_be_visible()
    title = replies.first.inner_text()
    n = bot_messages(page).count()
    replies.first.click()
    expect(page.locator(f"{LOG} .msg.user p").last).to_have_text(title)  # the title, not the /intent payload
    reply = wait_for_reply(page, n)
    expect(reply).not_to_have_text("")
    expect(page.locator(INPUT)).to_be_focused()

    session = page.evaluate("() => JSON.parse(Object.entries(localStorage).find(([k]) => k.startsWith('clinicchat:'))[1]).session")
    assert re.fullmatch(r"[0-9a-f]{32}", session), session

    # A reload keeps the conversation (and the session).
    texts_before = page.locator(f"{LOG} .msg p").all_inner_texts()
    page.reload()
    page.wait_for_function("() => !!(window.ClinicChat && window.ClinicChat.open)")
    expect(page.locator(LAUNCHER)).to_contain_text("Continue chat")
    page.locator(LAUNCHER).click()
    expect(page.locator(f"{LOG} .msg p")).to_have_text(texts_before)
    n = bot_messages(page).count()
    say(page, "what are the symptoms of withdrawal")
    wait_for_reply(page, n)
    session_after = page.evaluate("() => JSON.parse(Object.entries(localStorage).find(([k]) => k.startsWith('clinicchat:'))[1]).session")
    assert session_after == session


def test_crisis_banner_with_call_and_text_links(page, web_stack):
    open_widget(page, web_stack)
    expect(page.locator(BANNER)).to_be_hidden()
    say(page, "my friend took too much and isn't breathing")
    banner = page.locator(BANNER)
    expect(banner).to_be_visible()
    call_911 = banner.locator("a[href='tel:911']")
    expect(call_911).to_be_visible()
    expect(call_911).to_contain_text("911")
    box = call_911.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, f"tap target too small: {box}"
    # At the top of the panel, above the conversation.
    assert banner.bounding_box()["y"] < page.locator(LOG).bounding_box()["y"]
    expect(bot_messages(page).last).to_contain_text("911")

    # The widget fills a 360 px screen without sideways scrolling; the screenshot is kept as an artefact.
    panel = page.locator(PANEL).bounding_box()
    assert panel["width"] == 360 and panel["x"] == 0, panel
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    RESULTS.mkdir(exist_ok=True)
    page.screenshot(path=str(RESULTS / "widget-360.png"))

    # It stays: after another message and after a reload.
    n = bot_messages(page).count()
    say(page, "ok")
    wait_for_reply(page, n)
    expect(banner).to_be_visible()
    page.reload()
    page.wait_for_function("() => !!(window.ClinicChat && window.ClinicChat.open)")
    page.locator(LAUNCHER).click()
    expect(page.locator(BANNER).locator("a[href='tel:911']")).to_be_visible()


def test_suicidal_crisis_offers_text_lines(page, web_stack):
    open_widget(page, web_stack)
    say(page, "i want to kill myself")
    banner = page.locator(BANNER)
    expect(banner).to_be_visible()
    expect(banner.locator("a[href='sms:988']")).to_be_visible()
    crisis_text_line = banner.locator("a[href='sms:741741?&body=HOME']")
    expect(crisis_text_line).to_be_visible()
    expect(crisis_text_line).to_contain_text("Text HOME to 741741")
    # Links in bot text: http(s) only, new tab, no opener/referrer.
    link = bot_messages(page).last.locator("a[href^='https://988lifeline.org']")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")


def test_markup_in_a_message_is_shown_as_text(page, web_stack):
    open_widget(page, web_stack)
    page.evaluate("() => { window.__xss = 0; }")
    payload = "<img src=x onerror=alert(1)>"
    say(page, payload)
    expect(page.locator(f"{LOG} .msg.user").last.locator("p")).to_have_text(payload)
    wait_for_reply(page, 1)
    assert page.locator(f"{LOG} img").count() == 0
    assert page.locator(f"{W} img").count() == 0
    assert page.problems.dialogs == []


def test_keyboard_open_focus_escape(page, web_stack):
    open_demo(page, web_stack)
    page.locator(LAUNCHER).focus()
    page.keyboard.press("Enter")
    expect(page.locator(PANEL)).to_be_visible()
    expect(page.locator(INPUT)).to_be_focused()
    assert page.locator(f"{W} label[for=cc-input]").count() == 1
    # Full screen on a phone: Tab stays inside the dialog.
    for _ in range(12):
        page.keyboard.press("Tab")
        assert active_id(page) != "launcher", "focus left the dialog"
    expect(page.locator(PANEL)).to_have_attribute("aria-modal", "true")
    page.keyboard.press("Escape")
    expect(page.locator(PANEL)).to_be_hidden()
    expect(page.locator(LAUNCHER)).to_be_focused()
    expect(page.locator(LAUNCHER)).to_have_attribute("aria-expanded", "false")


def test_reconnects_after_the_connection_drops(page, web_stack):
    open_widget(page, web_stack)
    page.wait_for_function("() => !!(window.ClinicChat.socket() && window.ClinicChat.socket().connected)")
    status = page.locator(STATUS)
    expect(status).to_have_text("")
    # Close the underlying transport as a network drop would; socket.io then reconnects on its own.
    page.evaluate("() => window.ClinicChat.socket().io.engine.close()")
    expect(status).to_have_text(re.compile("Reconnecting"))
    expect(status).to_have_text("", timeout=15_000)
    # The new connection re-joined the session's room: replies arrive.
    say(page, "how long does withdrawal last")
    wait_for_reply(page, 1, contains="24")


def test_long_polling_fallback_works_with_cors(page, web_stack):
    """With WebSocket unavailable, socket.io falls back to HTTP long-polling: that needs `rasa run --cors`."""
    # Adds data-transports="polling" to the widget's tag as the parser inserts it, before it runs. (Rewriting the
    # page with page.route would make Chromium treat it as a public page and block its loopback requests.)
    page.add_init_script("""new MutationObserver((_, observer) => {
        const tag = document.querySelector('script[data-server]');
        if (tag) { tag.dataset.transports = 'polling'; observer.disconnect(); }
    }).observe(document, {childList: true, subtree: true});""")
    open_widget(page, web_stack)
    page.wait_for_function("() => !!(window.ClinicChat.socket() && window.ClinicChat.socket().connected)")
    assert page.evaluate("() => window.ClinicChat.socket().io.engine.transport.name") == "polling"
    say(page, "how long does withdrawal last")
    wait_for_reply(page, 1, contains="24")
