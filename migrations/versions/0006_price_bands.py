"""catalog: facet cells split by price band

Revision ID: 0006_price_bands
Revises: 0005_product_terms
Create Date: 2026-11-23 14:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0006_price_bands'
down_revision = '0005_product_terms'
branch_labels = None
depends_on = None

# The R10 band edges of app/catalog/services/facets.py at the time of this migration (cents).
EDGES = [step * 10**power for power in range(0, 11) for step in (100, 125, 160, 200, 250, 315, 400, 500, 630, 800)]


def _rebuild(with_band: bool) -> None:
    band = "CASE " + " ".join(f"WHEN price < {edge} THEN {i}" for i, edge in enumerate(EDGES)) + f" ELSE {len(EDGES)} END"
    columns = "category_id, brand_id, condition, supplier_id" + (", price_band" if with_band else "")
    select = "category_id, brand_id, condition, supplier_id" + (f", {band}" if with_band else "")
    op.execute("DELETE FROM product_facet_cells")
    op.execute(
        f"INSERT INTO product_facet_cells ({columns}, product_count, min_price, max_price) "
        f"SELECT {select}, count(id), min(price), max(price) FROM products WHERE is_active "
        f"GROUP BY {select}"
    )


def upgrade():
    with op.batch_alter_table('product_facet_cells') as batch:
        batch.add_column(sa.Column('price_band', sa.SmallInteger(), nullable=False, server_default='0'))
    with op.batch_alter_table('product_facet_cells') as batch:
        batch.alter_column('price_band', server_default=None)
    _rebuild(with_band=True)


def downgrade():
    with op.batch_alter_table('product_facet_cells') as batch:
        batch.drop_column('price_band')
    _rebuild(with_band=False)
