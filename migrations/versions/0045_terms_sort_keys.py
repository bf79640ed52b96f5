"""catalog: search terms carry their product's sort keys; the rating sort's index

Revision ID: 0045_terms_sort_keys
Revises: 0044_featured_order_index
Create Date: 2026-12-06 02:20:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0045_terms_sort_keys"
down_revision = "0044_featured_order_index"
branch_labels = None
depends_on = None

INCLUDE_BEFORE = ["category_id", "brand_id", "condition", "price", "seller_id"]
INCLUDE_AFTER = INCLUDE_BEFORE + ["rating_average", "rating_count", "created_at", "featured_position"]


def _rank_index(include):
    op.create_index(
        "ix_product_terms_rank", "product_terms", ["lexeme", "score", "product_id"], postgresql_include=include
    )


def upgrade():
    op.drop_index("ix_product_terms_rank", table_name="product_terms", postgresql_include=INCLUDE_BEFORE)
    with op.batch_alter_table("product_terms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rating_average", sa.Numeric(precision=3, scale=2), nullable=True))
        batch_op.add_column(sa.Column("rating_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("featured_position", sa.Integer(), nullable=True))
    op.execute(
        """
        UPDATE product_terms SET rating_average = products.rating_average,
            rating_count = products.rating_count, created_at = products.created_at,
            featured_position = products.featured_position
        FROM products WHERE products.id = product_terms.product_id
        """
    )
    with op.batch_alter_table("product_terms", schema=None) as batch_op:
        batch_op.alter_column("rating_average", existing_type=sa.Numeric(precision=3, scale=2), nullable=False)
        batch_op.alter_column("rating_count", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("created_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    _rank_index(INCLUDE_AFTER)
    op.create_index(
        "ix_products_active_rating",
        "products",
        [sa.text("rating_average DESC"), sa.text("rating_count DESC"), sa.text("id DESC")],
        unique=False,
        postgresql_where=sa.text("is_active"),
        sqlite_where=sa.text("is_active"),
    )


def downgrade():
    op.drop_index("ix_products_active_rating", table_name="products")
    op.drop_index("ix_product_terms_rank", table_name="product_terms", postgresql_include=INCLUDE_AFTER)
    with op.batch_alter_table("product_terms", schema=None) as batch_op:
        batch_op.drop_column("featured_position")
        batch_op.drop_column("created_at")
        batch_op.drop_column("rating_count")
        batch_op.drop_column("rating_average")
    _rank_index(INCLUDE_BEFORE)
