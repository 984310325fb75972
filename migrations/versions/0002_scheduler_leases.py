"""scheduler leases: one scheduler runs the maintenance at a time

Revision ID: 0002_scheduler_leases
Revises: 8ad83e2c2e91
Create Date: 2026-11-23 19:30:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.models.types


revision = '0002_scheduler_leases'
down_revision = '8ad83e2c2e91'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scheduler_leases',
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('holder', sa.String(length=120), nullable=False),
        sa.Column('expires_at', webapp.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade():
    op.drop_table('scheduler_leases')
