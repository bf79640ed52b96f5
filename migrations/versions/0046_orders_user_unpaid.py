"""orders: an index of unpaid orders by buyer, for checkout's cap on unpaid orders

Revision ID: 0046_orders_user_unpaid
Revises: 0045_terms_sort_keys
Create Date: 2026-12-06 02:55:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0046_orders_user_unpaid"
down_revision = "0045_terms_sort_keys"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_orders_user_unpaid",
            ["user_id"],
            unique=False,
            postgresql_where=sa.text("status = 'pending_payment'"),
            sqlite_where=sa.text("status = 'pending_payment'"),
        )


def downgrade():
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_user_unpaid")
