"""points: the ledger's and holds' `draws` documents compressed with lz4 (PostgreSQL)

An expiry batch writes one entry per customer whose `draws` lists every lot it took (some 6 KB for a customer
with a hundred lots), above the size PostgreSQL compresses: with its default (pglz) that compression was a
third of the cost of writing the entries; lz4 does it several times faster. Only new values are compressed
the new way; the ones already stored stay as they are (both are read alike). A server built without lz4 keeps
pglz. SQLite has no such setting.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 05:40:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

COLUMNS = (('points_entries', 'draws'), ('points_holds', 'draws'))


def upgrade() -> None:
    _compress_with('lz4')


def downgrade() -> None:
    _compress_with('pglz')


def _compress_with(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql' or not _supported(bind, method):
        return
    for table, column in COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}')


def _supported(bind, method: str) -> bool:
    return bind.execute(sa.text("SELECT :method = ANY(enumvals) FROM pg_settings "
                                "WHERE name = 'default_toast_compression'"), {'method': method}).scalar() is True
