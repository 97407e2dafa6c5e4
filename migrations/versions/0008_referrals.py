"""referrals: who brought whom, the inviters' daily counters, and each reward given

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-25 14:32:30.761480
"""
from alembic import op
import sqlalchemy as sa
import core.db
from sqlalchemy.dialects import postgresql

revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('referral_daily_counts',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('inviter_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('qualified', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'inviter_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_referral_daily_counts_tenant_id_inviter_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_referral_daily_counts_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'inviter_id', 'local_date', name=op.f('pk_referral_daily_counts'))
    )
    op.create_table('referrals',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('inviter_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('invitee_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_ordered_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_paid_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('qualified_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('qualified_on', sa.String(length=20), nullable=True),
    sa.Column('qualifying_order_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.Column('qualified_local_date', sa.Date(), nullable=True),
    sa.Column('terms', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('rewarded_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('inviter_id <> invitee_id', name=op.f('ck_referrals_not_self')),
    sa.ForeignKeyConstraint(['tenant_id', 'invitee_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_referrals_tenant_id_invitee_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id', 'inviter_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_referrals_tenant_id_inviter_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_referrals_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_referrals')),
    sa.UniqueConstraint('tenant_id', 'invitee_id', name=op.f('uq_referrals_tenant_id_invitee_id'))
    )
    op.create_index('ix_referrals_created', 'referrals', ['tenant_id', 'created_at'], unique=False)
    op.create_index('ix_referrals_inviter', 'referrals', ['tenant_id', 'inviter_id', 'id'], unique=False)
    op.create_table('referral_rewards',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('referral_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('side', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('coupon_template_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.Column('coupon_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_referral_rewards_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id', 'referral_id'], ['referrals.tenant_id', 'referrals.id'], name=op.f('fk_referral_rewards_tenant_id_referral_id_referrals')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_referral_rewards_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'referral_id', 'side', 'kind', name=op.f('pk_referral_rewards'))
    )
    op.create_index('ix_referral_rewards_customer', 'referral_rewards', ['tenant_id', 'customer_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_referral_rewards_customer', table_name='referral_rewards')
    op.drop_table('referral_rewards')
    op.drop_index('ix_referrals_inviter', table_name='referrals')
    op.drop_index('ix_referrals_created', table_name='referrals')
    op.drop_table('referrals')
    op.drop_table('referral_daily_counts')
