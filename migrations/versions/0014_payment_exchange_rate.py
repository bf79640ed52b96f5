"""payments: the exchange rate of a converted charge (PayPal in USD for a KES order)

Revision ID: 0014_payment_exchange_rate
Revises: 0013_refunds
Create Date: 2026-12-02 18:36:27.593598

"""
from alembic import op
import sqlalchemy as sa


revision = '0014_payment_exchange_rate'
down_revision = '0013_refunds'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exchange_rate', sa.Numeric(precision=18, scale=6), nullable=True))


def downgrade():
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_column('exchange_rate')
