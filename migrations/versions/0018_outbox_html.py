"""notifications: outbox_emails.html, the HTML alternative of templated emails

Revision ID: 0018_outbox_html
Revises: 0017_notifications
Create Date: 2026-12-02 20:14:34.056927

"""
from alembic import op
import sqlalchemy as sa


revision = '0018_outbox_html'
down_revision = '0017_notifications'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('html', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.drop_column('html')

