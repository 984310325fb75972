"""jobs.name: a label the owner gives a job, to tell identical requests apart

Revision ID: 0004_job_name
Revises: 0003_job_indexes
Create Date: 2026-11-23 20:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004_job_name'
down_revision = '0003_job_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('name')
