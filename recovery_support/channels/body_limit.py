"""One cap on request bodies for the whole chat server: Sanic's default is 100 MB, and a 1 MB message kept the
only event loop busy for 40 s while everyone else waited (issue 13). A chat message is at most a few kB.

Rasa builds the Sanic app itself; a channel's blueprint can still set the app's config before the server
starts, and Sanic reads ``REQUEST_MAX_SIZE`` for every new connection. A bigger body gets 413 before it is read.
"""
from sanic import Blueprint

MAX_REQUEST_BYTES = 64 * 1024


def limit_request_bodies(blueprint: Blueprint, max_bytes: int = MAX_REQUEST_BYTES) -> None:
    @blueprint.listener("before_server_start")
    async def set_limit(app, _loop) -> None:  # type: ignore[no-untyped-def]
        # The smallest limit any channel asks for wins, so no channel can raise another's.
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, max_bytes)
