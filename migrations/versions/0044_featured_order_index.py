"""catalog: the featured sort's index (position, then newest first) in place of the position's

Revision ID: 0044_featured_order_index
Revises: 0043_google_web_logins
Create Date: 2026-12-06 00:10:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0044_featured_order_index"
down_revision = "0043_google_web_logins"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_featured_position")
        batch_op.create_index(
            "ix_products_featured_order",
            ["featured_position", sa.text("created_at DESC"), sa.text("id DESC")],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_featured_order")
        batch_op.create_index("ix_products_featured_position", ["featured_position"], unique=False)
