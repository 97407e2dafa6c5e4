"""Migrations build the whole schema from empty, match the models, and come all the way back down."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from core import migrate
from core.db import Base, normalize_url
from tests.support import databases


@pytest.fixture
def empty_database(app):  # the app fixture imports every model, so the metadata is complete
    url = databases.create_database("fission_migrations")
    yield url
    databases.drop_database(url)


def table_names(url):
    engine = create_engine(normalize_url(url))
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_migrations_upgrade_from_empty_to_head_and_downgrade_back(empty_database):
    migrate.upgrade(empty_database)
    assert table_names(empty_database) == set(Base.metadata.tables)

    migrate.downgrade(empty_database, "base")
    assert table_names(empty_database) == set()

    migrate.upgrade(empty_database)
    assert table_names(empty_database) == set(Base.metadata.tables)


def test_the_migrated_schema_matches_the_models(empty_database):
    migrate.upgrade(empty_database)
    engine = create_engine(normalize_url(empty_database))

    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": False}),
                                       Base.metadata)
    engine.dispose()

    assert differences == []


def test_migrations_also_run_on_sqlite_the_embedded_default(app, tmp_path):
    url = f"sqlite:///{tmp_path / 'embedded.db'}"

    migrate.upgrade(url)
    assert table_names(url) == set(Base.metadata.tables)
    migrate.downgrade(url, "base")
    assert table_names(url) == set()
