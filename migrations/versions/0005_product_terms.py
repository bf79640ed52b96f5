"""catalog: search-terms index

Revision ID: 0005_product_terms
Revises: 0004_primary_image
Create Date: 2026-11-23 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_product_terms'
down_revision = '0004_primary_image'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_terms',
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('lexeme', sa.Text(), nullable=False),
    sa.Column('score', sa.REAL(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('brand_id', sa.Integer(), nullable=True),
    sa.Column('condition', sa.String(length=12), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_terms_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id', 'lexeme', name=op.f('pk_product_terms'))
    )
    op.create_index('ix_product_terms_rank', 'product_terms', ['lexeme', 'score', 'product_id'], unique=False, postgresql_include=['category_id', 'brand_id', 'condition', 'price', 'supplier_id'])
    if op.get_bind().dialect.name == 'postgresql':
        # Existing catalogs: one row per lexeme of each active product's document (the same
        # rows services/search.py:refresh_search writes).
        op.execute(r"""
            INSERT INTO product_terms (lexeme, product_id, score, category_id, brand_id, condition, price, supplier_id)
            SELECT entry.lexeme, p.id,
                   ts_rank(p.search_vector, ('''' || replace(replace(entry.lexeme, '\', '\\'), '''', '''''') || '''')::tsquery),
                   p.category_id, p.brand_id, p.condition, p.price, p.supplier_id
            FROM products AS p, unnest(p.search_vector) AS entry(lexeme, positions, weights)
            WHERE p.is_active AND p.search_vector IS NOT NULL
        """)


def downgrade():
    op.drop_index('ix_product_terms_rank', table_name='product_terms', postgresql_include=['category_id', 'brand_id', 'condition', 'price', 'supplier_id'])
    op.drop_table('product_terms')
