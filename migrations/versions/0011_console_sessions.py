"""console: server-side sessions of the console's signed-in browsers

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-26 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import core.db

revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None

PUBLIC_ID = sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'console_sessions',
        sa.Column('tenant_id', PUBLIC_ID, nullable=False),
        sa.Column('id', PUBLIC_ID, nullable=False),
        sa.Column('key_id', PUBLIC_ID, nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('end_reason', sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(['tenant_id', 'key_id'], ['api_keys.tenant_id', 'api_keys.id'],
                                name=op.f('fk_console_sessions_tenant_id_key_id_api_keys'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_console_sessions_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_console_sessions')),
    )
    op.create_index('ix_console_sessions_token_hash', 'console_sessions', ['token_hash'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_console_sessions_token_hash', table_name='console_sessions')
    op.drop_table('console_sessions')
