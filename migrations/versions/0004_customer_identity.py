"""customers: identities per provider, a stable invite code each, who referred them

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 14:40:00
"""
from alembic import op
import sqlalchemy as sa
import core.db

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

PUBLIC_ID = sa.String(length=40).with_variant(sa.String(length=40, collation='C'), 'postgresql')
# Eight characters of the invite-code alphabet (tenants/customers/invite_codes.py), drawn in SQL for
# the customers that exist already; a clash is astronomically unlikely at this size and the unique
# constraint added below would refuse it rather than let it pass.
_BACKFILL = {
    "postgresql": """
        UPDATE customers SET invite_code = (
          SELECT string_agg(substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ', 1 + floor(random() * 31)::int, 1), '')
          FROM generate_series(1, 8) WHERE customers.id IS NOT NULL)
    """,
    "sqlite": """
        UPDATE customers SET invite_code = upper(substr(hex(randomblob(8)), 1, 8))
    """,
}


def upgrade() -> None:
    with op.batch_alter_table('customers') as batch:
        batch.add_column(sa.Column('invite_code', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('referred_by', PUBLIC_ID, nullable=True))
        batch.alter_column('signup_invite_code', type_=sa.String(length=200), existing_type=sa.String(length=40))
    op.execute(_BACKFILL[op.get_bind().dialect.name])
    with op.batch_alter_table('customers') as batch:
        batch.alter_column('invite_code', nullable=False, existing_type=sa.String(length=16))
        batch.drop_constraint('uq_customers_tenant_id_openid', type_='unique')
        batch.create_unique_constraint('uq_customers_tenant_id_provider_openid', ['tenant_id', 'provider', 'openid'])
        batch.create_unique_constraint('uq_customers_tenant_id_invite_code', ['tenant_id', 'invite_code'])


def downgrade() -> None:
    with op.batch_alter_table('customers') as batch:
        batch.drop_constraint('uq_customers_tenant_id_invite_code', type_='unique')
        batch.drop_constraint('uq_customers_tenant_id_provider_openid', type_='unique')
        batch.create_unique_constraint('uq_customers_tenant_id_openid', ['tenant_id', 'openid'])
        batch.alter_column('signup_invite_code', type_=sa.String(length=40), existing_type=sa.String(length=200))
        batch.drop_column('referred_by')
        batch.drop_column('invite_code')
