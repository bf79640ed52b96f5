"""orders: lines a seller cancelled, and the per-line restock claim (every line restocks once)

Revision ID: 0026_cancelled_lines
Revises: 0025_product_warranty
Create Date: 2026-12-05 14:38:34.621341

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0026_cancelled_lines"
down_revision = "0025_product_warranty"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("restocked_at", sa.DateTime(timezone=True), nullable=True))
    # The lines of orders restocked already (cancelled) are claimed: nothing restocks them again.
    op.execute(
        "UPDATE order_lines SET restocked_at = "
        "(SELECT stock_returned_at FROM orders WHERE orders.id = order_lines.order_id) "
        "WHERE order_id IN (SELECT id FROM orders WHERE stock_returned_at IS NOT NULL)"
    )


def downgrade():
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_column("restocked_at")
        batch_op.drop_column("cancelled_at")
