"""distribution and the ledger: distributors, bindings, commissions, settlements; ledger
transactions and entries (entries and transactions refuse UPDATE); products' commission override

Revision ID: 0007
Revises: 0010
Create Date: 2026-11-25 14:35:00.971964
"""
from alembic import op
import sqlalchemy as sa
import core.db
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0010'
branch_labels = None
depends_on = None

# Ledger rows are never changed: a correction is a new transaction. The database refuses an UPDATE
# whoever sends it (deleting stays possible, so that a tenant can still be removed with its rows).
_LEDGER_TABLES = ('ledger_entries', 'ledger_transactions')
_IMMUTABLE = {
    'postgresql': [
        """CREATE FUNCTION ledger_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'ledger rows are immutable: post a new transaction instead'; END $$""",
        *[f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
          f"FOR EACH ROW EXECUTE FUNCTION ledger_refuse_update()" for table in _LEDGER_TABLES],
    ],
    'sqlite': [
        f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'ledger rows are immutable: post a new transaction instead'); END"
        for table in _LEDGER_TABLES
    ],
}
_MUTABLE = {
    'postgresql': [*[f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}" for table in _LEDGER_TABLES],
                   "DROP FUNCTION IF EXISTS ledger_refuse_update()"],
    'sqlite': [f"DROP TRIGGER IF EXISTS {table}_immutable" for table in _LEDGER_TABLES],
}


def upgrade() -> None:
    op.create_table('ledger_transactions',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ledger_transactions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_ledger_transactions')),
    sa.UniqueConstraint('tenant_id', 'key', name=op.f('uq_ledger_transactions_tenant_id_key'))
    )
    op.create_index('ix_ledger_transactions_tenant_id_kind_created_at', 'ledger_transactions', ['tenant_id', 'kind', 'created_at'], unique=False)
    op.create_table('settlements',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('trigger', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('commissions', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('batches', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'completed')", name=op.f('ck_settlements_status_known')),
    sa.CheckConstraint("trigger IN ('periodic', 'on_demand')", name=op.f('ck_settlements_trigger_known')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_settlements_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_settlements'))
    )
    op.create_table('distributors',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('none', 'pending', 'approved', 'rejected', 'suspended')", name=op.f('ck_distributors_status_known')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_distributors_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_distributors_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_distributors')),
    sa.UniqueConstraint('tenant_id', 'customer_id', name=op.f('uq_distributors_tenant_id_customer_id'))
    )
    op.create_index('ix_distributors_tenant_id_status_id', 'distributors', ['tenant_id', 'status', 'id'], unique=False)
    op.create_table('ledger_entries',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('transaction_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('account', sa.String(length=120), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_ledger_entries_amount_not_zero')),
    sa.ForeignKeyConstraint(['tenant_id', 'transaction_id'], ['ledger_transactions.tenant_id', 'ledger_transactions.id'], name=op.f('fk_ledger_entries_tenant_id_transaction_id_ledger_transactions')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ledger_entries_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_ledger_entries'))
    )
    op.create_index('ix_ledger_entries_account', 'ledger_entries', ['tenant_id', 'account', 'currency', 'id'], unique=False)
    op.create_index('ix_ledger_entries_transaction', 'ledger_entries', ['tenant_id', 'transaction_id'], unique=False)
    op.create_table('commissions',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('order_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('line_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('distributor_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('product_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('base', sa.BigInteger(), nullable=False),
    sa.Column('net', sa.BigInteger(), nullable=False),
    sa.Column('rate', sa.String(length=24), nullable=True),
    sa.Column('fixed_amount', sa.BigInteger(), nullable=True),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('final_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('settled_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('settlement_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.CheckConstraint("kind IN ('sale', 'group_leader')", name=op.f('ck_commissions_kind_known')),
    sa.CheckConstraint("status IN ('frozen', 'settled', 'cancelled')", name=op.f('ck_commissions_status_known')),
    sa.CheckConstraint('level IN (1, 2)', name=op.f('ck_commissions_level_known')),
    sa.CheckConstraint('net >= 0 AND net <= base AND amount >= 0', name=op.f('ck_commissions_amounts_within_base')),
    sa.ForeignKeyConstraint(['tenant_id', 'distributor_id'], ['distributors.tenant_id', 'distributors.id'], name=op.f('fk_commissions_tenant_id_distributor_id_distributors')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_commissions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_commissions')),
    sa.UniqueConstraint('tenant_id', 'line_id', 'kind', 'level', name=op.f('uq_commissions_tenant_id_line_id_kind_level'))
    )
    op.create_index('ix_commissions_due', 'commissions', ['tenant_id', 'id'], unique=False, postgresql_where="status = 'frozen' AND final_at IS NOT NULL", sqlite_where=sa.text("status = 'frozen' AND final_at IS NOT NULL"))
    op.create_index('ix_commissions_tenant_id_distributor_id_id', 'commissions', ['tenant_id', 'distributor_id', 'id'], unique=False)
    op.create_index('ix_commissions_tenant_id_order_id', 'commissions', ['tenant_id', 'order_id'], unique=False)
    op.create_index('ix_commissions_tenant_id_status_id', 'commissions', ['tenant_id', 'status', 'id'], unique=False)
    op.create_table('distribution_bindings',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('distributor_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('bound_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_distribution_bindings_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id', 'distributor_id'], ['distributors.tenant_id', 'distributors.id'], name=op.f('fk_distribution_bindings_tenant_id_distributor_id_distributors')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_distribution_bindings_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'customer_id', name=op.f('pk_distribution_bindings'))
    )
    op.create_index('ix_distribution_bindings_tenant_id_distributor_id', 'distribution_bindings', ['tenant_id', 'distributor_id', 'customer_id'], unique=False)
    with op.batch_alter_table('products') as batch:
        batch.add_column(sa.Column('commission', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
    for statement in _IMMUTABLE[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    for statement in _MUTABLE[op.get_bind().dialect.name]:
        op.execute(statement)
    with op.batch_alter_table('products') as batch:
        batch.drop_column('commission')
    op.drop_index('ix_distribution_bindings_tenant_id_distributor_id', table_name='distribution_bindings')
    op.drop_table('distribution_bindings')
    op.drop_index('ix_commissions_tenant_id_status_id', table_name='commissions')
    op.drop_index('ix_commissions_tenant_id_order_id', table_name='commissions')
    op.drop_index('ix_commissions_tenant_id_distributor_id_id', table_name='commissions')
    op.drop_index('ix_commissions_due', table_name='commissions', postgresql_where="status = 'frozen' AND final_at IS NOT NULL", sqlite_where=sa.text("status = 'frozen' AND final_at IS NOT NULL"))
    op.drop_table('commissions')
    op.drop_index('ix_ledger_entries_transaction', table_name='ledger_entries')
    op.drop_index('ix_ledger_entries_account', table_name='ledger_entries')
    op.drop_table('ledger_entries')
    op.drop_index('ix_distributors_tenant_id_status_id', table_name='distributors')
    op.drop_table('distributors')
    op.drop_table('settlements')
    op.drop_index('ix_ledger_transactions_tenant_id_kind_created_at', table_name='ledger_transactions')
    op.drop_table('ledger_transactions')
