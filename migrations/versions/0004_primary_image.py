"""catalog: at most one primary image per product

Revision ID: 0004_primary_image
Revises: 0003_facet_cells
Create Date: 2026-11-23 13:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004_primary_image'
down_revision = '0003_facet_cells'
branch_labels = None
depends_on = None


def upgrade():
    # Listing cards join "the" primary image; two would repeat a product on the page.
    op.create_index(
        'uq_product_images_primary', 'product_images', ['product_id'], unique=True,
        postgresql_where=sa.text('is_primary'), sqlite_where=sa.text('is_primary'),
    )


def downgrade():
    op.drop_index('uq_product_images_primary', table_name='product_images',
                  postgresql_where=sa.text('is_primary'), sqlite_where=sa.text('is_primary'))
