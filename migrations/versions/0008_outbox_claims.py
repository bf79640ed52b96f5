"""notifications: outbox_emails.claimed_at (a sender claims a row before sending it), and an
index on (to, created_at) for the per-recipient email cap

Revision ID: 0008_outbox_claims
Revises: 0007_category_visibility
Create Date: 2026-12-02 06:00:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0008_outbox_claims'
down_revision = '0007_category_visibility'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_outbox_emails_to_created_at', ['to', 'created_at'], unique=False)


def downgrade():
    op.execute("UPDATE outbox_emails SET status = 'pending' WHERE status = 'sending'")
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_emails_to_created_at')
        batch_op.drop_column('claimed_at')
