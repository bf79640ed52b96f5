"""sellers: every product, facet cell, search term and order line names its seller (a store)
instead of the user who listed it

Each supplier becomes a seller of their own, named after them (a number appended when two
share a name), owning every product they listed; products listed by admins move to the house
seller (STORE_NAME, "Duka" by default). No product is lost and none changes hands.

Revision ID: 0020_sellers
Revises: 0019_return_images
Create Date: 2026-12-05 14:00:00

"""
import os
import re
import unicodedata
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = '0020_sellers'
down_revision = '0019_return_images'
branch_labels = None
depends_on = None

TERMS_INCLUDE_BEFORE = ['category_id', 'brand_id', 'condition', 'price', 'supplier_id']
TERMS_INCLUDE_AFTER = ['category_id', 'brand_id', 'condition', 'price', 'seller_id']


def _slug(text):
    # The same rule as app.common.slugs.slugify, frozen here as of this revision.
    ascii_text = unicodedata.normalize('NFKD', text).encode('ascii', 'ignore').decode()
    return re.sub(r'[^a-z0-9]+', '-', ascii_text.lower()).strip('-')[:120] or 'seller'


def _unique(value, taken, suffix):
    """`value`, or value + suffix.format(n) for the first n from 2 not in `taken` (then taken)."""
    candidate, n = value, 1
    while candidate in taken:
        n += 1
        candidate = value + suffix.format(n)
    taken.add(candidate)
    return candidate


def upgrade():
    op.create_table('sellers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=140), nullable=False),
    sa.Column('about', sa.Text(), nullable=False),
    sa.Column('logo_path', sa.String(length=200), nullable=True),
    sa.Column('is_house', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_sellers_owner_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sellers')),
    sa.UniqueConstraint('name', name=op.f('uq_sellers_name')),
    sa.UniqueConstraint('owner_id', name=op.f('uq_sellers_owner_id')),
    sa.UniqueConstraint('slug', name=op.f('uq_sellers_slug'))
    )
    op.create_index('uq_sellers_house', 'sellers', ['is_house'], unique=True,
                    postgresql_where=sa.text('is_house'), sqlite_where=sa.text('is_house'))

    # One seller per supplier (and per any other non-admin who listed or sold something), and
    # the house seller for what admins listed.
    bind = op.get_bind()
    now = datetime.now(timezone.utc)
    sellers = sa.table('sellers', sa.column('id', sa.Integer), sa.column('owner_id', sa.Integer),
                       sa.column('name', sa.String), sa.column('slug', sa.String), sa.column('about', sa.Text),
                       sa.column('is_house', sa.Boolean), sa.column('created_at', sa.DateTime(timezone=True)),
                       sa.column('updated_at', sa.DateTime(timezone=True)))
    owners = bind.execute(sa.text(
        "SELECT id, name, role FROM users WHERE role = 'supplier' "
        "OR id IN (SELECT supplier_id FROM products) OR id IN (SELECT supplier_id FROM order_lines) "
        "ORDER BY id"
    )).all()
    names, slugs = set(), set()
    store = os.environ.get('STORE_NAME') or 'Duka'
    house_name = _unique(store, names, ' ({})')
    house_slug = _unique(_slug(store), slugs, '-{}')
    bind.execute(sellers.insert().values(owner_id=None, name=house_name, slug=house_slug, about='', is_house=True,
                                         created_at=now, updated_at=now))
    house_id = bind.execute(sa.text('SELECT id FROM sellers WHERE is_house')).scalar()
    mapping = {}
    for user_id, name, role in owners:
        if role == 'admin':
            mapping[user_id] = house_id
            continue
        label = _unique((name or f'Seller {user_id}')[:110], names, ' ({})')
        bind.execute(sellers.insert().values(owner_id=user_id, name=label, slug=_unique(_slug(label), slugs, '-{}'),
                                             about='', is_house=False, created_at=now, updated_at=now))
        mapping[user_id] = bind.execute(sa.text('SELECT id FROM sellers WHERE owner_id = :u'), {'u': user_id}).scalar()

    def move(table):
        for user_id, seller_id in mapping.items():
            bind.execute(sa.text(f'UPDATE {table} SET seller_id = :s WHERE supplier_id = :u'),
                         {'s': seller_id, 'u': user_id})

    # products
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seller_id', sa.Integer(), nullable=True))
    move('products')
    # Two admins' products with one SKU now share the house seller: the later ones get their id.
    bind.execute(sa.text(
        "UPDATE products SET sku = sku || '-' || CAST(id AS VARCHAR(12)) WHERE EXISTS ("
        "SELECT 1 FROM products AS earlier WHERE earlier.seller_id = products.seller_id "
        "AND earlier.sku = products.sku AND earlier.id < products.id)"
    ))
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.alter_column('seller_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('uq_products_supplier_sku', type_='unique')
        batch_op.drop_index(batch_op.f('ix_products_supplier_id'))
        batch_op.drop_constraint(batch_op.f('fk_products_supplier_id_users'), type_='foreignkey')
        batch_op.drop_column('supplier_id')
        batch_op.create_foreign_key(batch_op.f('fk_products_seller_id_sellers'), 'sellers', ['seller_id'], ['id'],
                                    ondelete='RESTRICT')
        batch_op.create_index(batch_op.f('ix_products_seller_id'), ['seller_id'], unique=False)
        batch_op.create_unique_constraint('uq_products_seller_sku', ['seller_id', 'sku'])

    # facet cells (derived: rebuilt on the next write of their category; moved here meanwhile)
    with op.batch_alter_table('product_facet_cells', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seller_id', sa.Integer(), nullable=True))
    move('product_facet_cells')
    with op.batch_alter_table('product_facet_cells', schema=None) as batch_op:
        batch_op.alter_column('seller_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_product_facet_cells_supplier_id_users'), type_='foreignkey')
        batch_op.drop_column('supplier_id')
        batch_op.create_foreign_key(batch_op.f('fk_product_facet_cells_seller_id_sellers'), 'sellers', ['seller_id'],
                                    ['id'], ondelete='CASCADE')

    # search terms
    op.drop_index('ix_product_terms_rank', table_name='product_terms', postgresql_include=TERMS_INCLUDE_BEFORE)
    with op.batch_alter_table('product_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seller_id', sa.Integer(), nullable=True))
    move('product_terms')
    with op.batch_alter_table('product_terms', schema=None) as batch_op:
        batch_op.alter_column('seller_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('supplier_id')
    op.create_index('ix_product_terms_rank', 'product_terms', ['lexeme', 'score', 'product_id'], unique=False,
                    postgresql_include=TERMS_INCLUDE_AFTER)

    # order lines
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seller_id', sa.Integer(), nullable=True))
    move('order_lines')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.alter_column('seller_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index(batch_op.f('ix_order_lines_supplier_id'))
        batch_op.drop_constraint(batch_op.f('fk_order_lines_supplier_id_users'), type_='foreignkey')
        batch_op.drop_column('supplier_id')
        batch_op.create_foreign_key(batch_op.f('fk_order_lines_seller_id_sellers'), 'sellers', ['seller_id'], ['id'],
                                    ondelete='RESTRICT')
        batch_op.create_index(batch_op.f('ix_order_lines_seller_id'), ['seller_id'], unique=False)


def downgrade():
    bind = op.get_bind()

    def back(table):
        bind.execute(sa.text(
            f"UPDATE {table} SET supplier_id = COALESCE((SELECT owner_id FROM sellers WHERE sellers.id = {table}.seller_id), "
            "(SELECT MIN(id) FROM users WHERE role = 'admin'))"
        ))

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplier_id', sa.Integer(), nullable=True))
    back('order_lines')
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_lines_seller_id'))
        batch_op.drop_constraint(batch_op.f('fk_order_lines_seller_id_sellers'), type_='foreignkey')
        batch_op.drop_column('seller_id')
        batch_op.alter_column('supplier_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_order_lines_supplier_id_users'), 'users', ['supplier_id'], ['id'],
                                    ondelete='RESTRICT')
        batch_op.create_index(batch_op.f('ix_order_lines_supplier_id'), ['supplier_id'], unique=False)

    op.drop_index('ix_product_terms_rank', table_name='product_terms', postgresql_include=TERMS_INCLUDE_AFTER)
    with op.batch_alter_table('product_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplier_id', sa.Integer(), nullable=True))
    back('product_terms')
    with op.batch_alter_table('product_terms', schema=None) as batch_op:
        batch_op.drop_column('seller_id')
        batch_op.alter_column('supplier_id', existing_type=sa.Integer(), nullable=False)
    op.create_index('ix_product_terms_rank', 'product_terms', ['lexeme', 'score', 'product_id'], unique=False,
                    postgresql_include=TERMS_INCLUDE_BEFORE)

    with op.batch_alter_table('product_facet_cells', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplier_id', sa.Integer(), nullable=True))
    back('product_facet_cells')
    with op.batch_alter_table('product_facet_cells', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_product_facet_cells_seller_id_sellers'), type_='foreignkey')
        batch_op.drop_column('seller_id')
        batch_op.alter_column('supplier_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_product_facet_cells_supplier_id_users'), 'users', ['supplier_id'],
                                    ['id'], ondelete='CASCADE')

    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplier_id', sa.Integer(), nullable=True))
    back('products')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint('uq_products_seller_sku', type_='unique')
        batch_op.drop_index(batch_op.f('ix_products_seller_id'))
        batch_op.drop_constraint(batch_op.f('fk_products_seller_id_sellers'), type_='foreignkey')
        batch_op.drop_column('seller_id')
        batch_op.alter_column('supplier_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_products_supplier_id_users'), 'users', ['supplier_id'], ['id'],
                                    ondelete='RESTRICT')
        batch_op.create_index(batch_op.f('ix_products_supplier_id'), ['supplier_id'], unique=False)
        batch_op.create_unique_constraint('uq_products_supplier_sku', ['supplier_id', 'sku'])

    op.drop_index('uq_sellers_house', table_name='sellers', postgresql_where=sa.text('is_house'),
                  sqlite_where=sa.text('is_house'))
    op.drop_table('sellers')
