"""Alembic environment: the models' metadata, the URL from the app (or alembic.ini/env)."""

import os

from alembic import context
from sqlalchemy import create_engine, pool

from core.db import Base, normalize_url

config = context.config


def _load_models() -> None:
    # Importing the app imports every domain's models, so the metadata is complete.
    import app  # noqa: F401


_load_models()
target_metadata = Base.metadata


def _url() -> str:
    return normalize_url(config.get_main_option("sqlalchemy.url") or os.environ["DATABASE_URL"])


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
