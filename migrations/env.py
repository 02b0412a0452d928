"""Alembic environment: the staff and alert tables, one ``alembic upgrade head`` for both.

Rasa's SQL tracker store creates and owns ``events`` in the same database; ``include_object`` keeps Alembic
(autogenerate included) from ever proposing to drop or alter it, or any other table that isn't ours.
The database: a connection passed in ``config.attributes["connection"]`` (tests), else ``-x url=...``,
else ``sqlalchemy.url``, else DATABASE_URL / the project's SQLite default (relative paths from the repo root).
"""
from logging.config import fileConfig

from alembic import context

from recovery_support.alerts.db import database_url
from recovery_support.staff.database import staff_engine
from recovery_support.staff.schema import TARGET_METADATA, include_object

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# The alert worker's metadata is imported too, so one `upgrade head` creates every table but Rasa's.
target_metadata = TARGET_METADATA


def _url() -> str:
    return (context.get_x_argument(as_dictionary=True).get("url")
            or config.get_main_option("sqlalchemy.url") or database_url())


def _configure(**kwargs):
    context.configure(target_metadata=target_metadata, include_object=include_object,
                      compare_type=True, **kwargs)


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = staff_engine(_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:
    # Batch mode lets later ALTERs work on SQLite (it rebuilds the table); a no-op elsewhere.
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
