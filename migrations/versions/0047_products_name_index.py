"""catalog: the name sort's index (active products)

Revision ID: 0047_products_name_index
Revises: 0046_orders_user_unpaid
Create Date: 2026-12-06 03:00:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0047_products_name_index"
down_revision = "0046_orders_user_unpaid"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_products_active_name",
        "products",
        ["name", sa.text("id DESC")],
        unique=False,
        postgresql_where=sa.text("is_active"),
        sqlite_where=sa.text("is_active"),
    )


def downgrade():
    op.drop_index("ix_products_active_name", table_name="products")
