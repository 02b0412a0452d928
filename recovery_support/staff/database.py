"""The staff app's engine: the same database (and URL) as Rasa's tracker store and the alert worker."""
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from recovery_support.alerts.db import database_url, make_engine


def _sqlite_foreign_keys(connection: Any, _record: Any) -> None:
    # SQLite ignores ON DELETE CASCADE unless asked, per connection.
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def staff_engine(url: Optional[str] = None) -> Engine:
    engine = make_engine(url or database_url())
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_foreign_keys)
    return engine


def has_table(engine: Engine, name: str) -> bool:
    return sa.inspect(engine).has_table(name)
