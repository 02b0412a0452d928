"""Serves web/ (the chat widget under /widget/ and the demo clinic page under /demo/) with the standard library.

    python web/serve.py [--port 8080] [--host 127.0.0.1] [--rasa-url http://localhost:5005]

The demo page's widget tag says ``data-server="http://localhost:5005"``; ``--rasa-url`` (or $RASA_URL) makes
this server rewrite that attribute in the HTML it serves, so the demo follows a Rasa server on another port
or host. The widget itself is served as is. For production, put web/widget/ behind any static web server.
"""
import argparse
import functools
import html
import io
import os
import re
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent
DEFAULT_RASA_URL = "http://localhost:5005"
_DATA_SERVER = re.compile(rb'data-server="[^"]*"')


class WebHandler(SimpleHTTPRequestHandler):
    rasa_url = DEFAULT_RASA_URL
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript; charset=utf-8", ".html": "text/html; charset=utf-8",
                      ".css": "text/css; charset=utf-8", ".md": "text/plain; charset=utf-8"}

    def end_headers(self) -> None:
        # The widget is loaded by other sites' pages: allow that, and keep browsers from sniffing types.
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix != ".html" or self.rasa_url == DEFAULT_RASA_URL or not path.is_file():
            return super().send_head()
        if not self.path.split("?", 1)[0].endswith(("/", ".html")):
            return super().send_head()  # lets the base class redirect /demo to /demo/
        body = _DATA_SERVER.sub(f'data-server="{html.escape(self.rasa_url)}"'.encode(), path.read_bytes())
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))


def make_server(host: str = "127.0.0.1", port: int = 8080, rasa_url: str = DEFAULT_RASA_URL,
                quiet: bool = False) -> ThreadingHTTPServer:
    """The server, not yet serving (call serve_forever); port 0 picks a free one (see server_address)."""
    attrs = {"rasa_url": rasa_url.rstrip("/")}
    if quiet:
        attrs["log_message"] = lambda self, *args: None
    handler = type("Handler", (WebHandler,), attrs)
    return ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(WEB_DIR)))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"),
                        help="address to listen on (0.0.0.0 to reach it from a phone on the LAN)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8080")))
    parser.add_argument("--rasa-url", default=os.environ.get("RASA_URL", DEFAULT_RASA_URL),
                        help="the Rasa server the demo page's widget talks to")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, args.rasa_url)
    print(f"Serving {WEB_DIR} on http://{args.host}:{args.port}/ : demo page /demo/, widget /widget/widget.js "
          f"(demo talks to {args.rasa_url.rstrip('/')})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
