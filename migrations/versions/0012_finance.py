"""finance: withdrawals, distributors' payout accounts (Stripe Connect), the transfers that paid withdrawals;
ledger transactions found by their reference

Revision ID: 0012
Revises: 0013
Create Date: 2026-11-25 16:05:17.279142
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = '0012'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('payout_accounts',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('distributor_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('stripe_account_id', sa.String(length=255), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'distributor_id'], ['distributors.tenant_id', 'distributors.id'], name=op.f('fk_payout_accounts_tenant_id_distributor_id_distributors')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_payout_accounts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'distributor_id', name=op.f('pk_payout_accounts'))
    )
    op.create_table('withdrawals',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('distributor_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('fee', sa.BigInteger(), nullable=False),
    sa.Column('net_amount', sa.BigInteger(), nullable=False),
    sa.Column('fee_rate', sa.String(length=24), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('destination', sa.String(length=255), nullable=True),
    sa.Column('reference', sa.String(length=200), nullable=True),
    sa.Column('transfer_id', sa.String(length=255), nullable=True),
    sa.Column('rejection_reason', sa.String(length=500), nullable=True),
    sa.Column('failure_message', sa.Text(), nullable=True),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('rejected_by', sa.String(length=64), nullable=True),
    sa.Column('paid_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paid_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rejected_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("method IN ('manual', 'stripe_connect')", name=op.f('ck_withdrawals_method_known')),
    sa.CheckConstraint("status IN ('requested', 'approved', 'processing', 'paid', 'rejected', 'failed')", name=op.f('ck_withdrawals_status_known')),
    sa.CheckConstraint('amount > 0 AND fee >= 0 AND net_amount > 0 AND net_amount = amount - fee', name=op.f('ck_withdrawals_amounts_add_up')),
    sa.ForeignKeyConstraint(['tenant_id', 'distributor_id'], ['distributors.tenant_id', 'distributors.id'], name=op.f('fk_withdrawals_tenant_id_distributor_id_distributors')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_withdrawals_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_withdrawals'))
    )
    op.create_index('ix_withdrawals_tenant_id_distributor_id_id', 'withdrawals', ['tenant_id', 'distributor_id', 'id'], unique=False)
    op.create_index('ix_withdrawals_tenant_id_status_id', 'withdrawals', ['tenant_id', 'status', 'id'], unique=False)
    op.create_table('payout_transfers',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('withdrawal_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('destination', sa.String(length=255), nullable=False),
    sa.Column('reversed', sa.Boolean(), nullable=False),
    sa.Column('amount_reversed', sa.BigInteger(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checked_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'withdrawal_id'], ['withdrawals.tenant_id', 'withdrawals.id'], name=op.f('fk_payout_transfers_tenant_id_withdrawal_id_withdrawals')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_payout_transfers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_payout_transfers')),
    sa.UniqueConstraint('tenant_id', 'withdrawal_id', name=op.f('uq_payout_transfers_tenant_id_withdrawal_id'))
    )
    op.create_index('ix_payout_transfers_tenant_id_checked_at', 'payout_transfers', ['tenant_id', 'checked_at'], unique=False)
    op.create_index('ix_ledger_transactions_tenant_id_reference', 'ledger_transactions', ['tenant_id', 'reference'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_ledger_transactions_tenant_id_reference', table_name='ledger_transactions')
    op.drop_index('ix_payout_transfers_tenant_id_checked_at', table_name='payout_transfers')
    op.drop_table('payout_transfers')
    op.drop_index('ix_withdrawals_tenant_id_status_id', table_name='withdrawals')
    op.drop_index('ix_withdrawals_tenant_id_distributor_id_id', table_name='withdrawals')
    op.drop_table('withdrawals')
    op.drop_table('payout_accounts')
