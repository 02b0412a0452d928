"""The database the alerts read from and write to: the same one Rasa's SQL tracker store uses.

``events`` is described here (columns as in Rasa 3.6's ``SQLTrackerStore.SQLEvent``) only so it can be queried;
it has its own MetaData so that ``create_tables`` can never create or alter it.
"""
import os
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from recovery_support.paths import ROOT

DATABASE_URL_ENV = "DATABASE_URL"
DEFAULT_DATABASE_URL = "sqlite:///var/conversations.db"

_rasa_metadata = sa.MetaData()
events = sa.Table(
    "events",
    _rasa_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


def database_url() -> str:
    return os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


def make_engine(url: str) -> Engine:
    """An engine for ``url``; a relative SQLite path is taken from the repository root, its folder created."""
    parsed = make_url(url)
    kwargs = {"pool_pre_ping": True, "future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = (ROOT / database) if not os.path.isabs(database) else None
            if path is not None:
                parsed = parsed.set(database=str(path))
            os.makedirs(os.path.dirname(parsed.database) or ".", exist_ok=True)
        # Rasa writes to the same file: wait for its lock instead of failing at once.
        kwargs["connect_args"] = {"timeout": 15}
    else:
        # A dead database must fail fast so the worker logs it and retries, not hang a thread.
        if parsed.get_backend_name() == "postgresql":
            kwargs["connect_args"] = {"connect_timeout": 5}
    engine = sa.create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        sa.event.listen(engine, "connect", keep_sqlite_files_private)
    return engine


def keep_sqlite_files_private(connection: Any, _record: Any) -> None:
    """The embedded default keeps health records in one SQLite file: readable by its owner only (0600), with its
    WAL and shared-memory files. The first process to connect creates it with the umask's mode (often 0644);
    every connection, Rasa's tracker store included, puts it back."""
    for _seq, name, path in connection.execute("PRAGMA database_list").fetchall():
        if name == "main" and path:
            for file in (path, f"{path}-wal", f"{path}-shm"):
                try:
                    os.chmod(file, 0o600)
                except FileNotFoundError:
                    pass
