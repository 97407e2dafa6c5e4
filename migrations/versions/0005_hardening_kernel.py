"""hardening (kernel): natural keys for checkout and refunds, from the request's Idempotency-Key

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 15:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('orders') as batch:
        batch.add_column(sa.Column('request_key', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_orders_tenant_id_customer_id_request_key',
                                       ['tenant_id', 'customer_id', 'request_key'])
    with op.batch_alter_table('refunds') as batch:
        batch.add_column(sa.Column('request_key', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_refunds_tenant_id_order_id_request_key',
                                       ['tenant_id', 'order_id', 'request_key'])


def downgrade() -> None:
    with op.batch_alter_table('refunds') as batch:
        batch.drop_constraint('uq_refunds_tenant_id_order_id_request_key', type_='unique')
        batch.drop_column('request_key')
    with op.batch_alter_table('orders') as batch:
        batch.drop_constraint('uq_orders_tenant_id_customer_id_request_key', type_='unique')
        batch.drop_column('request_key')
