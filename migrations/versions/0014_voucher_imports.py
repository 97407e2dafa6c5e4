"""vouchers: files of codes imported in the background (the console's import), and an index for counting
the day's redemptions

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-25 18:10:00
"""
from alembic import op
import sqlalchemy as sa
import core.db
from sqlalchemy.dialects import postgresql

revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None

PUBLIC_ID = sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'voucher_imports',
        sa.Column('tenant_id', PUBLIC_ID, nullable=False),
        sa.Column('id', PUBLIC_ID, nullable=False),
        sa.Column('pool_id', PUBLIC_ID, nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('is_csv', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('total', sa.BigInteger(), nullable=False),
        sa.Column('processed', sa.BigInteger(), nullable=False),
        sa.Column('imported', sa.BigInteger(), nullable=False),
        sa.Column('duplicates', sa.BigInteger(), nullable=False),
        sa.Column('invalid', sa.BigInteger(), nullable=False),
        sa.Column('problems', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                  nullable=False),
        sa.Column('failure', sa.String(length=64), nullable=True),
        sa.Column('source', sa.Text(), nullable=True),
        sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('completed_at', core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'completed', 'failed')",
                           name=op.f('ck_voucher_imports_status_known')),
        sa.ForeignKeyConstraint(['tenant_id', 'pool_id'], ['voucher_pools.tenant_id', 'voucher_pools.id'],
                                name=op.f('fk_voucher_imports_tenant_id_pool_id_voucher_pools')),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_voucher_imports_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_voucher_imports')),
    )
    op.create_index('ix_voucher_imports_tenant_id_pool_id_id', 'voucher_imports', ['tenant_id', 'pool_id', 'id'],
                    unique=False)
    op.create_index('ix_vouchers_redeemed_at', 'vouchers', ['tenant_id', 'redeemed_at'], unique=False,
                    postgresql_where=sa.text('redeemed_at IS NOT NULL'),
                    sqlite_where=sa.text('redeemed_at IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_vouchers_redeemed_at', table_name='vouchers',
                  postgresql_where=sa.text('redeemed_at IS NOT NULL'), sqlite_where=sa.text('redeemed_at IS NOT NULL'))
    op.drop_index('ix_voucher_imports_tenant_id_pool_id_id', table_name='voucher_imports')
    op.drop_table('voucher_imports')
