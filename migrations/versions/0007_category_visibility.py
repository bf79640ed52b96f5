"""catalog: categories.is_visible (active, and every ancestor active)

Revision ID: 0007_category_visibility
Revises: 0006_price_bands
Create Date: 2026-11-23 16:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0007_category_visibility'
down_revision = '0006_price_bands'
branch_labels = None
depends_on = None

# The same rule as app/catalog/services/categories.py refresh_visibility().
VISIBLE = """
WITH RECURSIVE visible(id) AS (
    SELECT id FROM categories WHERE parent_id IS NULL AND is_active
    UNION ALL
    SELECT c.id FROM categories c JOIN visible v ON c.parent_id = v.id WHERE c.is_active
)
UPDATE categories SET is_visible = (id IN (SELECT id FROM visible))
"""


# Plain ALTER TABLE both ways (the server default stays): on SQLite a batch "move and copy" of
# categories would drop a table that products reference.
def upgrade():
    op.add_column('categories', sa.Column('is_visible', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute(VISIBLE)


def downgrade():
    with op.batch_alter_table('categories', recreate='never') as batch:
        batch.drop_column('is_visible')
