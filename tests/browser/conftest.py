"""Browser tests of the chat widget: headless Debian Chromium driven by Playwright for Python, against the real
Rasa server + action server and web/serve.py. Skipped (with the reason) only when Chromium or Playwright is
missing; `make test` installs both."""
import os
import shutil
from pathlib import Path

import pytest

from recovery_support.paths import ROOT

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
RESULTS = ROOT / "results"


def missing_browser() -> str:
    """Why the browser tests cannot run here, or '' when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (`.venv/bin/pip install playwright`; `make test` does it)"
    if not Path(CHROMIUM).is_file():
        return f"Chromium not found at {CHROMIUM} (`apt-get install -y chromium`; `make test` does it)"
    return ""


def pytest_collection_modifyitems(config, items):
    reason = missing_browser()
    if reason:
        here = Path(__file__).parent
        for item in items:
            if here in Path(str(item.fspath)).parents:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def web_stack(tmp_path_factory):
    from tests.browser.launcher import WebStack, running_web_stack

    if os.environ.get("WIDGET_TEST_STACK"):  # "WEB_URL RASA_URL" of a running `python -m tests.browser.launcher`
        web_url, rasa_url = os.environ["WIDGET_TEST_STACK"].split()
        yield WebStack(rasa_url, web_url, None)
        return
    with running_web_stack(tmp_path_factory.mktemp("web-stack")) as stack:
        yield stack


# Module scope, not session: Playwright's sync API keeps an event loop running while it lives, which would
# break every later test that calls asyncio.run.
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # a reply can take seconds on a 2-core machine (first turn warms up)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class PageProblems:
    """What a page must never do: open a dialog (alert from injected markup) or throw an uncaught error."""

    def __init__(self, page):
        self.dialogs, self.errors = [], []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: self.errors.append(str(error)))


@pytest.fixture
def context(browser):
    # A phone-sized screen; each test starts with empty storage (a new visitor).
    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.problems = PageProblems(page)
    yield page
    assert page.problems.errors == [], f"uncaught errors in the page: {page.problems.errors}"
