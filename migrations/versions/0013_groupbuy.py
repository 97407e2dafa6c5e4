"""group-buy: campaigns, their prices, groups, the members holding seats, per-customer counts; the group
fields of orders (campaign, group, role, the group's status as last told)

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-25 16:04:17.544307
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('group_buys',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('product_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('group_size', sa.Integer(), nullable=False),
    sa.Column('time_limit_minutes', sa.Integer(), nullable=False),
    sa.Column('starts_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('per_customer_limit', sa.Integer(), nullable=True),
    sa.Column('virtual_fill_threshold', sa.String(length=16), nullable=True),
    sa.Column('leader_commission_rate', sa.String(length=16), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_group_buys_window_ordered')),
    sa.CheckConstraint('group_size BETWEEN 2 AND 50', name=op.f('ck_group_buys_group_size_range')),
    sa.CheckConstraint('per_customer_limit IS NULL OR per_customer_limit >= 1', name=op.f('ck_group_buys_limit_positive')),
    sa.CheckConstraint('time_limit_minutes BETWEEN 1 AND 10080', name=op.f('ck_group_buys_time_limit_range')),
    sa.ForeignKeyConstraint(['tenant_id', 'product_id'], ['products.tenant_id', 'products.id'], name=op.f('fk_group_buys_tenant_id_product_id_products')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_group_buys_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_group_buys'))
    )
    op.create_index('ix_group_buys_tenant_id_ends_at', 'group_buys', ['tenant_id', 'ends_at'], unique=False)
    op.create_table('group_buy_groups',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('campaign_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('leader_customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('group_size', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('live_count', sa.Integer(), nullable=False),
    sa.Column('paid_count', sa.Integer(), nullable=False),
    sa.Column('virtual_filled', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('succeeded_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('failed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'forming', 'succeeded', 'failed')", name=op.f('ck_group_buy_groups_status_known')),
    sa.CheckConstraint('live_count >= 0 AND live_count <= group_size', name=op.f('ck_group_buy_groups_never_overfilled')),
    sa.CheckConstraint('paid_count >= 0 AND paid_count <= live_count', name=op.f('ck_group_buy_groups_paid_within_live')),
    sa.ForeignKeyConstraint(['tenant_id', 'campaign_id'], ['group_buys.tenant_id', 'group_buys.id'], name=op.f('fk_group_buy_groups_tenant_id_campaign_id_group_buys')),
    sa.ForeignKeyConstraint(['tenant_id', 'leader_customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_group_buy_groups_tenant_id_leader_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_group_buy_groups_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_group_buy_groups'))
    )
    op.create_index('ix_group_buy_groups_tenant_id_campaign_id_status_id', 'group_buy_groups', ['tenant_id', 'campaign_id', 'status', 'id'], unique=False)
    op.create_table('group_buy_participants',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('campaign_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('groups', sa.Integer(), nullable=False),
    sa.CheckConstraint('groups >= 0', name=op.f('ck_group_buy_participants_groups_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'campaign_id'], ['group_buys.tenant_id', 'group_buys.id'], name=op.f('fk_group_buy_participants_tenant_id_campaign_id_group_buys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_group_buy_participants_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'campaign_id', 'customer_id', name=op.f('pk_group_buy_participants'))
    )
    op.create_table('group_buy_prices',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('campaign_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('sku_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('price > 0', name=op.f('ck_group_buy_prices_price_positive')),
    sa.ForeignKeyConstraint(['tenant_id', 'campaign_id'], ['group_buys.tenant_id', 'group_buys.id'], name=op.f('fk_group_buy_prices_tenant_id_campaign_id_group_buys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id', 'sku_id'], ['skus.tenant_id', 'skus.id'], name=op.f('fk_group_buy_prices_tenant_id_sku_id_skus')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_group_buy_prices_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'campaign_id', 'sku_id', name=op.f('pk_group_buy_prices'))
    )
    op.create_table('group_buy_members',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('group_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('campaign_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('order_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('joined_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('paid_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('left_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('leader', 'member')", name=op.f('ck_group_buy_members_role_known')),
    sa.CheckConstraint("status IN ('held', 'paid', 'left')", name=op.f('ck_group_buy_members_status_known')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_group_buy_members_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id', 'group_id'], ['group_buy_groups.tenant_id', 'group_buy_groups.id'], name=op.f('fk_group_buy_members_tenant_id_group_id_group_buy_groups')),
    sa.ForeignKeyConstraint(['tenant_id', 'order_id'], ['orders.tenant_id', 'orders.id'], name=op.f('fk_group_buy_members_tenant_id_order_id_orders')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_group_buy_members_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_group_buy_members')),
    sa.UniqueConstraint('tenant_id', 'order_id', name=op.f('uq_group_buy_members_tenant_id_order_id'))
    )
    op.create_index('uq_group_buy_members_one_seat_per_customer', 'group_buy_members', ['tenant_id', 'group_id', 'customer_id'], unique=True, postgresql_where=sa.text("status <> 'left'"), sqlite_where=sa.text("status <> 'left'"))
    with op.batch_alter_table('orders') as batch:
        batch.add_column(sa.Column('group_campaign_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True))
        batch.add_column(sa.Column('group_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True))
        batch.add_column(sa.Column('group_role', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('group_status', sa.String(length=16), nullable=True))
        batch.create_check_constraint(op.f('ck_orders_group_status_known'), "group_status IS NULL OR group_status IN ('pending', 'forming', 'succeeded', 'failed')")
        batch.create_index('ix_orders_tenant_id_group_id', ['tenant_id', 'group_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('orders') as batch:
        batch.drop_index('ix_orders_tenant_id_group_id')
        batch.drop_constraint(op.f('ck_orders_group_status_known'), type_='check')
        batch.drop_column('group_status')
        batch.drop_column('group_role')
        batch.drop_column('group_id')
        batch.drop_column('group_campaign_id')
    op.drop_index('uq_group_buy_members_one_seat_per_customer', table_name='group_buy_members', postgresql_where=sa.text("status <> 'left'"), sqlite_where=sa.text("status <> 'left'"))
    op.drop_table('group_buy_members')
    op.drop_table('group_buy_prices')
    op.drop_table('group_buy_participants')
    op.drop_index('ix_group_buy_groups_tenant_id_campaign_id_status_id', table_name='group_buy_groups')
    op.drop_table('group_buy_groups')
    op.drop_index('ix_group_buys_tenant_id_ends_at', table_name='group_buys')
    op.drop_table('group_buys')
