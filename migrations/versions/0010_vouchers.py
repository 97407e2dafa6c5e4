"""vouchers: pools of single-use codes, platform events, failed guesses; the voucher step of orders;
points-mall rewards that hand out a voucher code

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-25 14:43:43.066066
"""
from alembic import op
import sqlalchemy as sa
import core.db
from sqlalchemy.dialects import postgresql

revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


PUBLIC_ID = sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table('voucher_guesses',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('credential', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_voucher_guesses_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_voucher_guesses'))
    )
    op.create_index('ix_voucher_guesses_tenant_id_credential_created_at', 'voucher_guesses', ['tenant_id', 'credential', 'created_at'], unique=False)
    op.create_table('voucher_pools',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=True),
    sa.Column('platform', sa.String(length=24), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('face_value', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('valid_from', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('valid_until', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('callback_secret', sa.String(length=80), nullable=False),
    sa.Column('platform_settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('archived_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("direction IN ('issue', 'accept')", name=op.f('ck_voucher_pools_direction_known')),
    sa.CheckConstraint("platform IN ('douyin', 'meituan', 'taobao', 'jd', 'wechat_channels', 'offline', 'custom')", name=op.f('ck_voucher_pools_platform_known')),
    sa.CheckConstraint("status IN ('active', 'archived')", name=op.f('ck_voucher_pools_status_known')),
    sa.CheckConstraint('face_value IS NULL OR face_value > 0', name=op.f('ck_voucher_pools_face_value_positive')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_voucher_pools_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_voucher_pools'))
    )
    op.create_table('voucher_events',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('pool_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('event_id', sa.String(length=300), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=True),
    sa.Column('voucher_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('received_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'pool_id'], ['voucher_pools.tenant_id', 'voucher_pools.id'], name=op.f('fk_voucher_events_tenant_id_pool_id_voucher_pools')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_voucher_events_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'pool_id', 'event_id', name=op.f('pk_voucher_events'))
    )
    op.create_table('vouchers',
    sa.Column('tenant_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('pool_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.Column('issued_via', sa.String(length=16), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('issued_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('order_id', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.Column('redeemed_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('redeemed_via', sa.String(length=16), nullable=True),
    sa.Column('redeemed_by', sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql'), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('conflict', sa.Boolean(), nullable=False),
    sa.Column('conflict_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expired_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('voided_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('platform_certificate_id', sa.String(length=64), nullable=True),
    sa.Column('platform_verify_id', sa.String(length=64), nullable=True),
    sa.Column('platform_synced_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("redeemed_via IS NULL OR redeemed_via IN ('store', 'checkout', 'platform')", name=op.f('ck_vouchers_channel_known')),
    sa.CheckConstraint("status IN ('available', 'issued', 'locked', 'redeemed', 'expired', 'void')", name=op.f('ck_vouchers_status_known')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name=op.f('fk_vouchers_tenant_id_customer_id_customers')),
    sa.ForeignKeyConstraint(['tenant_id', 'pool_id'], ['voucher_pools.tenant_id', 'voucher_pools.id'], name=op.f('fk_vouchers_tenant_id_pool_id_voucher_pools')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_vouchers_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_vouchers')),
    sa.UniqueConstraint('tenant_id', 'code', name=op.f('uq_vouchers_tenant_id_code'))
    )
    op.create_index('ix_vouchers_certificate', 'vouchers', ['tenant_id', 'platform_certificate_id'], unique=False, postgresql_where='platform_certificate_id IS NOT NULL', sqlite_where=sa.text('platform_certificate_id IS NOT NULL'))
    op.create_index('ix_vouchers_holder', 'vouchers', ['tenant_id', 'customer_id', 'pool_id'], unique=False, postgresql_where='customer_id IS NOT NULL', sqlite_where=sa.text('customer_id IS NOT NULL'))
    op.create_index('ix_vouchers_tenant_id_pool_id_status_id', 'vouchers', ['tenant_id', 'pool_id', 'status', 'id'], unique=False)
    with op.batch_alter_table('order_lines') as batch:
        batch.add_column(sa.Column('voucher_deduction', sa.BigInteger(), server_default='0', nullable=False))
    with op.batch_alter_table('orders') as batch:
        batch.add_column(sa.Column('voucher_code', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('voucher_deduction', sa.BigInteger(), server_default='0', nullable=False))
    with op.batch_alter_table('reward_exchanges') as batch:
        batch.add_column(sa.Column('voucher_id', PUBLIC_ID, nullable=True))
        batch.alter_column('coupon_id', existing_type=PUBLIC_ID, nullable=True)
        batch.create_foreign_key(op.f('fk_reward_exchanges_tenant_id_voucher_id_vouchers'), 'vouchers',
                                 ['tenant_id', 'voucher_id'], ['tenant_id', 'id'])
    with op.batch_alter_table('rewards') as batch:
        batch.add_column(sa.Column('voucher_pool_id', PUBLIC_ID, nullable=True))
        batch.alter_column('coupon_template_id', existing_type=PUBLIC_ID, nullable=True)
        batch.create_foreign_key(op.f('fk_rewards_tenant_id_voucher_pool_id_voucher_pools'), 'voucher_pools',
                                 ['tenant_id', 'voucher_pool_id'], ['tenant_id', 'id'])
        batch.create_check_constraint(op.f('ck_rewards_one_prize'),
                                      '(coupon_template_id IS NULL) <> (voucher_pool_id IS NULL)')


def downgrade() -> None:
    # Rewards that hand out voucher codes, and their exchanges, cannot outlive the vouchers.
    op.execute("DELETE FROM reward_exchanges WHERE voucher_id IS NOT NULL")
    op.execute("DELETE FROM reward_customer_counts WHERE reward_id IN "
               "(SELECT id FROM rewards WHERE voucher_pool_id IS NOT NULL)")
    op.execute("DELETE FROM rewards WHERE voucher_pool_id IS NOT NULL")
    with op.batch_alter_table('rewards') as batch:
        batch.drop_constraint(op.f('ck_rewards_one_prize'), type_='check')
        batch.drop_constraint(op.f('fk_rewards_tenant_id_voucher_pool_id_voucher_pools'), type_='foreignkey')
        batch.alter_column('coupon_template_id', existing_type=PUBLIC_ID, nullable=False)
        batch.drop_column('voucher_pool_id')
    with op.batch_alter_table('reward_exchanges') as batch:
        batch.drop_constraint(op.f('fk_reward_exchanges_tenant_id_voucher_id_vouchers'), type_='foreignkey')
        batch.alter_column('coupon_id', existing_type=PUBLIC_ID, nullable=False)
        batch.drop_column('voucher_id')
    with op.batch_alter_table('orders') as batch:
        batch.drop_column('voucher_deduction')
        batch.drop_column('voucher_code')
    with op.batch_alter_table('order_lines') as batch:
        batch.drop_column('voucher_deduction')
    op.drop_index('ix_vouchers_tenant_id_pool_id_status_id', table_name='vouchers')
    op.drop_index('ix_vouchers_holder', table_name='vouchers', postgresql_where='customer_id IS NOT NULL', sqlite_where=sa.text('customer_id IS NOT NULL'))
    op.drop_index('ix_vouchers_certificate', table_name='vouchers', postgresql_where='platform_certificate_id IS NOT NULL', sqlite_where=sa.text('platform_certificate_id IS NOT NULL'))
    op.drop_table('vouchers')
    op.drop_table('voucher_events')
    op.drop_table('voucher_pools')
    op.drop_index('ix_voucher_guesses_tenant_id_credential_created_at', table_name='voucher_guesses')
    op.drop_table('voucher_guesses')
