"""language: each user's language for pages, emails and reports (None follows the browser)

Revision ID: 0009_language
Revises: 0008_notifications
Create Date: 2026-11-24 01:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_language'
down_revision = '0008_notifications'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('language')
