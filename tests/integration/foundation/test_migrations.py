"""Migrations build the whole schema from empty, match the models, and come all the way back down."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from core import migrate
from core.db import Base, normalize_url
from tests.support import databases

pytestmark = pytest.mark.integration


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


def differences_from_the_models(url: str) -> list:
    """What Alembic's autogenerate would change to make the database match the models, types included."""
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_the_models_tables_columns_indexes_and_types(empty_database):
    migrate.upgrade(empty_database)

    assert differences_from_the_models(empty_database) == []


def test_the_points_draws_are_compressed_with_lz4_and_back_with_pglz_on_downgrade(empty_database):
    def compression() -> set:
        engine = create_engine(normalize_url(empty_database))
        try:
            with engine.connect() as connection:
                return set(connection.execute(text(
                    "SELECT attrelid::regclass::text, attcompression FROM pg_attribute "
                    "WHERE attname = 'draws' AND attrelid IN ('points_entries'::regclass, 'points_holds'::regclass)"
                )).all())
        finally:
            engine.dispose()

    migrate.upgrade(empty_database)
    assert compression() == {("points_entries", "l"), ("points_holds", "l")}
    migrate.downgrade(empty_database, "0014")
    assert compression() == {("points_entries", "p"), ("points_holds", "p")}


def test_a_column_whose_type_differs_from_its_model_is_reported(empty_database):
    migrate.upgrade(empty_database)
    engine = create_engine(normalize_url(empty_database))
    with engine.begin() as connection:  # what a migration that got a type wrong would leave behind
        connection.execute(text("ALTER TABLE orders ALTER COLUMN total TYPE integer"))
    engine.dispose()

    differences = differences_from_the_models(empty_database)

    # Column changes come grouped per column: [("modify_type", schema, table, column, info, old, new)].
    changes = [change[:4] for group in differences if isinstance(group, list) for change in group]
    assert changes == [("modify_type", None, "orders", "total")]


def test_the_embedded_sqlite_schema_matches_the_models_types_included(app, tmp_path):
    url = f"sqlite:///{tmp_path / 'embedded.db'}"

    migrate.upgrade(url)

    assert differences_from_the_models(url) == []


def test_migrations_also_run_on_sqlite_the_embedded_default(app, tmp_path):
    url = f"sqlite:///{tmp_path / 'embedded.db'}"

    migrate.upgrade(url)
    assert table_names(url) == set(Base.metadata.tables)
    migrate.downgrade(url, "base")
    assert table_names(url) == set()


def test_the_migrations_form_one_linear_history():
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))

    assert len(scripts.get_heads()) == 1
    assert all(len(script._all_down_revisions) <= 1 for script in scripts.walk_revisions())
