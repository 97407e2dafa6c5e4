"""segments: a mirror of paid orders, lifecycle profiles, tags, segments, campaigns and their recipients

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-25 14:41:37.191565
"""
from alembic import op
import sqlalchemy as sa
import core.db
from sqlalchemy.dialects import postgresql

revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('segments',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('rule', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_segments_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_segments'))
    )
    op.create_table('tags',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('rule', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('refreshed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tags_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_tags')),
    sa.UniqueConstraint('tenant_id', 'name', name=op.f('uq_tags_tenant_id_name'))
    )
    op.create_table('campaign_caps',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('grants', sa.Integer(), nullable=False),
    sa.Column('last_granted_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_campaign_caps_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_campaign_caps_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'customer_id', name=op.f('pk_campaign_caps'))
    )
    op.create_table('campaigns',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('segment_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('coupon_template_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.Column('points', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('audience', sa.Integer(), nullable=True),
    sa.Column('granted', sa.Integer(), nullable=False),
    sa.Column('skipped_capped', sa.Integer(), nullable=False),
    sa.Column('skipped_limit', sa.Integer(), nullable=False),
    sa.Column('batches', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('launched_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(action = 'grant_coupon' AND coupon_template_id IS NOT NULL) OR (action = 'grant_points' AND points > 0)", name=op.f('ck_campaigns_action_complete')),
    sa.ForeignKeyConstraint(['tenant_id', 'coupon_template_id'], ['coupon_templates.tenant_id', 'coupon_templates.id'], name=op.f('fk_campaigns_tenant_id_coupon_template_id_coupon_templates')),
    sa.ForeignKeyConstraint(['tenant_id', 'segment_id'], ['segments.tenant_id', 'segments.id'], name=op.f('fk_campaigns_tenant_id_segment_id_segments')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_campaigns_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_campaigns'))
    )
    op.create_index('ix_campaigns_running', 'campaigns', ['tenant_id'], unique=False, postgresql_where="status = 'running'", sqlite_where=sa.text("status = 'running'"))
    op.create_table('customer_profiles',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('stage_since', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('r', sa.Integer(), nullable=True),
    sa.Column('f', sa.Integer(), nullable=True),
    sa.Column('m', sa.Integer(), nullable=True),
    sa.Column('scored_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('is_distributor', sa.Boolean(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_customer_profiles_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_profiles_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'customer_id', name=op.f('pk_customer_profiles'))
    )
    op.create_index('ix_customer_profiles_stage', 'customer_profiles', ['tenant_id', 'stage'], unique=False)
    op.create_table('customer_tags',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('tag_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_customer_tags_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id', 'tag_id'], ['tags.tenant_id', 'tags.id'], name=op.f('fk_customer_tags_tenant_id_tag_id_tags'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_tags_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'tag_id', 'customer_id', name=op.f('pk_customer_tags'))
    )
    op.create_index('ix_customer_tags_customer', 'customer_tags', ['tenant_id', 'customer_id'], unique=False)
    op.create_table('segment_orders',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('order_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('paid_amount', sa.Integer(), nullable=False),
    sa.Column('refunded_total', sa.Integer(), nullable=False),
    sa.Column('fully_refunded', sa.Boolean(), nullable=False),
    sa.Column('coupon_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.Column('paid_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_segment_orders_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_segment_orders_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'order_id', name=op.f('pk_segment_orders'))
    )
    op.create_index('ix_segment_orders_coupon', 'segment_orders', ['tenant_id', 'coupon_id'], unique=False, postgresql_where='coupon_id IS NOT NULL', sqlite_where=sa.text('coupon_id IS NOT NULL'))
    op.create_index('ix_segment_orders_customer', 'segment_orders', ['tenant_id', 'customer_id', 'paid_at'], unique=False)
    op.create_table('campaign_recipients',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('campaign_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('coupon_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.Column('granted_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'campaign_id'], ['campaigns.tenant_id', 'campaigns.id'], name=op.f('fk_campaign_recipients_tenant_id_campaign_id_campaigns')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_campaign_recipients_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_campaign_recipients_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'campaign_id', 'customer_id', name=op.f('pk_campaign_recipients'))
    )
    op.create_index('ix_campaign_recipients_coupon', 'campaign_recipients', ['tenant_id', 'coupon_id'], unique=False, postgresql_where='coupon_id IS NOT NULL', sqlite_where=sa.text('coupon_id IS NOT NULL'))
    op.create_index('ix_campaign_recipients_granted', 'campaign_recipients', ['tenant_id', 'customer_id', 'granted_at'], unique=False, postgresql_where="status = 'granted'", sqlite_where=sa.text("status = 'granted'"))
    op.create_index('ix_campaign_recipients_pending', 'campaign_recipients', ['tenant_id', 'campaign_id', 'customer_id'], unique=False, postgresql_where="status = 'pending'", sqlite_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index('ix_campaign_recipients_pending', table_name='campaign_recipients', postgresql_where="status = 'pending'", sqlite_where=sa.text("status = 'pending'"))
    op.drop_index('ix_campaign_recipients_granted', table_name='campaign_recipients', postgresql_where="status = 'granted'", sqlite_where=sa.text("status = 'granted'"))
    op.drop_index('ix_campaign_recipients_coupon', table_name='campaign_recipients', postgresql_where='coupon_id IS NOT NULL', sqlite_where=sa.text('coupon_id IS NOT NULL'))
    op.drop_table('campaign_recipients')
    op.drop_index('ix_segment_orders_customer', table_name='segment_orders')
    op.drop_index('ix_segment_orders_coupon', table_name='segment_orders', postgresql_where='coupon_id IS NOT NULL', sqlite_where=sa.text('coupon_id IS NOT NULL'))
    op.drop_table('segment_orders')
    op.drop_index('ix_customer_tags_customer', table_name='customer_tags')
    op.drop_table('customer_tags')
    op.drop_index('ix_customer_profiles_stage', table_name='customer_profiles')
    op.drop_table('customer_profiles')
    op.drop_index('ix_campaigns_running', table_name='campaigns', postgresql_where="status = 'running'", sqlite_where=sa.text("status = 'running'"))
    op.drop_table('campaigns')
    op.drop_table('campaign_caps')
    op.drop_table('tags')
    op.drop_table('segments')
