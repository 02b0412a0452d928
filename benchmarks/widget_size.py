"""How heavy the chat widget is, and how fast the demo clinic page becomes usable with it. Prints figures only.

    .venv/bin/python benchmarks/widget_size.py [--runs 5] [--rasa-url http://localhost:5005]

Sizes: web/widget/widget.js and the vendored socket.io-client, raw and gzipped (level 6, what web servers
usually send, and level 9). Timing: web/serve.py on a free port and headless Chromium (Debian's, as in the
browser tests) loading /demo/ in a fresh context per run: domInteractive, DOMContentLoaded, the widget's
`clinicchat:ready` event (launcher usable), load, and opening the chat until the socket.io client has loaded.
With --rasa-url (a running bot with the socket.io channel) it also times opening the chat until the server
confirms the session.
"""
import argparse
import gzip
import os
import shutil
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDGET = ROOT / "web" / "widget" / "widget.js"
SOCKETIO = ROOT / "web" / "widget" / "vendor" / "socket.io.min.js"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

INIT = """
window.__marks = {};
addEventListener('clinicchat:ready', () => { window.__marks.ready = performance.now(); });
addEventListener('clinicchat:connected', () => { window.__marks.connected = performance.now(); });
"""


def kb(n: int) -> str:
    return f"{n / 1024:6.1f} kB ({n:,} B)"


def sizes() -> None:
    files = {"widget.js": WIDGET.read_bytes(), "socket.io.min.js": SOCKETIO.read_bytes()}
    version = SOCKETIO.read_text(errors="replace").split("Socket.IO v", 1)[-1].split()[0]
    print(f"Widget size (socket.io-client {version}):")
    print(f"  {'file':<26}{'raw':>22}{'gzip -6':>22}{'gzip -9':>22}")
    rows = list(files.items()) + [("widget + socket.io-client", b"".join(files.values()))]
    for name, data in rows:
        # Sent as separate files, each compressed on its own: the total is the sum of the parts.
        parts = [data] if name in files else list(files.values())
        g6 = sum(len(gzip.compress(p, 6)) for p in parts)
        g9 = sum(len(gzip.compress(p, 9)) for p in parts)
        print(f"  {name:<26}{kb(len(data)):>22}{kb(g6):>22}{kb(g9):>22}")
    print("  The page downloads widget.js at load; socket.io.min.js only when the chat is first opened "
          "(or the button gets the pointer or keyboard focus).")


def timings(runs: int, rasa_url: str) -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("\nTiming skipped: Playwright for Python is not installed.")
        return
    if not Path(CHROMIUM).is_file():
        print(f"\nTiming skipped: no Chromium at {CHROMIUM}.")
        return
    sys.path.insert(0, str(ROOT / "web"))
    from serve import make_server  # web/serve.py

    server = make_server("127.0.0.1", 0, rasa_url or "http://127.0.0.1:9", quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/demo/"
    figures = {k: [] for k in ("domInteractive", "DOMContentLoaded", "widget ready", "load", "open -> socket.io loaded",
                               "open -> session confirmed")}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for _ in range(runs + 1):  # the first run warms the browser and the disk cache; not counted
                context = browser.new_context(viewport={"width": 360, "height": 740})
                context.add_init_script(INIT)
                page = context.new_page()
                page.goto(url, wait_until="load")
                page.wait_for_function("() => window.__marks.ready !== undefined")
                nav = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
                    return {domInteractive: n.domInteractive, DOMContentLoaded: n.domContentLoadedEventEnd,
                            load: n.loadEventEnd, ready: window.__marks.ready}; }""")
                start = page.evaluate("() => { const t = performance.now(); window.ClinicChat.open(); return t; }")
                page.wait_for_function("() => performance.getEntriesByType('resource')"
                                       ".some(r => r.name.includes('socket.io.min.js') && r.responseEnd > 0)"
                                       " && window.ClinicChat.socket()")
                io_loaded = page.evaluate("() => performance.getEntriesByType('resource')"
                                          ".find(r => r.name.includes('socket.io.min.js')).responseEnd")
                connected = None
                if rasa_url:
                    page.wait_for_function("() => window.__marks.connected !== undefined", timeout=30_000)
                    connected = page.evaluate("() => window.__marks.connected") - start
                context.close()
                if _ == 0:
                    continue
                figures["domInteractive"].append(nav["domInteractive"])
                figures["DOMContentLoaded"].append(nav["DOMContentLoaded"])
                figures["widget ready"].append(nav["ready"])
                figures["load"].append(nav["load"])
                figures["open -> socket.io loaded"].append(io_loaded - start)
                if connected is not None:
                    figures["open -> session confirmed"].append(connected)
            browser.close()
    finally:
        server.shutdown()
    print(f"\nDemo page in headless Chromium on localhost, 360x740, {runs} runs (ms since navigation start,"
          " except the 'open ->' rows):")
    print(f"  {'':<28}{'median':>9}{'min':>9}{'max':>9}")
    for name, values in figures.items():
        if values:
            print(f"  {name:<28}{statistics.median(values):9.1f}{min(values):9.1f}{max(values):9.1f}")
    if not rasa_url:
        print("  (no --rasa-url: time to a confirmed session not measured)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rasa-url", default="", help="a running Rasa server with the socket.io channel")
    args = parser.parse_args()
    sizes()
    timings(args.runs, args.rasa_url.rstrip("/"))


if __name__ == "__main__":
    main()
