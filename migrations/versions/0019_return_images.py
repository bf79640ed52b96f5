"""returns: return_images, the evidence photos of a return

Revision ID: 0019_return_images
Revises: 0018_outbox_html
Create Date: 2026-12-02 20:24:03.339017

"""
from alembic import op
import sqlalchemy as sa


revision = '0019_return_images'
down_revision = '0018_outbox_html'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('return_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], name=op.f('fk_return_images_return_id_returns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_images'))
    )
    with op.batch_alter_table('return_images', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_images_return_id'), ['return_id'], unique=False)



def downgrade():
    with op.batch_alter_table('return_images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_images_return_id'))

    op.drop_table('return_images')
