"""loyalty: points ledger, sign-in, coupons, points mall

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 17:06:42.251508
"""
from alembic import op
import sqlalchemy as sa
import core.db
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('coupon_templates',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount_off', sa.Integer(), nullable=True),
    sa.Column('percent_off', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('max_discount', sa.Integer(), nullable=True),
    sa.Column('min_spend', sa.Integer(), nullable=False),
    sa.Column('product_ids', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('valid_from', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('valid_until', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('valid_days', sa.Integer(), nullable=True),
    sa.Column('total_quantity', sa.Integer(), nullable=True),
    sa.Column('per_customer_limit', sa.Integer(), nullable=True),
    sa.Column('claimable', sa.Boolean(), nullable=False),
    sa.Column('issued_count', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('total_quantity IS NULL OR issued_count <= total_quantity', name=op.f('ck_coupon_templates_within_total_quantity')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_coupon_templates_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_coupon_templates'))
    )
    op.create_table('coupon_customer_counts',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('template_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('issued', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_coupon_customer_counts_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id', 'template_id'], ['coupon_templates.tenant_id', 'coupon_templates.id'], name=op.f('fk_coupon_customer_counts_tenant_id_template_id_coupon_templates')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_coupon_customer_counts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'template_id', 'customer_id', name=op.f('pk_coupon_customer_counts'))
    )
    op.create_table('coupons',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('template_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('valid_from', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('valid_until', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('order_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expired_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('voided_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_coupons_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id', 'template_id'], ['coupon_templates.tenant_id', 'coupon_templates.id'], name=op.f('fk_coupons_tenant_id_template_id_coupon_templates')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_coupons_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_coupons'))
    )
    op.create_index('ix_coupons_available_until', 'coupons', ['tenant_id', 'valid_until'], unique=False, postgresql_where="status = 'available'", sqlite_where=sa.text("status = 'available'"))
    op.create_index('ix_coupons_customer_status', 'coupons', ['tenant_id', 'customer_id', 'status'], unique=False)
    op.create_table('points_accounts',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.Column('debt', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('held >= 0 AND debt >= 0', name=op.f('ck_points_accounts_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_points_accounts_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_points_accounts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'customer_id', name=op.f('pk_points_accounts'))
    )
    op.create_table('points_entries',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=120), nullable=False),
    sa.Column('order_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.Column('lot_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.Column('draws', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('available_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_points_entries_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_points_entries_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_points_entries')),
    sa.UniqueConstraint('tenant_id', 'source', name=op.f('uq_points_entries_tenant_id_source'))
    )
    op.create_index('ix_points_entries_customer', 'points_entries', ['tenant_id', 'customer_id', 'id'], unique=False)
    op.create_index('ix_points_entries_order', 'points_entries', ['tenant_id', 'order_id'], unique=False)
    op.create_table('points_holds',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('order_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('returned', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('draws', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('returned >= 0 AND returned <= points', name=op.f('ck_points_holds_returned_within_points')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_points_holds_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_points_holds_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'order_id', name=op.f('pk_points_holds'))
    )
    op.create_table('points_lots',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('entry_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.Column('expired', sa.Integer(), nullable=False),
    sa.Column('available_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('remaining >= 0 AND remaining <= points', name=op.f('ck_points_lots_remaining_within_points')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_points_lots_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_points_lots_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_points_lots'))
    )
    op.create_index('ix_points_lots_due', 'points_lots', ['tenant_id', 'expires_at'], unique=False, postgresql_where='remaining > 0', sqlite_where=sa.text('remaining > 0'))
    op.create_index('ix_points_lots_open', 'points_lots', ['tenant_id', 'customer_id'], unique=False, postgresql_where='remaining > 0', sqlite_where=sa.text('remaining > 0'))
    op.create_table('rewards',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('points_cost', sa.Integer(), nullable=False),
    sa.Column('coupon_template_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=True),
    sa.Column('per_customer_limit', sa.Integer(), nullable=True),
    sa.Column('exchanged_count', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('stock IS NULL OR stock >= 0', name=op.f('ck_rewards_stock_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'coupon_template_id'], ['coupon_templates.tenant_id', 'coupon_templates.id'], name=op.f('fk_rewards_tenant_id_coupon_template_id_coupon_templates')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_rewards_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_rewards'))
    )
    op.create_table('sign_ins',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('streak', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_sign_ins_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sign_ins_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_sign_ins')),
    sa.UniqueConstraint('tenant_id', 'customer_id', 'local_date', name=op.f('uq_sign_ins_tenant_id_customer_id_local_date'))
    )
    op.create_table('reward_customer_counts',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('reward_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('exchanged', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_reward_customer_counts_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id', 'reward_id'], ['rewards.tenant_id', 'rewards.id'], name=op.f('fk_reward_customer_counts_tenant_id_reward_id_rewards')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_reward_customer_counts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'reward_id', 'customer_id', name=op.f('pk_reward_customer_counts'))
    )
    op.create_table('reward_exchanges',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('reward_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('coupon_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('points_spent', sa.Integer(), nullable=False),
    sa.Column('request_key', sa.String(length=255), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'coupon_id'], ['coupons.tenant_id', 'coupons.id'], name=op.f('fk_reward_exchanges_tenant_id_coupon_id_coupons')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_reward_exchanges_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id', 'reward_id'], ['rewards.tenant_id', 'rewards.id'], name=op.f('fk_reward_exchanges_tenant_id_reward_id_rewards')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_reward_exchanges_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_reward_exchanges')),
    sa.UniqueConstraint('tenant_id', 'customer_id', 'request_key', name=op.f('uq_reward_exchanges_tenant_id_customer_id_request_key'))
    )


def downgrade() -> None:
    op.drop_table('reward_exchanges')
    op.drop_table('reward_customer_counts')
    op.drop_table('sign_ins')
    op.drop_table('rewards')
    op.drop_index('ix_points_lots_open', table_name='points_lots', postgresql_where='remaining > 0', sqlite_where=sa.text('remaining > 0'))
    op.drop_index('ix_points_lots_due', table_name='points_lots', postgresql_where='remaining > 0', sqlite_where=sa.text('remaining > 0'))
    op.drop_table('points_lots')
    op.drop_table('points_holds')
    op.drop_index('ix_points_entries_order', table_name='points_entries')
    op.drop_index('ix_points_entries_customer', table_name='points_entries')
    op.drop_table('points_entries')
    op.drop_table('points_accounts')
    op.drop_index('ix_coupons_customer_status', table_name='coupons')
    op.drop_index('ix_coupons_available_until', table_name='coupons', postgresql_where="status = 'available'", sqlite_where=sa.text("status = 'available'"))
    op.drop_table('coupons')
    op.drop_table('coupon_customer_counts')
    op.drop_table('coupon_templates')
