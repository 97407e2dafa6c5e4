"""points: a customer's open lots indexed in the order they are spent (soonest-expiring first)

Replaces ix_points_lots_open (tenant_id, customer_id), which every reader of a customer's open lots used, with
the same columns followed by the spending order (expires_at, never-expiring last; available_at; id): a hold
reads only the few soonest lots it draws, however many lots the customer has (one per paid order, for a
customer who earns on every order), instead of all of them.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26 06:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_points_lots_spendable', 'points_lots',
                    ['tenant_id', 'customer_id', 'expires_at', 'available_at', 'id'], unique=False,
                    postgresql_where='remaining > 0', sqlite_where=sa.text('remaining > 0'))
    op.drop_index('ix_points_lots_open', table_name='points_lots', postgresql_where='remaining > 0',
                  sqlite_where=sa.text('remaining > 0'))


def downgrade() -> None:
    op.create_index('ix_points_lots_open', 'points_lots', ['tenant_id', 'customer_id'], unique=False,
                    postgresql_where='remaining > 0', sqlite_where=sa.text('remaining > 0'))
    op.drop_index('ix_points_lots_spendable', table_name='points_lots', postgresql_where='remaining > 0',
                  sqlite_where=sa.text('remaining > 0'))
